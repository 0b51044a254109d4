"""The development identity provider's RS256 signing key. No Django.

Read from a PEM file, generated there on first use (2048-bit RSA, mode 0600) when missing.
Never committed: the file lives under var/ (ignored by git) unless the settings name
another file, or give the key itself (MOTCUA_DEV_IDP_KEY).
"""

from __future__ import annotations

import os
from pathlib import Path


def generate_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def private_key_pem(path: Path | str) -> str:
    """The PEM in `path`, written there first if there is none. Processes starting at once
    all end with the same key: each writes a private temporary file and links it into
    place, which succeeds for one only (a link is atomic and never overwrites)."""
    path = Path(path)
    try:
        return path.read_text()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_pem())
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process was first: its key is the key
    finally:
        temporary.unlink()
    return path.read_text()
