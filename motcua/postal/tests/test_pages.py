"""The postal pages: the citizen's pickup form (fee shown before confirming), their order
page and cancel; the desk's queue, dossier page and postal list; the public lookup; the
operators' callback and the development operator's API; hostile input on each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Channel
from motcua.dossiers.workflow import Status
from motcua.org.constants import Role
from motcua.outbox.models import Message
from motcua.postal import services
from motcua.postal.models import DevPostOrder, PostalEvent, PostalOrder
from motcua.postal.tests.factories import PICKUP, event, pickup

pytestmark = pytest.mark.django_db
HOSTILE_TEXT = "x" * 10_000


def url(province):
    return f"/procedures/{province.procedure.code}/post/"


def delivered(province, citizen):
    """A pickup the post has delivered: the dossier is submitted."""
    from motcua.postal.operators import Placed

    order = services.record_placed(pickup(province, citizen), Placed("DV1"))
    now = timezone.now()
    for status, back in (("accepted", 30), ("picked_up", 20), ("delivered", 5)):
        services.apply_event("dev", event(order, status, now - timedelta(minutes=back)))
    order.refresh_from_db()
    return order


# --- The citizen's form ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_officers_refused(client, province):
    assert client.get(url(province)).status_code == 302
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    assert client.get(url(province)).status_code == 403


def test_the_fee_is_shown_before_anything_is_ordered(client, province, citizen):
    client.force_login(citizen)
    page = client.get(url(province))
    assert page.status_code == 200
    assert "0912345678" in page.content.decode()  # their own phone, prefilled
    quoted = client.post(url(province), {**PICKUP, "quote": "1"})
    assert quoted.status_code == 200 and "18.000" in quoted.content.decode()
    assert not PostalOrder.objects.exists()
    confirmed = client.post(url(province), {**PICKUP, "fee": "18000", "confirm": "1"})
    order = PostalOrder.objects.get()
    assert (
        confirmed.status_code == 302
        and confirmed["Location"] == f"/postal/orders/{order.reference}/"
    )
    assert (order.user, order.fee, order.sender_phone) == (citizen, 18_000, "0912345678")


def test_a_procedure_not_by_post_says_so(client, province, citizen):
    province.procedure.channel_post = False
    province.procedure.save()
    client.force_login(citizen)
    assert client.get(url(province)).status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"sender_name": HOSTILE_TEXT},
        {"sender_address": HOSTILE_TEXT},
        {"sender_phone": HOSTILE_TEXT},
        {"sender_phone": "not a phone"},
        {"weight": "9" * 40},
        {"weight": "-500"},
        {"weight": "99999"},
        {"area": "moon"},
        {"result_delivery": "teleport"},
        {"result_address": HOSTILE_TEXT},
        {"result_address": ""},
        {"sender_name": ""},
        {"fee": "9" * 40},
        {"fee": "1"},
    ],
)
def test_hostile_or_wrong_input_is_refused_and_writes_nothing(client, province, citizen, changes):
    client.force_login(citizen)
    reply = client.post(url(province), {**PICKUP, "fee": "18000", "confirm": "1", **changes})
    assert reply.status_code == 400
    assert "errorlist" in reply.content.decode()
    assert not PostalOrder.objects.exists() and not Message.objects.exists()


def test_nul_bytes_are_refused_before_the_view(client, province, citizen):
    client.force_login(citizen)
    reply = client.post(url(province), {**PICKUP, "sender_name": "An\x00", "confirm": "1"})
    assert reply.status_code == 400
    assert not PostalOrder.objects.exists()


def test_a_district_procedure_needs_its_peoples_committee(client, province, citizen):
    province.procedure.agency = None
    province.procedure.save()
    client.force_login(citizen)
    reply = client.post(url(province), {**PICKUP, "agency": "9" * 30, "quote": "1"})
    assert reply.status_code == 400
    assert not PostalOrder.objects.exists()


# --- The citizen's order ----------------------------------------------------------------------


def test_only_the_applicant_sees_and_cancels_their_order(client, province, citizen):
    from motcua.eforms.tests.factories import make_citizen

    order = pickup(province, citizen)
    other = make_citizen().user
    client.force_login(other)
    assert client.get(f"/postal/orders/{order.reference}/").status_code == 404
    assert client.post(f"/postal/orders/{order.reference}/cancel/").status_code == 404
    assert (
        AuditEvent.objects.filter(action="permission.refused", summary="postal.view").count() == 2
    )
    client.force_login(citizen)
    page = client.get(f"/postal/orders/{order.reference}/")
    assert page.status_code == 200 and order.reference in page.content.decode()
    client.post(f"/postal/orders/{order.reference}/cancel/")
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert client.get("/postal/orders/" + "Z" * 5000 + "/").status_code == 404


def test_my_dossiers_show_a_pickup_on_its_way_and_then_the_tracking(client, province, citizen):
    order = pickup(province, citizen)
    client.force_login(citizen)
    assert order.reference in client.get("/my/dossiers/").content.decode()
    from motcua.postal.operators import Placed

    order = services.record_placed(order, Placed("DV9"))
    now = timezone.now()
    for status, back in (("accepted", 30), ("picked_up", 20), ("delivered", 5)):
        services.apply_event("dev", event(order, status, now - timedelta(minutes=back)))
    order.refresh_from_db()
    page = client.get(f"/my/dossiers/{order.dossier.code}/").content.decode()
    assert "EB123456789VN" in page


# --- The desk ---------------------------------------------------------------------------------


def test_the_queue_marks_postal_dossiers_with_their_tracking(client, province, citizen):
    order = delivered(province, citizen)
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    page = client.get("/office/").content.decode()
    assert order.dossier.code in page
    assert 'class="pill postal"' in page and "EB123456789VN" in page


def test_the_dossier_page_shows_orders_and_events_with_masked_phones(client, province, citizen):
    order = delivered(province, citizen)
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    page = client.get(f"/office/dossiers/{order.dossier.code}/").content.decode()
    panel = page[page.index('id="postal"') :]
    panel = panel[: panel.index("</section>")]
    assert order.reference in panel and "EB123456789VN" in panel
    assert "*******678" in panel and "0912345678" not in panel
    assert panel.count("<li>") == 3  # accepted, picked up, delivered


def test_the_desks_postal_list_is_its_agencys(client, province, citizen):
    order = pickup(province, citizen)
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    assert order.reference in client.get("/office/postal/").content.decode()
    assert (
        client.get("/office/postal/?status=" + "x" * 5000 + "&page=" + "9" * 50).status_code == 200
    )
    client.force_login(province.officer("health", Role.DESK_OFFICER))
    assert order.reference not in client.get("/office/postal/").content.decode()
    client.force_login(province.officer("center", Role.SUPERVISOR))
    assert order.reference in client.get("/office/postal/").content.decode()


def test_the_public_lookup_shows_tracking_but_no_personal_data(client, province, citizen):
    order = delivered(province, citizen)
    dossier = order.dossier
    page = client.post("/lookup/", {"code": dossier.code, "secret": dossier.secret}, follow=True)
    text = page.content.decode()
    assert dossier.code in text and "EB123456789VN" in text
    assert "0912345678" not in text and "Lê Hồng Phong" not in text


# --- The callback and the development operator -----------------------------------------------


def test_the_callback_answers_every_message_without_a_500(client, province, citizen):
    order = pickup(province, citizen)
    assert client.get("/postal/operators/dev/events/").status_code == 405
    for data in (
        {},
        {"reference": HOSTILE_TEXT, "signature": HOSTILE_TEXT},
        {"weight": "9" * 400, "at": "99991231235959"},
        event(order, "accepted", timezone.now()) | {"at": "00010101000000"},
    ):
        reply = client.post("/postal/operators/dev/events/", data)
        assert reply.status_code == 200 and reply.json()["RspCode"] in ("97", "99", "01")
    reply = client.post("/postal/operators/" + "v" * 3000 + "/events/", {})
    assert reply.status_code == 200 and reply.json()["RspCode"] == "01"
    assert not PostalEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == "requested"


def test_a_year_one_event_correctly_signed_is_out_of_order_not_a_crash(client, province, citizen):
    from motcua.postal.operators import Placed

    order = services.record_placed(pickup(province, citizen), Placed("DV1"))
    fields = event(order, "accepted", timezone.now())
    from motcua.payments import signing

    fields.pop("signature")
    fields = signing.signed({**fields, "at": "00010101000000"}, "motcua-dev-post-secret")
    reply = client.post("/postal/operators/dev/events/", fields)
    assert reply.status_code == 200 and reply.json()["RspCode"] == "99"
    assert not PostalEvent.objects.exists()


def test_the_development_operator_refuses_what_is_not_signed(client, province):
    for path in ("/dev/post/api/orders/", "/dev/post/api/orders/cancel/", "/dev/post/api/quote/"):
        reply = client.post(path, {"merchant": "MOTCUA", "reference": HOSTILE_TEXT})
        assert reply.status_code == 200 and reply.json()["code"] == "97"
    assert client.post("/dev/post/orders/NOPE/accepted/").status_code == 404
    assert client.post("/dev/post/orders/NOPE/" + "x" * 3000 + "/").status_code == 400
    assert client.get("/dev/post/").status_code == 200
    assert not DevPostOrder.objects.exists()


def test_the_development_operator_is_off_when_switched_off(client, settings):
    settings.POSTAL = {**settings.POSTAL, "DEV_OPERATOR": False}
    assert client.get("/dev/post/").status_code == 404


def test_a_postal_dossier_is_submitted_with_channel_post(province, citizen):
    order = delivered(province, citizen)
    assert (order.dossier.channel, order.dossier.status) == (Channel.POST, Status.SUBMITTED)
