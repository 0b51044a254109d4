from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers import permissions, services
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Timeliness
from motcua.dossiers.tests.factories import APPLICANT, make_province
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role


def at(*args):
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def province():
    return make_province()


MONDAY_9 = at(2025, 3, 3, 9, 0)


def receive(province, when=MONDAY_9, **kwargs):
    desk_officer = province.officer("justice", R.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk_officer,
        desk=desk_officer.posts.get().desk,
        documents=province.documents(),
        received_at=when,
        **kwargs,
    )


def test_receipt_gives_a_code_an_appointment_and_an_event(province):
    dossier = receive(province)
    assert dossier.code == "000.00.01.H40-250303-0001"
    assert dossier.status == Status.RECEIVED
    # 5 working days from Monday 9:00 → the next Monday 9:00
    assert dossier.due_at == at(2025, 3, 10, 9, 0) == dossier.deadline_at
    assert dossier.procedure_version.number == 1
    event = dossier.events.get()
    assert (event.action, event.from_status, event.to_status) == (A.RECEIVE, "", Status.RECEIVED)
    assert dossier.documents.count() == 2
    assert receive(province).code.endswith("-0002")


def test_incomplete_dossier_is_not_received(province):
    desk_officer = province.officer("justice", R.DESK_OFFICER)
    with pytest.raises(services.Incomplete) as missing:
        services.receive(
            procedure=province.procedure,
            applicant=dict(APPLICANT),
            channel=Channel.COUNTER,
            actor=desk_officer,
            desk=desk_officer.posts.get().desk,
            documents=[],
        )
    assert missing.value.missing == ["Tờ khai (theo mẫu)"]  # the optional one is not required
    assert Dossier.objects.count() == 0


def test_invalid_applicant_is_refused_with_field_codes(province):
    from motcua.dossiers.validation import InvalidApplicant

    with pytest.raises(InvalidApplicant) as bad:
        services.receive(
            procedure=province.procedure,
            applicant={**APPLICANT, "id_number": "12345", "phone": "123"},
            channel=Channel.COUNTER,
            desk=None,
            performing_agency=province.justice,
            documents=province.documents(),
        )
    assert bad.value.errors == {"id_number": "invalid", "phone": "invalid"}
    assert Dossier.objects.count() == 0


def test_full_journey_with_a_supplement_round(province):
    o = province.officer
    d = receive(province)
    assert d.transfer_due_at == at(2025, 3, 3, 17, 30)  # before 15:00: the same day
    d = services.act(
        d,
        A.FORWARD,
        o("justice", R.DESK_OFFICER),
        at=at(2025, 3, 3, 10, 0),
        to_user=o("justice", R.SPECIALIST),
    )
    assert d.status == Status.PROCESSING and d.current_step.name == "Thẩm định hồ sơ"
    d = services.act(
        d,
        A.REQUEST_SUPPLEMENT,
        o("justice", R.SPECIALIST),
        at=at(2025, 3, 4, 9, 0),
        comment="Thiếu bản sao căn cước",
    )
    assert d.status == Status.AWAITING_SUPPLEMENT and d.paused_at == at(2025, 3, 4, 9, 0)
    assert d.current_agency == province.justice and d.supplement_count == 1
    # Supplemented Thursday 9:00: the 5-day time limit restarts from then (rule 4, the
    # default since NĐ 118/2025): due the next Thursday 9:00.
    d = services.act(d, A.SUPPLEMENT, o("justice", R.DESK_OFFICER), at=at(2025, 3, 6, 9, 0))
    assert d.status == Status.PROCESSING
    assert d.deadline_at == d.due_at == at(2025, 3, 13, 9, 0)
    request = d.supplement_requests.get()
    assert request.after_receipt and request.restarts_clock
    assert (request.requested_at, request.supplemented_at) == (
        at(2025, 3, 4, 9, 0),
        at(2025, 3, 6, 9, 0),
    )
    d = services.act(
        d,
        A.FORWARD,
        o("justice", R.SPECIALIST),
        at=at(2025, 3, 7, 9, 0),
        to_user=o("justice", R.LEADER),
    )
    # The leader's step is the last before the return: the leader signs the result.
    d = services.act(
        d,
        A.COMPLETE,
        o("justice", R.LEADER),
        at=at(2025, 3, 7, 15, 0),
        result="Phiếu lý lịch tư pháp số 123",
    )
    assert d.status == Status.RESULT_READY and d.finished_at == at(2025, 3, 7, 15, 0)
    assert d.timeliness == Timeliness.EARLY  # judged when processing finished (rule 6)
    d = services.act(d, A.RETURN_RESULT, o("justice", R.DESK_OFFICER), at=at(2025, 3, 14, 8, 0))
    assert d.status == Status.RETURNED and d.returned_at == at(2025, 3, 14, 8, 0)
    # Collected after the appointment: still early, because processing finished early.
    assert d.timeliness == Timeliness.EARLY and d.finished_at == at(2025, 3, 7, 15, 0)
    actions = list(d.events.values_list("action", flat=True))
    assert actions == [
        A.RECEIVE,
        A.FORWARD,
        A.REQUEST_SUPPLEMENT,
        A.SUPPLEMENT,
        A.FORWARD,
        A.COMPLETE,
        A.RETURN_RESULT,
    ]
    # Working time is counted while the clock runs and not while awaiting the supplement:
    # the desk's transfer took 1 working hour, the review until the request 7 hours.
    used = [(e.action, e.working_seconds) for e in d.events.order_by("at", "id")]
    assert used[1] == (A.FORWARD, 3600)
    assert used[2] == (A.REQUEST_SUPPLEMENT, 7 * 3600)
    assert used[3] == (A.SUPPLEMENT, 0)


