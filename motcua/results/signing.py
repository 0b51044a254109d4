"""Rendering and signing one result: the PDF (document.py), then a PAdES signature
(pyHanko, ETSI.CAdES.detached, SHA-256) with the agency's key in a visible signature
field over the document's signature box, time-stamped by the configured authority
(PAdES B-T; B-B without one). The signed file is checked before it is kept: pyHanko must
find the signature intact and covering the whole file. Writes nothing.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from django.utils import timezone

from motcua.results import document, keys, links, verification

log = logging.getLogger(__name__)

FIELD = "KetQuaDienTu"
REASON = "Ký số kết quả giải quyết thủ tục hành chính"


class SigningError(Exception):
    """The result could not be signed (the message says why, without secrets)."""


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    check: verification.SignatureCheck


def produce(result) -> Signed:
    """The signed PDF of `result` (a ResultDocument with its dossier and agency)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp.noop import NoOpStampStyle

    try:
        signer = keys.signer_for(result.agency)
        stamper = keys.timestamper()
    except keys.CertificateError as exc:
        raise SigningError(str(exc)) from None
    signing_time = timezone.now()
    rendered = document.render(
        result, signing_time=signing_time, verify_url=links.public_url(result.dossier.code)
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        location=keys.province(),
        name=result.agency.name,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=stamper,
        # The box already shows the signer and the time (printed in the page): the field
        # makes it the clickable signature, and adds no drawing of its own.
        stamp_style=NoOpStampStyle(),
        new_field_spec=fields.SigFieldSpec(FIELD, on_page=rendered.page, box=rendered.box),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(rendered.pdf))
    signed = pdf_signer.sign_pdf(writer).getvalue()
    verdict = verification.verify(signed, keys.trust_roots())
    check = verdict.signature
    if check is None or verification.CHANGED in check.problems or not check.unchanged_after:
        raise SigningError("the signed file did not verify")
    if not check.trusted:
        log.warning(
            "results: %s signed with a certificate that does not chain to a trust anchor "
            "(RESULTS['TRUST_ANCHORS'])",
            result.dossier.code,
        )
    return Signed(signed, check)
