"""The receipt of a payment (Biên lai thu phí, lệ phí) as a PDF, laid out by WeasyPrint in
the frame of the printed forms (dossiers/print/base.html); the QR codes of the pages.

A receipt carries what Nghị định 123/2020/NĐ-CP (art. 32) asks of one: the collecting
agency, the receipt's series and number, the payer, the fees and their amount in figures
and in words, how it was paid (with the gateway's or the bank's transaction number), when,
and who collected it. Downloading one is a read of personal data: audited.
"""

import segno
from django.http import Http404, HttpResponse

from motcua.core import audit
from motcua.core.numbers import format_vn
from motcua.dossiers import printing
from motcua.payments import services
from motcua.payments.models import RECEIVED, Payment
from motcua.payments.words import amount_in_words


def qr_data_uri(text: str) -> str:
    """An SVG data URI of the QR code of `text` (error correction M, as banks print)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(
        border=4, omitsize=True, dark="#000", light="#fff"
    )


def series(payment: Payment) -> str:
    return f"{services.config('RECEIPT_SERIES')}-{payment.receipt_year % 100:02d}"


def context(payment: Payment) -> dict:
    dossier = payment.dossier
    agency = payment.receipt_agency or dossier.performing_agency
    day = printing.local_day(payment.paid_at)
    applicant = dossier.applicant
    return {
        "letterhead": printing.letterhead(agency, day),
        "code": dossier.code,
        "series": series(payment),
        "number": payment.receipt_label,
        "agency_name": agency.name if agency else "",
        "payer": payment.payer_name,
        "address": applicant.address,
        "tax_code": applicant.tax_code if applicant.kind == "organisation" else "",
        "procedure": dossier.procedure.name,
        "lines": [
            {
                "name": line.get("name", ""),
                "amount": format_vn(line["amount"]) if isinstance(line.get("amount"), int) else "",
            }
            for line in payment.lines
        ],
        "amount": format_vn(payment.amount),
        "words": amount_in_words(payment.amount),
        "channel": payment.get_channel_display(),
        "channel_key": payment.channel,
        "transaction": payment.gateway_transaction_id,
        "reference": payment.reference,
        "paid_at": printing.vn_datetime(payment.paid_at),
        "collector": str(payment.recorded_by) if payment.recorded_by_id else "",
        "refunded": payment.status != "paid",
    }


def response(payment: Payment, user) -> HttpResponse:
    """The receipt PDF of a payment whose money arrived (404 for any other)."""
    if payment.status not in RECEIVED or payment.receipt_number is None:
        raise Http404
    pdf = printing.render_pdf("payments/receipt.html", context(payment))
    audit.record(
        "payment.receipt_printed", payment, user, payment.reference, dossier=payment.dossier.code
    )
    reply = HttpResponse(pdf, content_type="application/pdf")
    reply["Content-Disposition"] = (
        f'inline; filename="bien-lai-{payment.receipt_year}-{payment.receipt_label}.pdf"'
    )
    return reply