def test_illegal_transition_changes_nothing(province):
    d = receive(province)
    with pytest.raises(services.DossierError):
        services.act(d, A.RETURN_RESULT, province.officer("justice", R.DESK_OFFICER))
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.events.count() == 1


def test_apology_moves_the_appointment_but_lateness_is_judged_on_the_deadline(province):
    o = province.officer
    d = receive(province)
    d = services.act(d, A.FORWARD, o("justice", R.DESK_OFFICER), at=at(2025, 3, 3, 10, 0))
    d = services.act(
        d,
        A.APOLOGISE,
        o("justice", R.LEADER),
        at=at(2025, 3, 7, 9, 0),
        new_due_at=at(2025, 3, 14, 9, 0),
        comment="Chờ xác minh",
    )
    assert d.due_at == at(2025, 3, 14, 9, 0) and d.deadline_at == at(2025, 3, 10, 9, 0)
    d = services.act(d, A.FORWARD, o("justice", R.SPECIALIST), at=at(2025, 3, 7, 10, 0))
    d = services.act(d, A.COMPLETE, o("justice", R.LEADER), at=at(2025, 3, 12, 9, 0))
    d = services.act(d, A.RETURN_RESULT, o("justice", R.DESK_OFFICER), at=at(2025, 3, 12, 10, 0))
    assert d.timeliness == Timeliness.LATE  # the new appointment does not excuse it (rule 5)


def test_refusal_and_supplement_request_need_reasons(province):
    o = province.officer
    d = receive(province)
    with pytest.raises(services.DossierError):
        services.act(d, A.REFUSE, o("justice", R.LEADER), comment=" ")
    d = services.act(d, A.REFUSE, o("justice", R.LEADER), comment="Không thuộc thẩm quyền")
    assert d.status == Status.REFUSED and d.finished_at is not None and not d.timeliness


def test_idempotency_key_returns_the_first_dossier(province):
    first = receive(province, idempotency_key="req-1")
    again = receive(province, idempotency_key="req-1")
    assert again.pk == first.pk and Dossier.objects.count() == 1


def test_events_are_immutable(province):
    event = receive(province).events.get()
    event.comment = "changed"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    assert DossierEvent.objects.count() == 1


# --- Permissions (the full table by law is in test_rules_tables.py) ---------------------------


def test_visibility(province):
    d = receive(province)
    sees = lambda user: list(permissions.visible_dossiers(user))  # noqa: E731
    assert sees(province.officer("justice", R.SPECIALIST)) == [d]
    assert sees(province.officer("health", R.LEADER)) == []
    assert sees(province.officer("center", R.SUPERVISOR)) == [d]


def test_other_agency_cannot_act_even_through_the_service(province):
    d = receive(province)
    with pytest.raises(services.NotAllowed):
        services.act(d, A.FORWARD, province.officer("health", R.DESK_OFFICER))


def test_step_assigned_to_someone_else(province):
    from motcua.org import services as org_services
    from motcua.org.models import User

    o = province.officer
    other = User.objects.create_user("justice.specialist2", password="pw-not-used-123")
    org_services.appoint(other, province.justice, R.SPECIALIST)
    d = receive(province)
    d = services.act(d, A.FORWARD, o("justice", R.DESK_OFFICER), to_user=other)
    assert not permissions.can(o("justice", R.SPECIALIST), A.FORWARD, d)
    assert permissions.can(other, A.FORWARD, d)
    # The specialist's step is not the leader's to pass on.
    assert not permissions.can(o("justice", R.LEADER), A.FORWARD, d)


def test_delegation_lets_a_deputy_approve_during_the_period(province):
    from motcua.dossiers.models import Delegation

    o = province.officer
    deputy = o("justice", R.SPECIALIST)
    d = receive(province)
    d = services.act(d, A.FORWARD, o("justice", R.DESK_OFFICER), at=at(2025, 3, 3, 10, 0))
    d = services.act(d, A.FORWARD, o("justice", R.SPECIALIST), at=at(2025, 3, 3, 11, 0))
    assert not permissions.can(deputy, A.COMPLETE, d)
    Delegation.objects.create(
        leader=o("justice", R.LEADER),
        deputy=deputy,
        agency=province.justice,
        starts_at=at(2020, 1, 1),
        ends_at=at(2099, 1, 1),
    )
    deputy = type(deputy).objects.get(pk=deputy.pk)  # fresh, without cached posts
    assert permissions.can(deputy, A.COMPLETE, d)
