"""The postal contract over real HTTP (docs/postal.md): the citizen orders a pickup in the
browser, the outbox calls the development operator, a developer advances the order on the
operator's console and the operator posts its signed events to our callback address; a
result by post goes the same way back. Also recorded payloads, held against the contract
as written in docs/postal.md."""

import re

import pytest
from django.core.management import call_command

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Dossier, ResultDelivery
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role
from motcua.outbox import services as outbox
from motcua.outbox.models import Message
from motcua.payments.tests.factories import Browser, session_for
from motcua.postal.models import DevPostOrder, PostalEvent, PostalOrder
from motcua.postal.operators import Outcome, registry
from motcua.postal.tests.factories import PICKUP

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser(live_server, citizen, operator):
    return Browser(live_server.url, session_for(citizen))


def console_step(live_server, number, step):
    """A developer presses a button on the operator's console."""
    console = Browser(live_server.url)
    page = console.get("/dev/post/")
    assert page.status == 200 and number in page.body
    reply = console.post(
        f"/dev/post/orders/{number}/{step}/", {"csrfmiddlewaretoken": console.csrf(page)}
    )
    assert reply.status == 200, reply.body[:300]
    return DevPostOrder.objects.get(number=number)


def order_in_the_browser(browser, province):
    code = province.procedure.code
    page = browser.get(f"/procedures/{code}/post/")
    assert page.status == 200
    fields = {"csrfmiddlewaretoken": browser.csrf(page), **PICKUP, "quote": "1"}
    quoted = browser.post(f"/procedures/{code}/post/", fields)
    assert quoted.status == 200 and "18.000" in quoted.body  # shown before confirming
    assert not PostalOrder.objects.exists()
    fee = re.search(r'name="fee" value="(\d+)"', quoted.body).group(1)
    fields = {**fields, "csrfmiddlewaretoken": browser.csrf(quoted), "fee": fee, "confirm": "1"}
    fields.pop("quote")
    return browser.post(f"/procedures/{code}/post/", fields)


def test_pickup_round_trip_through_the_operator(browser, live_server, province, citizen):
    confirmed = order_in_the_browser(browser, province)
    assert confirmed.status == 200 and "/postal/orders/BC" in confirmed.url
    order = PostalOrder.objects.get()
    # The outbox called the operator after the commit: it has the order, we its number.
    message = Message.objects.get(recipient="postal.create_order")
    assert message.status == "sent"
    remote = DevPostOrder.objects.get(reference=order.reference)
    order.refresh_from_db()
    assert order.operator_order_id == remote.number
    assert (remote.kind, remote.fee, remote.weight_grams) == ("pickup", order.fee, 500)

    remote = console_step(live_server, remote.number, "accepted")
    assert remote.last_answer.startswith("00")
    order.refresh_from_db()
    assert order.status == "accepted" and order.tracking_number == remote.tracking_number
    for step in ("picked_up", "in_transit", "delivered"):
        assert console_step(live_server, remote.number, step).last_answer.startswith("00")
    order.refresh_from_db()
    dossier = order.dossier
    assert (dossier.channel, dossier.status, dossier.applicant.user_id) == (
        Channel.POST,
        Status.SUBMITTED,
        citizen.pk,
    )
    assert dossier.check_due_at is not None
    # The operator sends the last event again: confirmed, nothing changes.
    events = PostalEvent.objects.count()
    console = Browser(live_server.url)
    page = console.get("/dev/post/")
    console.post(
        f"/dev/post/orders/{remote.number}/again/", {"csrfmiddlewaretoken": console.csrf(page)}
    )
    assert PostalEvent.objects.count() == events
    assert DevPostOrder.objects.get(pk=remote.pk).last_answer.startswith("00")
    assert Dossier.objects.count() == 1
    # The citizen follows it: tracking number and status on their order and dossier pages.
    mine = browser.get(f"/my/dossiers/{dossier.code}/")
    assert remote.tracking_number in mine.body


def test_operator_down_then_back_nothing_is_lost(
    live_server, province, citizen, operator, settings, django_capture_on_commit_callbacks
):
    from motcua.postal.tests.factories import pickup

    up = dict(settings.POSTAL)
    down = {**up, "OPERATORS": {"dev": {**up["OPERATORS"]["dev"], "URL": "http://127.0.0.1:9/"}}}
    settings.POSTAL = down
    order = pickup(province, citizen)
    message = Message.objects.get(recipient="postal.create_order")
    assert (message.status, message.attempts) == ("pending", 1)
    assert not DevPostOrder.objects.exists()
    settings.POSTAL = up
    assert outbox.deliver_due(now=message.next_attempt_at) == 1
    message.refresh_from_db()
    order.refresh_from_db()
    assert message.status == "sent"
    assert order.operator_order_id == DevPostOrder.objects.get().number


