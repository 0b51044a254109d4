"""Certificates of the demo (with `cryptography`) and the key files of real ones. No Django.

The demo's files, in one directory (settings RESULTS["CERTIFICATES_DIR"], default
var/certificates/, never committed):

- `demo-root-ca.pem` the demo root CA's certificate (the trust anchor of the demo's
  verification page) and `demo-root-ca.key` its private key;
- `demo-tsa.pem` the demo time-stamping authority's certificate and key (RSA: pyHanko's
  in-process time-stamper signs with RSA), issued by the demo root;
- `agencies/<agency code>.pem` each agency's signing certificate, its key and the root.

Every file holding a private key is written with permissions 0600 (the directory 0700), in
one step (a temporary file renamed), so that a reader never sees half a file or a key
from one run with the certificate of another.

A key file of a real certificate is either PKCS#12 (.p12/.pfx: what Vietnamese certificate
authorities deliver) or PEM holding the certificate, its chain and the private key
(encrypted or not): `load_key_file` reads both.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_CERT = "demo-root-ca.pem"
ROOT_KEY = "demo-root-ca.key"
TSA_FILE = "demo-tsa.pem"
AGENCIES = "agencies"
ROOT_YEARS, TSA_YEARS, AGENCY_YEARS = 20, 10, 3
RENEW_BEFORE = dt.timedelta(days=30)  # a demo certificate this close to its end is renewed
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class CertificateError(Exception):
    """A key file that cannot be used; the message says which and why (no secret in it)."""


@dataclass(frozen=True)
class KeyMaterial:
    key: object  # a cryptography private key
    certificate: x509.Certificate  # the one whose public key is the key's
    chain: tuple[x509.Certificate, ...]  # the others in the file (issuers)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _years(start: dt.datetime, years: int) -> dt.datetime:
    return start + dt.timedelta(days=365 * years + years // 4)


def fit(text: str, limit: int = 64) -> str:
    """`text` in at most `limit` bytes of UTF-8 (the common name's bound), cut at a word."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - 3].decode("utf-8", "ignore")
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _name(common: str, organisation: str, province: str) -> x509.Name:
    """C, ST, O (the full name) and CN (the name, shortened to its 64-byte bound)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, province[:128]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:300]),
            x509.NameAttribute(NameOID.COMMON_NAME, fit(common)),
        ]
    )


def _key_usage(*, sign=False, commit=False, ca=False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=commit,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(key, *certificates: x509.Certificate) -> bytes:
    data = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
    if key is not None:
        data += key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return data


def write_file(path: Path, data: bytes, *, private: bool) -> None:
    """Write `path` in one step: a temporary file in the same directory (0600 when it holds
    a key, else 0644) renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(handle, 0o600 if private else 0o644)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _valid_long_enough(certificate: x509.Certificate, now: dt.datetime) -> bool:
    return certificate.not_valid_after_utc - RENEW_BEFORE > now


# --- the demo's authority -------------------------------------------------------------------


def demo_root(directory: Path) -> tuple[object, x509.Certificate] | None:
    """The demo root CA's key and certificate, or None when it was not created."""
    cert_path, key_path = directory / ROOT_CERT, directory / ROOT_KEY
    if not (cert_path.exists() and key_path.exists()):
        return None
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    return key, certificate


def ensure_demo_root(directory: Path, province: str) -> bool:
    """Create the demo root CA unless it exists; True if it was created."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    if demo_root(directory) is not None:
        return False
    key = ec.generate_private_key(ec.SECP384R1())
    name = _name("motcua Demo Root CA – not for real use", "motcua demo", province)
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(_years(now, ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    write_file(directory / ROOT_KEY, _pem(key), private=True)
    write_file(directory / ROOT_CERT, _pem(None, certificate), private=False)
    return True


def _issue(
    directory: Path, subject: x509.Name, key, years: int, *, tsa: bool = False
) -> x509.Certificate:
    root = demo_root(directory)
    if root is None:
        raise CertificateError("the demo root CA does not exist: run `motcua certificates demo`")
    root_key, root_cert = root
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(min(_years(now, years), root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if tsa:
        builder = builder.add_extension(_key_usage(sign=True), critical=True).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        builder = builder.add_extension(_key_usage(sign=True, commit=True), critical=True)
    return builder.sign(root_key, hashes.SHA384())


def ensure_demo_tsa(directory: Path, province: str) -> bool:
    """Create (or renew) the demo time-stamping authority's certificate; True if made."""
    path = directory / TSA_FILE
    if path.exists():
        current = x509.load_pem_x509_certificates(path.read_bytes())[0]
        if _valid_long_enough(current, _now()):
            return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = _name("motcua Demo Time-Stamping Authority", "motcua demo", province)
    certificate = _issue(directory, subject, key, TSA_YEARS, tsa=True)
    write_file(path, _pem(key, certificate, demo_root(directory)[1]), private=True)
    return True


def agency_file(directory: Path, code: str) -> Path:
    """Where the demo keeps an agency's certificate and key (the code made file-safe)."""
    return directory / AGENCIES / f"{SAFE_NAME.sub('_', code)}.pem"


def ensure_agency(directory: Path, code: str, name: str, province: str) -> bool:
    """Issue the agency's demo signing certificate unless a usable one exists (or renew it
    when it ends within RENEW_BEFORE); True if one was issued."""
    path = agency_file(directory, code)
    if path.exists():
        try:
            current = load_key_file(path)
        except CertificateError:
            current = None
        if current is not None and _valid_long_enough(current.certificate, _now()):
            return False
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _issue(directory, _name(name, name, province), key, AGENCY_YEARS)
    write_file(path, _pem(key, certificate, demo_root(directory)[1]), private=True)
    return True


# --- reading key files ------------------------------------------------------------------------


def load_key_file(path: Path, password: str | None = None) -> KeyMaterial:
    """The private key, its certificate and the chain in a PKCS#12 or PEM file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CertificateError(f"{path}: cannot be read ({exc.strerror})") from None
    secret = password.encode() if password else None
    if Path(path).suffix.lower() in (".p12", ".pfx"):
        try:
            key, certificate, others = pkcs12.load_key_and_certificates(data, secret)
        except (ValueError, TypeError):
            raise CertificateError(f"{path}: not a PKCS#12 file, or a wrong password") from None
        if key is None or certificate is None:
            raise CertificateError(f"{path}: holds no private key and certificate")
        return KeyMaterial(key, certificate, tuple(others or ()))
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise CertificateError(f"{path}: holds no PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(data, secret)
    except TypeError:
        raise CertificateError(f"{path}: the private key is encrypted; set its password") from None
    except ValueError:
        raise CertificateError(f"{path}: no readable private key, or a wrong password") from None
    public = key.public_key()
    own = [c for c in certificates if c.public_key() == public]
    if not own:
        raise CertificateError(f"{path}: no certificate matches the private key")
    return KeyMaterial(key, own[0], tuple(c for c in certificates if c is not own[0]))


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate of a PEM or DER file (trust anchors)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CertificateError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise CertificateError(f"{path}: holds no certificate") from None


def describe(name: x509.Name) -> str:
    """A certificate name as people read it: "CN=Sở Tư pháp, O=…, ST=Hà Nam, C=VN"."""
    return name.rfc4514_string()
