"""The postal services without HTTP: orders, the operator's events (signed as the
operator signs them), the dossier they submit or return, and what is refused."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Dossier, ResultDelivery
from motcua.dossiers.tests.factories import APPLICANT, receive_at_counter
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role
from motcua.outbox import services as outbox
from motcua.outbox.models import Message
from motcua.postal import services
from motcua.postal.models import PostalEvent, PostalOrder
from motcua.postal.operators import Outcome
from motcua.postal.tests.factories import event, pickup

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=VN)  # an ordinary working Monday


def placed(order, number="DV2611300001"):
    from motcua.postal.operators import Placed

    return services.record_placed(order, Placed(operator_order_id=number))


def state():
    """Every row the postal events could touch."""
    return (
        list(PostalOrder.objects.values().order_by("pk")),
        PostalEvent.objects.count(),
        Dossier.objects.count(),
    )


def test_a_pickup_is_an_order_and_a_call_in_the_outbox(province, citizen):
    order = pickup(province, citizen)
    assert (order.direction, order.status, order.fee, order.payer) == (
        "dossier",
        "requested",
        18_000,  # local, up to 500 g: the dev price list
        "applicant",
    )
    message = Message.objects.get(object_type="postal.postalorder", object_id=str(order.pk))
    assert (message.channel, message.recipient, message.status) == (
        "call",
        "postal.create_order",
        "pending",
    )
    assert AuditEvent.objects.filter(action="postal.order_requested", object_id=order.pk).exists()


def test_a_fee_that_changed_since_the_applicant_saw_it_is_refused(province, citizen):
    with pytest.raises(services.PostalError) as refused:
        pickup(province, citizen, quoted_fee="15000")
    assert "fee" in refused.value.messages
    assert not PostalOrder.objects.exists() and not Message.objects.exists()


def test_a_procedure_not_handled_by_post_takes_no_pickup(province, citizen):
    province.procedure.channel_post = False
    province.procedure.save()
    with pytest.raises(services.PostalError):
        pickup(province, citizen)
    assert not PostalOrder.objects.exists()


def test_operator_down_the_call_is_retried_and_nothing_is_lost(
    province, citizen, operator_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = pickup(province, citizen)
    message = Message.objects.get(recipient="postal.create_order")
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error and message.next_attempt_at > timezone.now()
    order.refresh_from_db()
    assert order.operator_order_id == "" and order.status == "requested"
    # Later rounds of the worker keep trying while the operator is down.
    assert outbox.deliver_due(now=message.next_attempt_at + timedelta(seconds=1)) == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 2)


def test_the_pickup_round_submits_the_dossier_for_the_desks_check(province, citizen):
    order = placed(pickup(province, citizen))
    for status, minutes in (("accepted", 0), ("picked_up", 60), ("in_transit", 120)):
        at = MONDAY_9 - timedelta(hours=5) + timedelta(minutes=minutes)
        assert services.apply_event("dev", event(order, status, at)) == Outcome.CONFIRMED
    assert services.apply_event("dev", event(order, "delivered", MONDAY_9)) == Outcome.CONFIRMED
    order.refresh_from_db()
    dossier = order.dossier
    assert (dossier.channel, dossier.status) == (Channel.POST, Status.SUBMITTED)
    assert dossier.applicant.user == citizen
    assert dossier.submitted_at == MONDAY_9
    # Paper and postal dossiers: checked within 1 working day of arrival (rule 1).
    assert dossier.check_due_at == datetime(2026, 12, 1, 9, 0, tzinfo=VN)
    assert (dossier.result_delivery, dossier.result_address) == (
        ResultDelivery.POST,
        "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
    )
    assert order.tracking_number == "EB123456789VN"
    assert list(order.events.values_list("status", flat=True)) == [
        "accepted",
        "picked_up",
        "in_transit",
        "delivered",
    ]
    assert dossier.events.get().action == Action.SUBMIT


def refused_audits():
    return AuditEvent.objects.filter(action="postal.callback_refused").count()


@pytest.mark.parametrize(
    ("tamper", "outcome"),
    [
        (lambda f: {**f, "signature": "0" * 64}, Outcome.BAD_SIGNATURE),
        (lambda f: {k: v for k, v in f.items() if k != "signature"}, Outcome.BAD_SIGNATURE),
        (lambda f: {**f, "status": "delivered"}, Outcome.BAD_SIGNATURE),  # changed after signing
    ],
)
def test_forged_events_change_nothing_and_are_audited(province, citizen, tamper, outcome):
    order = placed(pickup(province, citizen))
    before, audits = state(), refused_audits()
    assert services.apply_event("dev", tamper(event(order, "accepted", MONDAY_9))) == outcome
    assert state() == before
    assert refused_audits() == audits + 1


def test_a_message_signed_with_another_secret_is_forged(province, citizen):
    order = placed(pickup(province, citizen))
    before = state()
    forged = event(order, "accepted", MONDAY_9, secret="not-the-operators-secret")
    assert services.apply_event("dev", forged) == Outcome.BAD_SIGNATURE
    assert state() == before


def test_a_replayed_event_is_confirmed_once_and_audited(province, citizen):
    order = placed(pickup(province, citizen))
    fields = event(order, "accepted", MONDAY_9)
    assert services.apply_event("dev", fields) == Outcome.CONFIRMED
    before = state()
    assert services.apply_event("dev", dict(fields)) == Outcome.CONFIRMED
    assert state() == before
    assert AuditEvent.objects.filter(action="postal.callback_replayed").count() == 1


@pytest.mark.parametrize(
    ("make", "outcome"),
    [
        # Another order of the operator's than the one it gave us.
        (lambda o: event(o, "accepted", MONDAY_9, order_no="DV999"), Outcome.CONFLICT),
        # An order we never made.
        (lambda o: {**event(o, "accepted", MONDAY_9)} | {"x": "1"}, None),
        # Delivered before it was even accepted.
        (lambda o: event(o, "delivered", MONDAY_9), Outcome.CONFLICT),
        # Accepted without the tracking number the applicant and the desk follow it by.
        (lambda o: event(o, "accepted", MONDAY_9, tracking=""), Outcome.MALFORMED),
        # An event dated tomorrow.
        (lambda o: event(o, "accepted", timezone.now() + timedelta(days=1)), Outcome.MALFORMED),
        # A status the contract does not know.
        (lambda o: event(o, "lost_in_space", MONDAY_9), Outcome.MALFORMED),
    ],
)
def test_mismatched_events_change_nothing_and_are_audited(province, citizen, make, outcome):
    order = placed(pickup(province, citizen))
    fields = make(order)
    if outcome is None:  # an unknown reference, correctly signed
        from motcua.payments import signing

        fields = {**fields, "reference": "BC000000000000"}
        fields.pop("signature")
        fields = signing.signed(fields, "contract-test-secret-unused")
        outcome = Outcome.BAD_SIGNATURE
    before, audits = state(), refused_audits()
    assert services.apply_event("dev", fields) == outcome
    assert state() == before
    assert refused_audits() == audits + 1


def test_an_unknown_order_signed_by_the_operator_is_refused(province, citizen, settings):
    from motcua.payments import signing

    order = placed(pickup(province, citizen))
    fields = event(order, "accepted", MONDAY_9)
    fields.pop("signature")
    fields["reference"] = "BC000000000000"
    fields = signing.signed(fields, settings.POSTAL["OPERATORS"]["dev"]["SECRET"])
    before = state()
    assert services.apply_event("dev", fields) == Outcome.UNKNOWN_ORDER
    assert state() == before


def test_the_same_event_id_with_other_content_is_a_conflict(province, citizen):
    order = placed(pickup(province, citizen))
    services.apply_event("dev", event(order, "accepted", MONDAY_9, event_id="E1"))
    before = state()
    later = MONDAY_9 + timedelta(hours=1)
    assert services.apply_event("dev", event(order, "picked_up", later, event_id="E1")) == (
        Outcome.CONFLICT
    )
    assert state() == before


def test_an_unknown_operator_is_refused(province, citizen):
    order = placed(pickup(province, citizen))
    before = state()
    assert services.apply_event("vnpost", event(order, "accepted", MONDAY_9)) == (
        Outcome.UNKNOWN_ORDER
    )
    assert state() == before


def test_cancel_before_the_postman_came_and_not_after(province, citizen):
    order = placed(pickup(province, citizen))
    services.apply_event("dev", event(order, "accepted", MONDAY_9))
    services.cancel(order, citizen)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Message.objects.filter(recipient="postal.cancel_order").count() == 1
    second = placed(pickup(province, citizen), number="DV2")
    services.apply_event("dev", event(second, "accepted", MONDAY_9))
    services.apply_event("dev", event(second, "picked_up", MONDAY_9 + timedelta(hours=1)))
    with pytest.raises(services.PostalError):
        services.cancel(second, citizen)


def result_ready(province, **kwargs):
    officer = province.officer
    dossier = receive_at_counter(province, **kwargs)
    dossier = dossier_services.act(
        dossier,
        Action.FORWARD,
        officer("justice", Role.DESK_OFFICER),
        to_user=officer("justice", Role.SPECIALIST),
    )
    dossier = dossier_services.act(
        dossier,
        Action.FORWARD,
        officer("justice", Role.SPECIALIST),
        to_user=officer("justice", Role.LEADER),
    )
    return dossier_services.act(
        dossier, Action.COMPLETE, officer("justice", Role.LEADER), result="Phiếu số 1"
    )


def test_result_by_post_returned_through_the_service(province):
    dossier = result_ready(
        province,
        applicant=dict(APPLICANT),
        result_delivery=ResultDelivery.POST,
        result_address="Số 3 Biên Hòa, Phủ Lý, Hà Nam",
    )
    desk = province.officer("justice", Role.DESK_OFFICER)
    dossier = dossier_services.act(dossier, Action.RETURN_RESULT, desk)
    assert dossier.status == Status.RETURNED and dossier.returned_at is not None
    order = PostalOrder.objects.get(dossier=dossier)
    assert (order.direction, order.recipient_address, order.recipient_name) == (
        "result",
        "Số 3 Biên Hòa, Phủ Lý, Hà Nam",
        "Nguyễn Văn An",
    )
    assert dossier.events.get(action=Action.RETURN_RESULT).data == {"postal_order": order.reference}
    assert Message.objects.filter(object_id=str(order.pk), recipient="postal.create_order")
    order = placed(order, "DV77")
    now = timezone.now()
    for status, back in (("accepted", 50), ("picked_up", 40), ("delivered", 1)):
        fields = event(order, status, now - timedelta(minutes=back), tracking="EB000000077VN")
        assert services.apply_event("dev", fields) == Outcome.CONFIRMED
    order.refresh_from_db()
    assert order.status == "delivered" and order.tracking_number == "EB000000077VN"
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED  # delivery is recorded on the order only


def test_a_result_at_the_desk_makes_no_postal_order(province):
    dossier = result_ready(province)
    dossier_services.act(
        dossier, Action.RETURN_RESULT, province.officer("justice", Role.DESK_OFFICER)
    )
    assert not PostalOrder.objects.exists()


def test_postal_events_are_never_changed(province, citizen):
    from motcua.core.models import AppendOnlyError

    order = placed(pickup(province, citizen))
    services.apply_event("dev", event(order, "accepted", MONDAY_9))
    recorded = PostalEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        recorded.save()
    with pytest.raises(AppendOnlyError):
        PostalEvent.objects.all().delete()


def test_a_dossier_whose_procedure_was_abolished_meanwhile_is_a_problem_for_the_desk(
    province, citizen
):
    from motcua.catalog.constants import Status as ProcedureStatus

    order = placed(pickup(province, citizen))
    services.apply_event("dev", event(order, "accepted", MONDAY_9 - timedelta(hours=3)))
    services.apply_event("dev", event(order, "picked_up", MONDAY_9 - timedelta(hours=2)))
    province.procedure.status = ProcedureStatus.ABOLISHED
    province.procedure.save()
    assert services.apply_event("dev", event(order, "delivered", MONDAY_9)) == Outcome.CONFIRMED
    order.refresh_from_db()
    assert order.status == "delivered" and order.dossier is None and order.problem
    assert not Dossier.objects.exists()
    assert AuditEvent.objects.filter(action="postal.submit_refused").count() == 1
