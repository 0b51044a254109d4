"""Where the signing keys, the time-stamping authority and the trust anchors come from
(settings RESULTS; docs/results.md, "Certificates and settings").

- An agency signs with the key file configured for its code in
  RESULTS["SIGNING_CERTIFICATES"] (MOTCUA_SIGNING_CERTIFICATES="default=/etc/motcua/province.p12,
  000.00.01.H40=/etc/motcua/stp.pem"), else with the "default" one; its password comes from
  the environment: MOTCUA_SIGNING_KEY_PASSWORD_<code> (the code's other characters as "_"),
  else MOTCUA_SIGNING_KEY_PASSWORD.
- With RESULTS["DEMO_CERTIFICATES"] (on unless MOTCUA_PRODUCTION), an agency without one
  signs with its demo certificate under RESULTS["CERTIFICATES_DIR"], issued on demand by the
  demo root CA once `motcua certificates demo` has created it.
- The signing time is certified by the RFC 3161 authority at RESULTS["TSA_URL"], else by a
  local authority's certificate and key (RESULTS["TSA_CERTIFICATE"], password
  MOTCUA_TSA_KEY_PASSWORD; the demo's own), else not at all (the signer's clock only).
- The verification page trusts the certificates of RESULTS["TRUST_ANCHORS"] (PEM or DER
  files), and the demo root CA while demo certificates are on.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from motcua.results import certificates
from motcua.results.certificates import CertificateError

DEFAULTS = {
    "CERTIFICATES_DIR": None,  # None: VAR_DIR/certificates
    "SIGNING_CERTIFICATES": "",
    "TRUST_ANCHORS": (),
    "TSA_URL": "",
    "TSA_CERTIFICATE": "",
    "DEMO_CERTIFICATES": False,
    "FETCH_REVOCATION": False,
    # A finish dated more than this many days ago is history being recorded (the demo's
    # traffic, an import): its result is signed only on request (`motcua results sign`).
    "AUTO_SIGN_DAYS": 30,
    "VERIFY_MAX_BYTES": 10 * 1024 * 1024,
    # Files one client may check on the verification page: (files, window in seconds).
    "VERIFY_LIMIT_PER_CLIENT": (30, 10 * 60),
    "LINK_MAX_AGE_DAYS": 3650,
    "MAX_ATTEMPTS": 10,
    "RETRY_BASE_SECONDS": 60,
    "RETRY_MAX_SECONDS": 3600,
}
PASSWORD_ENV = "MOTCUA_SIGNING_KEY_PASSWORD"
TSA_PASSWORD_ENV = "MOTCUA_TSA_KEY_PASSWORD"


def config(name: str):
    return {**DEFAULTS, **getattr(settings, "RESULTS", {})}[name]


def directory() -> Path:
    configured = config("CERTIFICATES_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "certificates"


def configured_files() -> dict[str, Path]:
    """Agency code (or "default") → key file, from a dict or "code=path,code=path"."""
    value = config("SIGNING_CERTIFICATES") or {}
    if isinstance(value, str):
        pairs = (item.partition("=") for item in value.split(",") if item.strip())
        value = {code.strip(): path.strip() for code, _eq, path in pairs if path.strip()}
    return {code: Path(path) for code, path in value.items()}


def password_for(code: str) -> str | None:
    own = f"{PASSWORD_ENV}_{re.sub(r'[^A-Za-z0-9]', '_', code).upper()}"
    return os.environ.get(own) or os.environ.get(PASSWORD_ENV) or None


def key_material(agency) -> tuple[certificates.KeyMaterial, str]:
    """The agency's signing key and certificate, and where they came from."""
    files = configured_files()
    for code in (agency.code, "default"):
        if code in files:
            return certificates.load_key_file(files[code], password_for(agency.code)), str(
                files[code]
            )
    if config("DEMO_CERTIFICATES"):
        folder = directory()
        path = certificates.agency_file(folder, agency.code)
        if certificates.demo_root(folder) is not None:
            certificates.ensure_agency(folder, agency.code, agency.name, province())
        if path.exists():
            return certificates.load_key_file(path), str(path)
    raise CertificateError(
        f"no signing certificate for agency {agency.code}: configure "
        "RESULTS['SIGNING_CERTIFICATES'] or run `motcua certificates demo`"
    )


def province() -> str:
    return settings.MOTCUA["PROVINCE_NAME"]


def asn1_certificate(certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def signer_for(agency):
    """A pyHanko signer holding the agency's key, with the chain to embed."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    material, _source = key_material(agency)
    return signers.SimpleSigner(
        signing_cert=asn1_certificate(material.certificate),
        signing_key=asn1_key(material.key),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_certificate(c) for c in material.chain]
        ),
    )


def timestamper():
    """The time-stamping authority, or None when none is configured."""
    url = config("TSA_URL")
    if url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(url, timeout=10)
    path = config("TSA_CERTIFICATE")
    password = os.environ.get(TSA_PASSWORD_ENV) or None
    if not path and config("DEMO_CERTIFICATES"):
        demo = directory() / certificates.TSA_FILE
        path, password = (demo, None) if demo.exists() else ("", None)
    if not path:
        return None
    # pyHanko's in-process authority: a complete RFC 3161 token signed with the local
    # authority's RSA key (the demo's, or one the province runs itself).
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    material = certificates.load_key_file(Path(path), password)
    tsa = asn1_certificate(material.certificate)
    return DummyTimeStamper(
        tsa_cert=tsa,
        tsa_key=asn1_key(material.key),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [tsa, *(asn1_certificate(c) for c in material.chain)]
        ),
    )


def trust_roots() -> list:
    """The trust anchors of the verification (certificates of `cryptography`)."""
    roots = []
    for path in config("TRUST_ANCHORS") or ():
        roots += certificates.load_certificates(Path(path))
    if config("DEMO_CERTIFICATES"):
        demo = directory() / certificates.ROOT_CERT
        if demo.exists():
            roots += certificates.load_certificates(demo)
    return roots
