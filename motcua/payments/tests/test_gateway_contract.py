"""The payment contract over real HTTP (docs/payments.md): the applicant's browser goes to
the development gateway and back, the gateway calls our IPN address itself, and forged,
replayed, mismatched and unknown messages are posted to it as an attacker would. Each
refused or replayed message changes nothing: rows and fields are compared before and after.
"""

import json
import re
import urllib.parse
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier
from motcua.payments import services, signing
from motcua.payments.devgateway import protocol
from motcua.payments.models import DevGatewayTransaction, Payment, Status
from motcua.payments.tests.factories import Browser, dossier_for, make_citizen, session_for

pytestmark = pytest.mark.django_db(transaction=True)
IPN = "/payments/gateways/dev/ipn/"


@pytest.fixture
def citizen(province):
    return make_citizen()


@pytest.fixture
def dossier(province, citizen):
    return dossier_for(province, citizen)


@pytest.fixture
def browser(live_server, citizen, gateway):
    return Browser(live_server.url, session_for(citizen))


def checkout(browser, dossier):
    """The applicant asks to pay through the dev gateway: the gateway's checkout page."""
    page = browser.get(f"/payments/{dossier.code}/")
    assert page.status == 200
    reply = browser.post(
        f"/payments/{dossier.code}/start/",
        {"csrfmiddlewaretoken": browser.csrf(page), "gateway": "dev"},
    )
    assert reply.status == 200 and "/dev/payment-gateway/pay/" in reply.url
    return reply


def choose(browser, page, choice: str, follow: bool = True):
    action = re.search(r'action="(/dev/payment-gateway/pay/\d+/)"', page.body).group(1)
    fields = {"csrfmiddlewaretoken": browser.csrf(page), "choice": choice}
    return browser.post(action, fields, follow=follow)


def snapshot():
    """Everything a callback could change."""
    return {
        "payments": list(Payment.objects.order_by("pk").values()),
        "dossiers": list(Dossier.objects.order_by("pk").values("pk", "fee_paid", "fee_amount")),
    }


def refusals(reason: str | None = None):
    events = AuditEvent.objects.filter(action="payment.callback_refused")
    return events.filter(data__reason=reason) if reason else events


def post_ipn(live_server, fields: dict) -> dict:
    status, body = protocol.post_form(live_server.url + IPN, fields, timeout=30)
    assert status == 200
    return json.loads(body)


def result_of(payment: Payment, secret: str, **changes) -> dict:
    """A result message for `payment` as the gateway would sign it (with `changes`)."""
    fields = {
        "version": "1",
        "merchant": "MOTCUA",
        "reference": payment.reference,
        "amount": payment.amount,
        "currency": "VND",
        "transaction_no": "26120699999999",
        "response_code": "00",
        "transaction_status": "00",
        "bank_code": "NCB",
        "pay_date": protocol.format_time(timezone.now()),
        **changes,
    }
    return signing.signed(fields, secret)


def test_success_pays_the_dossier_through_the_gateways_ipn(browser, dossier):
    page = checkout(browser, dossier)
    assert "8.000" in page.body or "8,000" in page.body
    landed = choose(browser, page, "success")
    assert landed.status == 200 and f"/payments/{dossier.code}/result/" in landed.url
    payment = Payment.objects.get()
    assert payment.status == Status.PAID and payment.amount == 8000
    assert payment.channel == "gateway" and payment.gateway == "dev"
    txn = DevGatewayTransaction.objects.get()
    assert payment.gateway_transaction_id == txn.number
    assert txn.ipn_attempts == 1 and txn.ipn_answer.startswith("00")
    assert payment.raw_callback["transaction_no"] == txn.number
    assert payment.receipt_number == 1
    dossier.refresh_from_db()
    assert dossier.fee_paid is True and dossier.fee_amount == 8000
    # The IPN settled it; the browser's return with the same message is no replay to audit.
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1
    assert AuditEvent.objects.filter(action="payment.callback_replayed").count() == 0
    # The applicant is told, through the outbox.
    from motcua.outbox.models import Message

    assert Message.objects.filter(kind="payment.notified", recipient="an@example.vn").count() == 1


