"""Checking a signed PDF with pyHanko: is every signature intact, was nothing changed after
it, does the signer's certificate chain to a trust anchor, when was it signed. No Django.

A signature is judged in this order (the first that applies):

- INVALID: the signed bytes changed (one byte is enough), the cryptographic signature is
  wrong, an incremental update after signing changed the content (only added validation
  data is allowed), or its time-stamp token is broken;
- UNTRUSTED: all intact, but the signer's (or the time-stamping authority's) certificate
  does not chain to a trust anchor, or was not valid when it signed (expired, revoked);
- VALID.

A file is UNREADABLE (not a PDF, damaged, password-protected), UNSIGNED (a PDF without a
signature), or the worst of its signatures. The signer's certificate is judged now; when it
has expired since but a trusted time-stamp proves the signing time, it is judged at that
time (a result stays verifiable after the agency's certificate ends).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

log = logging.getLogger(__name__)

VALID = "valid"
UNTRUSTED = "untrusted"
INVALID = "invalid"
UNSIGNED = "unsigned"
UNREADABLE = "unreadable"
SEVERITY = {VALID: 0, UNTRUSTED: 1, INVALID: 2}

# Why a signature is not valid (codes; the page and the command word them).
CHANGED = "changed"  # the signed bytes differ, or the signature value is wrong
UPDATED = "updated"  # content changed by an incremental update after signing
TIMESTAMP_BROKEN = "timestamp_broken"
NOT_TRUSTED = "not_trusted"  # no chain to a trust anchor, or not valid at the time
TIMESTAMP_NOT_TRUSTED = "timestamp_not_trusted"
MALFORMED = "malformed"  # pyHanko could not evaluate it at all


@dataclass
class SignatureCheck:
    intact: bool = False
    valid: bool = False
    unchanged_after: bool = False
    trusted: bool = False
    problems: list[str] = field(default_factory=list)
    subject: str = ""
    common_name: str = ""
    organisation: str = ""
    issuer: str = ""
    serial: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False  # the time comes from a trusted time-stamp token

    @property
    def outcome(self) -> str:
        if not (self.intact and self.valid and self.unchanged_after) or {
            TIMESTAMP_BROKEN,
            MALFORMED,
        } & set(self.problems):
            return INVALID
        if not self.trusted or TIMESTAMP_NOT_TRUSTED in self.problems:
            return UNTRUSTED
        return VALID


@dataclass
class Verdict:
    outcome: str
    sha256: str
    size: int
    signatures: list[SignatureCheck] = field(default_factory=list)
    reason: str = ""  # for UNREADABLE: "not_pdf", "damaged", "encrypted"

    @property
    def valid(self) -> bool:
        return self.outcome == VALID

    @property
    def signature(self) -> SignatureCheck | None:
        """The first (the issuing agency's) signature."""
        return self.signatures[0] if self.signatures else None


def _asn1(certificate) -> asn1_x509.Certificate:
    if isinstance(certificate, asn1_x509.Certificate):
        return certificate
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _names(certificate: asn1_x509.Certificate) -> dict:
    parsed = x509.load_der_x509_certificate(certificate.dump())

    def first(oid) -> str:
        values = parsed.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    return {
        "subject": parsed.subject.rfc4514_string(),
        "issuer": parsed.issuer.rfc4514_string(),
        "common_name": first(x509.NameOID.COMMON_NAME),
        "organisation": first(x509.NameOID.ORGANIZATION_NAME),
        "serial": format(parsed.serial_number, "X"),
    }


def _context(roots, fetch: bool, moment: datetime | None = None):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(roots),
        allow_fetching=fetch,
        revocation_mode="soft-fail",
        moment=moment,
        retroactive_revinfo=moment is not None,
    )


def _validate(embedded, roots, fetch: bool, moment=None):
    from pyhanko.sign.validation import validate_pdf_signature

    return validate_pdf_signature(embedded, _context(roots, fetch, moment))


def _check(embedded, roots, fetch: bool, at: datetime | None) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    check = SignatureCheck()
    try:
        status = _validate(embedded, roots, fetch, moment=at)
        stamp = status.timestamp_validity
        stamp_ok = stamp is not None and stamp.intact and stamp.valid and stamp.trusted
        if not status.trusted and stamp_ok:
            status = _validate(embedded, roots, fetch, moment=stamp.timestamp)
    except Exception:  # a hostile or broken signature is a finding, never a crash
        log.debug("results: a signature could not be evaluated", exc_info=True)
        check.problems.append(MALFORMED)
        return check
    check.intact, check.valid, check.trusted = status.intact, status.valid, status.trusted
    check.unchanged_after = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    )
    if not (status.intact and status.valid):
        check.problems.append(CHANGED)
    if not check.unchanged_after:
        check.problems.append(UPDATED)
    if not status.trusted:
        check.problems.append(NOT_TRUSTED)
    stamp = status.timestamp_validity
    if stamp is not None:
        if not (stamp.intact and stamp.valid):
            check.problems.append(TIMESTAMP_BROKEN)
        elif not stamp.trusted:
            check.problems.append(TIMESTAMP_NOT_TRUSTED)
        else:
            check.timestamped = True
    check.signed_at = stamp.timestamp if check.timestamped else status.signer_reported_dt
    if status.signing_cert is not None:
        for key, value in _names(status.signing_cert).items():
            setattr(check, key, value)
    return check


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(
    data: bytes, trust_roots=(), *, fetch_revocation: bool = False, at: datetime | None = None
) -> Verdict:
    """Check every signature of the PDF in `data` against `trust_roots` (certificates of
    `cryptography` or `asn1crypto`), as of `at` (default now). Never raises on a bad file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    verdict = Verdict(UNREADABLE, digest(data), len(data))
    if b"%PDF-" not in data[:1024]:
        verdict.reason = "not_pdf"
        return verdict
    roots = [_asn1(c) for c in trust_roots]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            verdict.reason = "encrypted"
            return verdict
        embedded = reader.embedded_regular_signatures
    except Exception:  # pyHanko raises many kinds on damaged files
        log.debug("results: a PDF could not be read", exc_info=True)
        verdict.reason = "damaged"
        return verdict
    if not embedded:
        verdict.outcome = UNSIGNED
        return verdict
    verdict.signatures = [_check(e, roots, fetch_revocation, at) for e in embedded]
    verdict.outcome = max((s.outcome for s in verdict.signatures), key=SEVERITY.__getitem__)
    return verdict
