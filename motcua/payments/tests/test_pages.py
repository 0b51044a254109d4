"""Who may pay and record payments, what the pages show, the receipt, the desk's forms."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from weasyprint.formatting_structure.boxes import TextBox

from motcua.catalog.models import Fee, ProcedureVersion
from motcua.core.models import AuditEvent
from motcua.dossiers import printing
from motcua.dossiers import services as dossier_services
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.payments import fees, services, signing
from motcua.payments.models import FeeAssessment, Payment, Status
from motcua.payments.tests.factories import dossier_for, make_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(province):
    return make_citizen()


@pytest.fixture
def dossier(province, citizen):
    return dossier_for(province, citizen)


@pytest.fixture
def desk(province):
    return province.officer("justice", Role.DESK_OFFICER)


def pay_url(dossier):
    return f"/payments/{dossier.code}/"


# --- Who may ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_citizen_sign_in(client, dossier):
    for url in (pay_url(dossier), f"/payments/{dossier.code}/transfer/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/?next=")
    response = client.post(f"/payments/{dossier.code}/start/", {"gateway": "dev"})
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert not Payment.objects.exists()


def test_only_the_applicant_sees_and_pays_their_dossier(client, dossier, citizen):
    other = make_citizen("citizen.ngoc", "Trần Thị Bích Ngọc", "ngoc@example.vn")
    client.force_login(other)
    assert client.get(pay_url(dossier)).status_code == 404
    assert client.post(f"/payments/{dossier.code}/start/", {"gateway": "dev"}).status_code == 404
    assert client.post(f"/payments/{dossier.code}/transfer/").status_code == 404
    assert client.get("/payments/NO-SUCH-CODE/").status_code == 404
    assert not Payment.objects.exists()
    assert AuditEvent.objects.filter(action="permission.refused", data__what="payment.view")
    client.force_login(citizen)
    page = client.get(pay_url(dossier))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Lệ phí" in body and "8.000" in body
    assert dossier.code in body


def test_an_officer_is_no_payer(client, dossier, desk):
    client.force_login(desk)
    assert client.get(pay_url(dossier)).status_code == 403  # citizens' pages only


def test_starting_a_payment_sends_the_browser_to_the_gateway_with_a_signed_order(
    client, dossier, citizen
):
    client.force_login(citizen)
    response = client.post(f"/payments/{dossier.code}/start/", {"gateway": "dev"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/dev/payment-gateway/pay/"
    order = dict(parse_qsl(target.query))
    secret = settings.PAYMENTS["GATEWAYS"]["dev"]["SECRET"]
    assert signing.verify(order, secret)
    payment = Payment.objects.get()
    assert order["reference"] == payment.reference and order["amount"] == "8000"
    assert order["notify_url"].endswith("/payments/gateways/dev/ipn/")
    assert order["return_url"].endswith("/payments/gateways/dev/return/")
    assert payment.status == Status.PENDING and payment.expires_at > payment.created_at
    assert payment.lines == [{"name": "Lệ phí", "amount": 8000}]


def test_an_unknown_gateway_is_refused_with_a_message(client, dossier, citizen):
    client.force_login(citizen)
    response = client.post(
        f"/payments/{dossier.code}/start/", {"gateway": "vnpay" * 20}, follow=True
    )
    assert response.status_code == 200
    assert not Payment.objects.exists()
    assert list(response.context["messages"])


def test_the_ipn_and_return_addresses_take_no_other_method_and_no_other_gateway(client):
    assert client.get("/payments/gateways/dev/ipn/").status_code == 405
    assert client.post("/payments/gateways/nope/ipn/", {}).status_code == 404
    assert client.get("/payments/gateways/nope/return/").status_code == 404


# --- Fees that vary: the desk sets the amount ----------------------------------------------


def test_a_fee_that_varies_waits_for_the_desk(client, province, citizen, desk):
    Fee.objects.filter(procedure=province.procedure).update(amount=None)
    for version in ProcedureVersion.objects.filter(procedure=province.procedure):
        version.data["fees"][0]["amount"] = None
        version.save(update_fields=["data"])
    dossier = dossier_for(province, citizen)
    client.force_login(citizen)
    due = client.get(pay_url(dossier)).context["due"]
    assert due.awaiting_assessment and not due.payable
    with pytest.raises(services.PaymentError):
        services.start_gateway_payment(dossier, "dev", citizen, "http://x/r", "http://x/n")
    assert not Payment.objects.exists()
    # The desk sets it; the applicant can pay that amount.
    client.force_login(desk)
    client.post(f"/office/payments/{dossier.code}/assess/", {"amount": "150000", "note": "2 bản"})
    assert FeeAssessment.objects.get(dossier=dossier).amount == 150000
    dossier.refresh_from_db()
    assert dossier.fee_amount == 150000
    assert fees.amount_due(dossier) == 150000


@pytest.mark.parametrize("amount", ["-1", "9" * 30, "abc", "1e9", ""])
def test_a_bad_amount_is_refused_and_nothing_is_stored(client, dossier, desk, amount):
    client.force_login(desk)
    response = client.post(
        f"/office/payments/{dossier.code}/assess/", {"amount": amount}, follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not FeeAssessment.objects.exists()


def test_a_nul_byte_in_a_desk_form_is_stopped_before_the_view(client, dossier, desk):
    client.force_login(desk)
    response = client.post(f"/office/payments/{dossier.code}/cash/", {"note": "a\x00b"})
    assert response.status_code == 400
    assert not Payment.objects.exists()


# --- The desk -----------------------------------------------------------------------------------


def test_the_desk_records_cash_with_a_receipt_number(client, province, dossier, desk, citizen):
    client.force_login(desk)
    page = client.get(f"/office/dossiers/{dossier.code}/")
    assert 'id="payments"' in page.content.decode()
    client.post(f"/office/payments/{dossier.code}/cash/", {"note": "Quầy số 3"})
    payment = Payment.objects.get()
    assert (payment.status, payment.channel, payment.amount) == (Status.PAID, "counter", 8000)
    assert payment.recorded_by == desk and payment.receipt_number == 1
    dossier.refresh_from_db()
    assert dossier.fee_paid
    # Nothing more to pay: a second record is refused.
    client.post(f"/office/payments/{dossier.code}/cash/", {})
    assert Payment.objects.count() == 1
    # The next receipt of the agency that year has the next number.
    second = dossier_for(province, citizen)
    client.post(f"/office/payments/{second.code}/cash/", {})
    assert Payment.objects.get(dossier=second).receipt_number == 2


@pytest.mark.parametrize(
    ("agency", "role"),
    [("health", Role.DESK_OFFICER), ("justice", Role.SPECIALIST), ("center", Role.SUPERVISOR)],
)
def test_only_a_desk_officer_of_the_dossiers_agencies_records_payments(
    client, province, dossier, agency, role
):
    client.force_login(province.officer(agency, role))
    response = client.post(f"/office/payments/{dossier.code}/cash/", {})
    assert response.status_code in (403, 404)
    assert not Payment.objects.exists()
    assert not dossier_paid(dossier)


def dossier_paid(dossier) -> bool:
    dossier.refresh_from_db()
    return dossier.fee_paid


def test_a_citizen_cannot_record_a_payment(client, dossier, citizen):
    client.force_login(citizen)
    assert client.post(f"/office/payments/{dossier.code}/cash/", {}).status_code == 403
    assert not Payment.objects.exists()


def test_a_vietqr_transfer_claimed_then_confirmed_by_the_desk(client, dossier, citizen, desk):
    client.force_login(citizen)
    page = client.get(f"/payments/{dossier.code}/transfer/")
    assert page.status_code == 200
    payload = page.context["payload"]
    assert "540480005802VN" in payload  # 8 000 đ
    assert f"08{len(dossier.code):02d}{dossier.code}" in payload  # the code as content
    assert page.context["qr"].startswith("data:image/svg+xml")
    client.post(f"/payments/{dossier.code}/transfer/")
    client.post(f"/payments/{dossier.code}/transfer/")  # twice: still one claim
    claimed = Payment.objects.get()
    assert (claimed.status, claimed.channel) == (Status.PENDING, "bank_transfer")
    client.force_login(desk)
    client.post(f"/office/payments/{dossier.code}/transfer/", {"bank_reference": "FT26341A9"})
    claimed.refresh_from_db()
    assert claimed.status == Status.PAID and claimed.gateway_transaction_id == "FT26341A9"
    assert claimed.receipt_number == 1 and dossier_paid(dossier)


@pytest.mark.parametrize("reference", ["", "<script>", "a" * 65, "Nguyễn"])
def test_a_bad_bank_reference_is_refused(client, dossier, desk, reference):
    client.force_login(desk)
    client.post(f"/office/payments/{dossier.code}/transfer/", {"bank_reference": reference})
    assert not Payment.objects.exists()


def test_one_bank_transfer_is_recorded_once(client, province, citizen, desk):
    first, second = dossier_for(province, citizen), dossier_for(province, citizen)
    client.force_login(desk)
    client.post(f"/office/payments/{first.code}/transfer/", {"bank_reference": "FT1"})
    client.post(f"/office/payments/{second.code}/transfer/", {"bank_reference": "FT1"})
    assert Payment.objects.count() == 1 and not dossier_paid(second)


def test_a_second_payment_is_kept_to_be_refunded(client, dossier, citizen, desk):
    """The applicant started paying online, then paid cash at the desk; the gateway's
    success arrives afterwards: the money is kept as to be refunded, and the desk records
    the refund."""
    online, _url = services.start_gateway_payment(
        dossier, "dev", citizen, "http://testserver/r", "http://testserver/n"
    )
    services.record_cash(dossier, desk)
    secret = settings.PAYMENTS["GATEWAYS"]["dev"]["SECRET"]
    message = signing.signed(
        {
            "version": "1",
            "merchant": "MOTCUA",
            "reference": online.reference,
            "amount": 8000,
            "currency": "VND",
            "transaction_no": "26120700000001",
            "response_code": "00",
            "transaction_status": "00",
        },
        secret,
    )
    assert services.apply_callback("dev", message).accepted
    online.refresh_from_db()
    assert online.status == Status.REFUND_DUE and online.receipt_number == 2
    client.force_login(desk)
    client.post(f"/office/payments/{dossier.code}/{online.reference}/refund/", {"note": "UNC 12"})
    online.refresh_from_db()
    assert online.status == Status.REFUNDED


def test_a_dossier_that_ended_owes_nothing(client, dossier, citizen, desk):
    dossier_services.act(dossier, Action.WITHDRAW, desk, comment="Người nộp xin rút")
    client.force_login(citizen)
    due = client.get(pay_url(dossier)).context["due"]
    assert due.ended and not due.payable
    with pytest.raises(services.PaymentError):
        services.start_gateway_payment(dossier, "dev", citizen, "http://x/r", "http://x/n")


# --- The receipt ---------------------------------------------------------------------------


def laid_out_text(template, context) -> str:
    document = printing.render_document(template, context)
    texts = [
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    ]
    return re.sub(r"\s+", " ", " ".join(texts))


def test_the_receipt_downloads_with_the_amount_in_figures_and_words(
    client, dossier, citizen, desk, monkeypatch
):
    payment = services.record_cash(dossier, desk)
    printed = []
    original = printing.render_pdf

    def spy(template, context):
        printed.append((template, context))
        return original(template, context)

    monkeypatch.setattr(printing, "render_pdf", spy)
    client.force_login(citizen)
    response = client.get(f"/payments/receipts/{payment.reference}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    year = payment.receipt_year
    assert response["Content-Disposition"] == f'inline; filename="bien-lai-{year}-0000001.pdf"'
    text = laid_out_text(*printed[0])
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text
    assert "8.000 đồng" in text and "Tám nghìn đồng" in text
    assert "Nguyễn Văn An" in text and dossier.code in text and "Lệ phí" in text
    assert "Tiền mặt" in text and "Số: 0000001" in text
    assert AuditEvent.objects.filter(action="payment.receipt_printed").count() == 1
    # Another citizen: 404; the officer prints it from the office.
    client.force_login(make_citizen("citizen.ngoc", "Trần Thị Bích Ngọc", "ngoc@example.vn"))
    assert client.get(f"/payments/receipts/{payment.reference}/").status_code == 404
    client.force_login(desk)
    assert client.get(f"/office/payments/receipts/{payment.reference}/").status_code == 200


def test_no_receipt_before_the_money_arrives(client, dossier, citizen):
    payment, _url = services.start_gateway_payment(
        dossier, "dev", citizen, "http://testserver/r", "http://testserver/n"
    )
    client.force_login(citizen)
    assert client.get(f"/payments/receipts/{payment.reference}/").status_code == 404