def test_failure_leaves_the_fees_unpaid_and_a_new_attempt_possible(browser, dossier):
    choose(browser, checkout(browser, dossier), "failure")
    payment = Payment.objects.get()
    assert payment.status == Status.FAILED and payment.result_code == "51"
    assert payment.receipt_number is None
    dossier.refresh_from_db()
    assert dossier.fee_paid is False
    # The applicant tries again: a second order, paid.
    choose(browser, checkout(browser, dossier), "success")
    assert list(Payment.objects.order_by("created_at", "pk").values_list("status", flat=True)) == [
        Status.FAILED,
        Status.PAID,
    ]


def test_timeout_stays_pending_then_expires_after_asking_the_gateway(browser, dossier, live_server):
    page = choose(browser, checkout(browser, dossier), "timeout")
    assert page.status == 200
    payment = Payment.objects.get()
    assert payment.status == Status.PENDING
    assert DevGatewayTransaction.objects.get().ipn_attempts == 0
    # Before the expiry nothing happens.
    call_command("payments", "expire")
    payment.refresh_from_db()
    assert payment.status == Status.PENDING
    # After it (and the grace), the command asks the gateway, which never got an answer.
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - timedelta(minutes=30))
    call_command("payments", "expire")
    payment.refresh_from_db()
    assert payment.status == Status.EXPIRED and payment.settled_at is not None
    dossier.refresh_from_db()
    assert dossier.fee_paid is False
    assert AuditEvent.objects.filter(action="payment.expired").count() == 1


def test_late_success_after_expiry_is_taken_as_paid(browser, dossier, live_server):
    choose(browser, checkout(browser, dossier), "timeout")
    Payment.objects.update(expires_at=timezone.now() - timedelta(minutes=30))
    assert services.expire_due() == 1
    # The payer's bank confirms after all: the gateway sends a success for the expired order.
    txn = DevGatewayTransaction.objects.get()
    index = browser.get("/dev/payment-gateway/")
    browser.post(
        f"/dev/payment-gateway/transactions/{txn.number}/late-success/",
        {"csrfmiddlewaretoken": browser.csrf(index)},
    )
    payment = Payment.objects.get()
    assert payment.status == Status.PAID and payment.late is True
    dossier.refresh_from_db()
    assert dossier.fee_paid is True


def test_a_success_at_the_gateway_found_when_asking_before_expiry(browser, dossier):
    """The IPN never arrived but the gateway took the money: the expiry run asks first."""
    choose(browser, checkout(browser, dossier), "timeout")
    DevGatewayTransaction.objects.update(outcome="success", response_code="00")
    Payment.objects.update(expires_at=timezone.now() - timedelta(minutes=30))
    assert services.expire_due() == 0
    payment = Payment.objects.get()
    assert payment.status == Status.PAID and payment.late is False


def test_duplicate_callback_pays_once_and_audits_the_replay(browser, dossier):
    choose(browser, checkout(browser, dossier), "duplicate")
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    assert payment.status == Status.PAID
    txn = DevGatewayTransaction.objects.get()
    assert txn.ipn_attempts == 2 and txn.ipn_answer.startswith("00")  # the same answer twice
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1
    assert AuditEvent.objects.filter(action="payment.callback_replayed").count() == 1
    assert payment.receipt_number == 1
    assert Dossier.objects.get(pk=dossier.pk).fee_paid is True


def test_a_replayed_ipn_changes_nothing_and_answers_as_the_first(
    browser, dossier, live_server, gateway
):
    choose(browser, checkout(browser, dossier), "success")
    payment = Payment.objects.get()
    before = snapshot()
    answer = post_ipn(live_server, dict(payment.raw_callback))
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="payment.callback_replayed").count() == 1


def test_forged_signature_is_refused_audited_and_changes_nothing(
    browser, dossier, live_server, gateway
):
    choose(browser, checkout(browser, dossier), "timeout")
    payment = Payment.objects.get()
    before = snapshot()
    forged = result_of(payment, "not-the-shared-secret")
    assert post_ipn(live_server, forged)["RspCode"] == "97"
    tampered = result_of(payment, gateway["SECRET"])
    tampered["response_code"] = "00"
    tampered["amount"] = "1"  # changed after signing
    assert post_ipn(live_server, tampered)["RspCode"] == "97"
    unsigned = {k: v for k, v in result_of(payment, gateway["SECRET"]).items() if k != "signature"}
    assert post_ipn(live_server, unsigned)["RspCode"] == "97"
    assert snapshot() == before
    assert refusals("signature").count() == 3


