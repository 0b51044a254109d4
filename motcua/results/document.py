"""The result document as a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP):
the agency and the national motto, its number and date, what was decided, for whom, the
dossier code, the signature block with the agency's digital signature (name and signing
time, ISO 8601), and a QR code of the public verification link. Rendered with WeasyPrint
like the printed forms (dossiers/printing.py), on A4.

`render` returns the PDF and the box of the signature block on its page (PDF points),
where the signature field is placed so that a PDF reader shows the signature there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from motcua.core.text import fold
from motcua.dossiers import printing
from motcua.org.constants import AgencyKind

TEMPLATE = "results/print/result.html"
STAMP_ANCHOR = "digital-signature"
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels (1/96 in), PDF counts points (1/72 in)
PEOPLES_COMMITTEES = {AgencyKind.PROVINCIAL_PC, AgencyKind.DISTRICT_PC, AgencyKind.COMMUNE_PC}


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    page: int  # 0-based page of the signature block
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points, origin bottom left


def agency_symbol(agency) -> str:
    """The issuing agency's abbreviation in a document symbol (Nghị định 30/2020):
    "UBND" for a People's Committee, else the initials of its short name or name, keeping
    the capitals of abbreviations: "Sở Tư pháp" → "STP", "Sở TN&MT" → "STNMT",
    "Phòng Y tế" → "PYT"."""
    if agency.kind in PEOPLES_COMMITTEES:
        return "UBND"
    letters = []
    for word in (agency.short_name or agency.name).split():
        capitals = [c for c in word if c.isupper()]
        if len(capitals) >= 2:
            letters += capitals
        elif word.lower() not in ("và", "&", "-") and word[0].isalnum():
            letters.append(word[0])
    symbol = fold("".join(letters)).upper().replace(" ", "")
    return symbol[:12] or agency.code


def number_text(document) -> str:
    """ "07/KQ-STP": the number (two digits at least), "KQ" for a result, the agency."""
    return f"{document.number:02d}/KQ-{agency_symbol(document.agency)}"


def signature_titles(document) -> list[str]:
    """The lines above the signer's name: who signs for the agency, "KT." when a deputy
    signs under a delegation (Nghị định 30/2020, appendix I)."""
    kind = document.agency.kind
    delegated = bool(document.on_behalf_of)
    if kind in PEOPLES_COMMITTEES:
        return (
            ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] if delegated else ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
        )
    if kind == AgencyKind.DEPARTMENT:
        return ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"] if delegated else ["GIÁM ĐỐC"]
    return ["KT. THỦ TRƯỞNG CƠ QUAN", "CẤP PHÓ"] if delegated else ["THỦ TRƯỞNG CƠ QUAN"]


def iso_local(value: datetime) -> str:
    """2025-03-03T09:00:05+07:00: the signing time as Nghị định 30/2020 shows it."""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def context(document, *, signing_time: datetime, verify_url: str) -> dict:
    dossier = document.dossier
    procedure = dossier.procedure
    day = printing.local_day(document.issued_at)
    return {
        "letterhead": printing.letterhead(document.agency, day),
        "number": number_text(document),
        "code": dossier.code,
        "procedure": procedure.name,
        "procedure_code": procedure.code,
        "result_kind": " ".join((procedure.result or "").split())[:500],
        "result_lines": _lines(dossier.result),
        "applicant": printing.applicant_facts(dossier),
        "received_at": printing.vn_datetime(dossier.received_at),
        "finished_at": printing.vn_datetime(document.issued_at),
        "agency_name": document.agency.name,
        "titles": signature_titles(document),
        "leader": document.leader_name,
        "on_behalf_of": document.on_behalf_of,
        "signing_time": iso_local(signing_time),
        "verify_url": verify_url,
        "qr": printing.lookup_qr(verify_url),
        "stamp_anchor": STAMP_ANCHOR,
    }


def render(document, *, signing_time: datetime, verify_url: str) -> Rendered:
    laid_out = printing.render_document(
        TEMPLATE, context(document, signing_time=signing_time, verify_url=verify_url)
    )
    for index, page in enumerate(laid_out.pages):
        if STAMP_ANCHOR in page.anchors:
            x1, y1, x2, y2 = page.anchors[STAMP_ANCHOR]
            height = page.height
            box = (x1 * PX_TO_PT, (height - y2) * PX_TO_PT, x2 * PX_TO_PT, (height - y1) * PX_TO_PT)
            return Rendered(laid_out.write_pdf(), index, box)
    raise RuntimeError(f"{TEMPLATE} has no #{STAMP_ANCHOR} box")