def test_result_by_post_round_trip(live_server, province, operator):
    officer = province.officer
    desk = officer("justice", Role.DESK_OFFICER)
    from motcua.dossiers.tests.factories import receive_at_counter

    dossier = receive_at_counter(
        province, result_delivery=ResultDelivery.POST, result_address="Số 3 Biên Hòa, Phủ Lý"
    )
    for action, actor, to in (
        (Action.FORWARD, desk, officer("justice", Role.SPECIALIST)),
        (Action.FORWARD, officer("justice", Role.SPECIALIST), officer("justice", Role.LEADER)),
    ):
        dossier = dossier_services.act(dossier, action, actor, to_user=to)
    dossier = dossier_services.act(
        dossier, Action.COMPLETE, officer("justice", Role.LEADER), result="Phiếu số 2"
    )
    dossier = dossier_services.act(dossier, Action.RETURN_RESULT, desk)
    assert dossier.returned_at is not None
    remote = DevPostOrder.objects.get()
    assert (remote.kind, remote.recipient_address) == ("delivery", "Số 3 Biên Hòa, Phủ Lý")
    for step in ("accepted", "picked_up", "delivered"):
        assert console_step(live_server, remote.number, step).last_answer.startswith("00")
    order = PostalOrder.objects.get(dossier=dossier)
    remote.refresh_from_db()
    assert order.status == "delivered" and order.tracking_number == remote.tracking_number
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_forged_callbacks_over_http_are_refused(live_server, province, citizen, operator):
    from motcua.postal.tests.factories import event, pickup

    order = pickup(province, citizen)
    attacker = Browser(live_server.url)
    forged = {**event(order, "accepted", order.created_at), "signature": "f" * 64}
    reply = attacker.post("/postal/operators/dev/events/", forged)
    assert reply.status == 200 and '"RspCode": "97"' in reply.body
    reply = attacker.post("/postal/operators/dev/events/", {"reference": "x\x00" * 5000})
    assert reply.status in (200, 400) and not PostalEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == "requested"


# --- Recorded payloads (docs/postal.md, "Messages") -------------------------------------------

RECORDED_EVENT = {
    "version": "1",
    "merchant": "MOTCUA",
    "reference": "BC26120612345678",
    "order_no": "DV2612060001",
    "event_id": "DV2612060001-1",
    "status": "accepted",
    "at": "20261206091500",
    "tracking_no": "EB123456789VN",
    "note": "Bưu tá Nguyễn Văn B",
    "signature": "2fb94bb39f499d4ba38f8036d8252a4fccf02444b7a7d4907ec22ba12eb04eca",
}
RECORDED_ORDER = {
    "version": "1",
    "merchant": "MOTCUA",
    "reference": "BC26120612345678",
    "kind": "pickup",
    "sender": "Nguyễn Văn An",
    "sender_address": "Số 12 Lê Hồng Phong, Phủ Lý",
    "recipient": "Quầy Sở Tư pháp",
    "recipient_address": "Số 5 Trần Phú, Phủ Lý",
    "phone": "0912345678",
    "area": "local",
    "weight": "500",
    "notify_url": "https://dichvucong.hanam.gov.vn/postal/operators/dev/events/",
    "created": "20261206090000",
    "signature": "2a9c33e2d766673b895d975a96e924e4c5f6c11c4700c5b36a71a54640b55ecc",
}


@pytest.fixture
def recorded(settings):
    postal = dict(settings.POSTAL)
    postal["OPERATORS"] = {"dev": {"MERCHANT": "MOTCUA", "SECRET": "recorded-secret"}}
    settings.POSTAL = postal


def test_a_recorded_event_reads_as_the_contract_says(recorded):
    from datetime import UTC, datetime

    event = registry.get("dev").parse(RECORDED_EVENT)
    assert (event.reference, event.operator_order_id, event.event_id) == (
        "BC26120612345678",
        "DV2612060001",
        "DV2612060001-1",
    )
    assert (event.status, event.tracking_number) == ("accepted", "EB123456789VN")
    assert event.at == datetime(2026, 12, 6, 2, 15, tzinfo=UTC)  # 09:15 in Việt Nam


@pytest.mark.parametrize("field", ["status", "tracking_no", "at", "note", "order_no"])
def test_a_recorded_event_changed_in_one_field_is_forged(recorded, field):
    from motcua.postal.operators import InvalidMessage

    changed = {**RECORDED_EVENT, field: RECORDED_EVENT[field] + "1"}
    with pytest.raises(InvalidMessage) as refused:
        registry.get("dev").parse(changed)
    assert refused.value.outcome == Outcome.BAD_SIGNATURE


def test_a_recorded_order_is_taken_by_the_operator(recorded, settings, client):
    settings.POSTAL = {**settings.POSTAL, "DEV_OPERATOR": True}
    reply = client.post("/dev/post/api/orders/", RECORDED_ORDER)
    answer = reply.json()
    assert (answer["code"], answer["reference"], answer["fee"]) == (
        "00",
        "BC26120612345678",
        "18000",
    )
    again = client.post("/dev/post/api/orders/", RECORDED_ORDER).json()
    assert again["order_no"] == answer["order_no"]  # the same reference: the same order
    tampered = client.post("/dev/post/api/orders/", {**RECORDED_ORDER, "weight": "5000"}).json()
    assert tampered["code"] == "97"
    assert DevPostOrder.objects.count() == 1


def test_the_operators_quote_is_the_adapters(recorded, settings, client):
    from motcua.payments import signing

    settings.POSTAL = {**settings.POSTAL, "DEV_OPERATOR": True}
    for area, weight in (("local", 500), ("local", 2400), ("national", 1000)):
        fields = signing.signed(
            {"version": "1", "merchant": "MOTCUA", "kind": "pickup", "area": area,
             "weight": weight, "created": "20261206090000"},
            "recorded-secret",
        )  # fmt: skip
        answer = client.post("/dev/post/api/quote/", fields).json()
        assert int(answer["fee"]) == registry.get("dev").quote("dossier", area, weight).fee


def test_the_outbox_command_is_how_retries_run(province, citizen, operator_down):
    from motcua.postal.tests.factories import pickup

    pickup(province, citizen)
    call_command("outbox", "deliver")
    assert Message.objects.get().attempts == 1