def test_mismatched_amount_is_refused_audited_and_changes_nothing(
    browser, dossier, live_server, gateway
):
    choose(browser, checkout(browser, dossier), "timeout")
    payment = Payment.objects.get()
    before = snapshot()
    answer = post_ipn(live_server, result_of(payment, gateway["SECRET"], amount=1000))
    assert answer["RspCode"] == "04"
    assert snapshot() == before
    event = refusals("amount mismatch").get()
    assert event.object_id == str(payment.pk) and event.data["message"]["amount"] == "1000"


def test_unknown_transaction_is_refused_audited_and_changes_nothing(
    browser, dossier, live_server, gateway
):
    choose(browser, checkout(browser, dossier), "success")
    before = snapshot()
    stranger = Payment(reference="MCUNKNOWN0000000", amount=8000)
    answer = post_ipn(live_server, result_of(stranger, gateway["SECRET"]))
    assert answer["RspCode"] == "01"
    assert snapshot() == before
    assert refusals("unknown order").count() == 1


def test_a_failure_after_the_payment_was_confirmed_is_refused(
    browser, dossier, live_server, gateway
):
    choose(browser, checkout(browser, dossier), "success")
    payment = Payment.objects.get()
    before = snapshot()
    failure = result_of(
        payment,
        gateway["SECRET"],
        transaction_no=payment.gateway_transaction_id,
        response_code="51",
        transaction_status="02",
    )
    assert post_ipn(live_server, failure)["RspCode"] == "02"
    assert snapshot() == before
    assert refusals("contradicts settled").count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"reference": "x" * 5000, "signature": "0" * 64},
        {"amount": "9" * 40, "reference": "MC1", "signature": "a"},
        {"reference": "Nguyễn Văn An", "amount": "-1", "signature": "zz"},
    ],
)
def test_hostile_ipn_bodies_are_refused_without_a_500(browser, dossier, live_server, fields):
    choose(browser, checkout(browser, dossier), "timeout")
    before = snapshot()
    assert post_ipn(live_server, fields)["RspCode"] == "97"
    assert snapshot() == before


def test_a_nul_byte_never_reaches_the_ipn(browser, dossier, live_server, gateway):
    choose(browser, checkout(browser, dossier), "timeout")
    payment = Payment.objects.get()
    before = snapshot()
    fields = result_of(payment, gateway["SECRET"])
    fields["bank_code"] = "NCB\x00"
    status, _body = protocol.post_form(live_server.url + IPN, fields, timeout=30)
    assert status == 400
    assert snapshot() == before


def test_the_return_with_a_forged_result_changes_nothing(browser, dossier, gateway):
    choose(browser, checkout(browser, dossier), "timeout")
    payment = Payment.objects.get()
    before = snapshot()
    forged = result_of(payment, "guessed-secret")
    reply = browser.get("/payments/gateways/dev/return/?" + urllib.parse.urlencode(forged))
    assert reply.status == 400
    assert snapshot() == before
    assert refusals("signature").count() == 1


def test_the_ipn_is_retried_when_our_server_fails(browser, dossier, monkeypatch):
    """The first IPN call meets an error of ours (HTTP 500): the gateway calls again."""
    original = services.apply_callback
    calls = []

    def failing_once(key, data, source="ipn"):
        calls.append(source)
        if source == "ipn" and calls.count("ipn") == 1:
            raise RuntimeError("the database went away")
        return original(key, data, source)

    monkeypatch.setattr(services, "apply_callback", failing_once)
    choose(browser, checkout(browser, dossier), "success")
    txn = DevGatewayTransaction.objects.get()
    assert txn.ipn_attempts == 2 and txn.ipn_answer.startswith("00")
    assert calls[:2] == ["ipn", "ipn"]
    assert Payment.objects.get().status == Status.PAID


def test_simultaneous_duplicate_ipns_pay_once(browser, dossier, live_server, gateway):
    """Four copies of the same success arrive at once (a gateway retrying while the first is
    still being handled): one payment paid, one receipt, three replays."""
    from concurrent.futures import ThreadPoolExecutor

    choose(browser, checkout(browser, dossier), "timeout")
    payment = Payment.objects.get()
    message = result_of(payment, gateway["SECRET"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: post_ipn(live_server, message), range(4)))
    assert [a["RspCode"] for a in answers] == ["00"] * 4
    payment.refresh_from_db()
    assert payment.status == Status.PAID and payment.receipt_number == 1
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1
    assert AuditEvent.objects.filter(action="payment.callback_replayed").count() == 3
    assert Dossier.objects.get(pk=dossier.pk).fee_paid is True
