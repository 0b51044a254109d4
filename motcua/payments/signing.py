"""Signed messages between the portal and a payment gateway: HMAC-SHA256 over canonical
fields, with a shared secret. No Django imports.

The canonical form of a message is its fields but the signature, those with an empty value
left out, sorted by name, each name and value percent-encoded (UTF-8, RFC 3986: only
letters, digits and "-._~" stay as they are) and joined as `name=value&name=value`; the
signature is the lower-case hex HMAC-SHA256 of that text's UTF-8 bytes. Both sides compute
it the same way (docs/payments.md, "Signature"), so the order in which fields travel, and
whether they travel as a query string, a form or JSON, does not matter.
"""

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

SIGNATURE = "signature"


def canonical(fields: Mapping[str, object]) -> str:
    items = sorted(
        (str(name), str(value))
        for name, value in fields.items()
        if name != SIGNATURE and value is not None and str(value) != ""
    )
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in items)


def sign(fields: Mapping[str, object], secret: str) -> str:
    if not secret:
        raise ValueError("a signing secret is required")
    message = canonical(fields).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed(fields: Mapping[str, object], secret: str) -> dict[str, str]:
    """The fields (values as text, empty ones dropped) with their signature added."""
    out = {str(k): str(v) for k, v in fields.items() if v is not None and str(v) != ""}
    out.pop(SIGNATURE, None)
    out[SIGNATURE] = sign(out, secret)
    return out


def verify(fields: Mapping[str, object], secret: str) -> bool:
    """Does the message carry the signature of its fields under `secret`? Constant time."""
    given = fields.get(SIGNATURE)
    if not isinstance(given, str) or not given:
        return False
    expected = sign(fields, secret)
    return hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("utf-8"))


def fingerprint(fields: Mapping[str, object]) -> str:
    """What identifies one message, whatever order its fields came in: the SHA-256 of its
    canonical form (the signature left out, as it follows from the rest)."""
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()
