"""The 2025 rules of a dossier's life (Nghị định 118/2025 and the practice it kept), each a
case written out from the rules file (vn-one-stop-rules.md, "Life of a dossier" and
"Counting time")."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from motcua.dossiers import services
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierDocument,
    DossierEvent,
    SupplementRequest,
    Timeliness,
)
from motcua.dossiers.tests.factories import APPLICANT, PDF, make_province
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role


def at(*args):
    return datetime(*args, tzinfo=VN)


MONDAY_9 = datetime(2025, 3, 3, 9, 0, tzinfo=VN)


@pytest.fixture
def province():
    return make_province()


def receive(province, when=MONDAY_9, **kwargs):
    desk_officer = province.officer("justice", R.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk_officer,
        desk=desk_officer.posts.get().desk,
        documents=kwargs.pop("documents", None) or province.documents(),
        received_at=when,
        **kwargs,
    )


def at_specialist(province, when=MONDAY_9):
    d = receive(province, when)
    return services.act(
        d, A.FORWARD, province.officer("justice", R.DESK_OFFICER), at=when + timedelta(hours=1)
    )


def ask(province, d, when, reason=""):
    return services.act(
        d,
        A.REQUEST_SUPPLEMENT,
        province.officer("justice", R.SPECIALIST),
        at=when,
        comment="Thiếu bản sao căn cước",
        reason=reason,
    )


def supplement(province, d, when):
    return services.act(d, A.SUPPLEMENT, province.officer("justice", R.DESK_OFFICER), at=when)


# --- Counting time -----------------------------------------------------------------------------


def test_a_receipt_after_15_00_keeps_its_time_of_day_but_is_transferred_next_morning(province):
    # "Counting time": the 15:00 rule is about transfer; the deadline does not move.
    d = receive(province, at(2025, 3, 3, 16, 0))
    assert d.due_at == at(2025, 3, 10, 16, 0)  # 5 working days, same time of day
    assert d.transfer_due_at > at(2025, 3, 4, 7, 30)  # goes at the start of the next day
    assert d.transfer_due_at.date() == at(2025, 3, 4).date()


def test_a_same_day_procedure_rolls_over_after_its_cutoff(province):
    from datetime import time

    # "Counting time" (b): some same-day procedures received after 15:00 are due the next day.
    procedure = province.procedure
    procedure.same_day_cutoff = time(15, 0)
    procedure.save()
    late = receive(province, at(2025, 3, 3, 16, 0))
    early = receive(province, at(2025, 3, 3, 14, 0))
    assert early.due_at == at(2025, 3, 10, 14, 0)
    assert late.due_at > at(2025, 3, 10, 16, 0)  # counted from the next working day


def test_an_online_dossier_gives_the_desk_8_working_hours_a_postal_one_a_day(province):
    # Rule 1: receipt or one supplement notice within 8 working hours online, 1 day paper.
    desk = province.officer("justice", R.DESK_OFFICER).posts.get().desk
    province.procedure.channel_online = True
    province.procedure.save()
    made = {}
    for channel in (Channel.ONLINE, Channel.POST):
        made[channel] = services.submit(
            procedure=province.procedure,
            applicant=dict(APPLICANT),
            channel=channel,
            desk=desk,
            documents=province.documents(),
            received_at=at(2025, 3, 3, 14, 0),  # Monday 14:00
        )
    # 8 working hours from Monday 14:00: 3.5 h Monday, 4 h Tuesday morning, 0.5 h after lunch.
    assert made[Channel.ONLINE].check_due_at == at(2025, 3, 4, 14, 0)
    assert made[Channel.POST].check_due_at == at(2025, 3, 4, 14, 0)  # 1 day = 8 hours
    assert made[Channel.ONLINE].due_at is None  # no clock before receipt


# --- Supplement after receipt (rule 4) ------------------------------------------------------


def test_the_time_limit_restarts_when_the_supplement_comes_back(province):
    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    d = ask(province, d, at(2025, 3, 5, 10, 0))
    d = supplement(province, d, at(2025, 3, 7, 10, 0))
    # The rules file's case: 5 days from 3 March 10:00, supplement 5→7 March: 14 March.
    assert d.due_at == d.deadline_at == at(2025, 3, 14, 10, 0)


def test_a_procedure_that_pauses_keeps_the_time_already_used(province):
    province.procedure.restart_on_supplement = False
    province.procedure.save()
    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    d = ask(province, d, at(2025, 3, 5, 10, 0))
    assert not d.supplement_requests.get().restarts_clock
    d = supplement(province, d, at(2025, 3, 7, 10, 0))
    assert d.due_at == at(2025, 3, 12, 10, 0)  # the rules file's "pause" case


def test_a_late_or_second_request_needs_a_reason_and_is_recorded_as_such(province):
    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    # Four working days after receipt: past the 3-day window.
    with pytest.raises(services.ReasonRequired):
        ask(province, d, at(2025, 3, 7, 10, 0))
    d.refresh_from_db()
    assert d.status == Status.PROCESSING and not SupplementRequest.objects.exists()
    d = ask(province, d, at(2025, 3, 7, 10, 0), reason="Phát hiện sai sót khi thẩm định")
    event = d.events.get(action=A.REQUEST_SUPPLEMENT)
    assert event.data["late"] and event.data["reason"] == "Phát hiện sai sót khi thẩm định"
    d = supplement(province, d, at(2025, 3, 10, 9, 0))
    with pytest.raises(services.ReasonRequired):  # once only, unless there is a reason
        ask(province, d, at(2025, 3, 10, 10, 0))
    d = ask(province, d, at(2025, 3, 10, 10, 0), reason="Giấy tờ bổ sung bị tẩy xóa")
    assert d.supplement_count == 2
    assert d.events.filter(action=A.REQUEST_SUPPLEMENT).last().data["repeated"]
    requests = list(d.supplement_requests.values_list("requested_at", "supplemented_at"))
    assert requests == [(at(2025, 3, 7, 10, 0), at(2025, 3, 10, 9, 0)), (at(2025, 3, 10, 10), None)]


@override_settings(MOTCUA={"SUPPLEMENT_WINDOW_DAYS": 10, "SUPPLEMENT_MAX_REQUESTS": 2})
def test_the_supplement_rules_are_settings(province):
    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    d = ask(province, d, at(2025, 3, 7, 10, 0))  # within 10 days: no reason needed
    d = supplement(province, d, at(2025, 3, 7, 11, 0))
    d = ask(province, d, at(2025, 3, 7, 14, 0))  # a second request is allowed
    assert d.supplement_count == 2


def test_an_unsupplemented_dossier_may_be_closed_after_15_working_days(province):
    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    d = ask(province, d, at(2025, 3, 4, 10, 0))
    desk = province.officer("justice", R.DESK_OFFICER)
    with pytest.raises(services.DossierError):  # 14 working days later: too early
        services.act(d, A.CLOSE, desk, at=at(2025, 3, 21, 10, 0), comment="Quá hạn bổ sung")
    assert services.close_unsupplemented(now=at(2025, 3, 21, 10, 0)) == []
    # 15 working days after 4 March 10:00 is 25 March 10:00.
    assert services.close_unsupplemented(now=at(2025, 3, 25, 10, 0)) == [d.code]
    d.refresh_from_db()
    assert d.status == Status.CLOSED and d.finished_at == at(2025, 3, 25, 10, 0)
    assert d.supplement_requests.get().closed_at == at(2025, 3, 25, 10, 0)
    assert services.close_unsupplemented(now=at(2025, 4, 25, 10, 0)) == []  # once


def test_a_supplement_pause_is_not_overdue_and_a_ready_result_is_not_overdue(client, province):
    from motcua.dossiers.views import urgency

    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    d = ask(province, d, at(2025, 3, 4, 10, 0))
    assert urgency(d, at(2025, 6, 1, 10, 0)) == "paused"
    d = supplement(province, d, at(2025, 3, 5, 10, 0))
    d = services.act(d, A.FORWARD, province.officer("justice", R.SPECIALIST), at=at(2025, 3, 5))
    d = services.act(d, A.COMPLETE, province.officer("justice", R.LEADER), at=at(2025, 3, 6))
    assert d.timeliness == Timeliness.EARLY
    assert urgency(d, at(2025, 6, 1, 10, 0)) == "ready"  # not collected yet: never overdue


# --- Late: apology, once, in time (rule 5) -----------------------------------------------------


def test_only_one_re_appointment_and_a_late_apology_needs_a_reason(province):
    leader = province.officer("justice", R.LEADER)
    d = at_specialist(province, at(2025, 3, 3, 9, 0))  # due Monday 10 March 9:00
    with pytest.raises(services.ReasonRequired):  # less than 1 working day before
        services.act(
            d,
            A.APOLOGISE,
            leader,
            at=at(2025, 3, 7, 10, 0),
            new_due_at=at(2025, 3, 14, 9, 0),
            comment="Chờ xác minh",
        )
    d = services.act(
        d,
        A.APOLOGISE,
        leader,
        at=at(2025, 3, 7, 10, 0),
        new_due_at=at(2025, 3, 14, 9, 0),
        comment="Chờ xác minh",
        reason="Cơ quan phối hợp trả lời chậm",
    )
    assert d.due_at == at(2025, 3, 14, 9, 0) and d.apologised_at == at(2025, 3, 7, 10, 0)
    with pytest.raises(services.DossierError):
        services.act(
            d,
            A.APOLOGISE,
            leader,
            at=at(2025, 3, 12, 9, 0),
            new_due_at=at(2025, 3, 20, 9, 0),
            comment="Lần hai",
            reason="x",
        )
    assert d.events.filter(action=A.APOLOGISE).count() == 1


@pytest.mark.parametrize(
    "new_due_at",
    [at(2025, 3, 5, 9, 0), datetime(9999, 12, 31, 23, 0, tzinfo=VN), at(2026, 3, 10, 9, 0)],
)
def test_an_apology_date_outside_the_bounds_is_refused(province, new_due_at):
    d = at_specialist(province, at(2025, 3, 3, 9, 0))
    with pytest.raises(services.DossierError):
        services.act(
            d,
            A.APOLOGISE,
            province.officer("justice", R.LEADER),
            at=at(2025, 3, 5, 9, 0),
            new_due_at=new_due_at,
            comment="Chờ xác minh",
        )
    d.refresh_from_db()
    assert d.due_at == at(2025, 3, 10, 9, 0) and d.apologised_at is None


# --- Finished and returned (rule 6), stop (rule 7) ---------------------------------------------


def test_timeliness_is_judged_by_the_date_processing_finished(province):
    leader, desk = (
        province.officer("justice", R.LEADER),
        province.officer("justice", R.DESK_OFFICER),
    )
    d = at_specialist(province, at(2025, 3, 3, 9, 0))  # due 10 March 9:00
    d = services.act(d, A.FORWARD, province.officer("justice", R.SPECIALIST), at=at(2025, 3, 7))
    d = services.act(d, A.COMPLETE, leader, at=at(2025, 3, 10, 16, 0))  # same date, later hour
    assert d.timeliness == Timeliness.ON_TIME and d.finished_at == at(2025, 3, 10, 16, 0)
    d = services.act(d, A.RETURN_RESULT, desk, at=at(2025, 3, 20, 9, 0))
    assert d.returned_at == at(2025, 3, 20, 9, 0) and d.timeliness == Timeliness.ON_TIME


def test_a_stop_needs_the_applicants_request_and_no_result(province):
    desk = province.officer("justice", R.DESK_OFFICER)
    d = at_specialist(province)
    with pytest.raises(services.DossierError):
        services.act(d, A.WITHDRAW, desk, comment="  ")
    d = services.act(d, A.WITHDRAW, desk, at=at(2025, 3, 4), comment="Đơn xin dừng ngày 4/3")
    assert d.status == Status.WITHDRAWN and d.finished_at == at(2025, 3, 4)


# --- Roles on steps (rules 2–3) --------------------------------------------------------------


def test_forward_only_to_an_officer_of_the_next_step(province):
    desk = province.officer("justice", R.DESK_OFFICER)
    d = receive(province)
    for wrong in (province.officer("health", R.SPECIALIST), province.officer("justice", R.LEADER)):
        with pytest.raises(services.DossierError):
            services.act(d, A.FORWARD, desk, to_user=wrong)
    assert list(services.forward_targets(d)) == [province.officer("justice", R.SPECIALIST)]
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.events.count() == 1


def test_forward_cannot_move_a_dossier_to_another_agency(province):
    d = receive(province)
    d = services.act(
        d, A.FORWARD, province.officer("justice", R.DESK_OFFICER), to_agency=province.health
    )
    assert d.current_agency == province.justice  # the process decides where it goes


def test_hand_over_needs_an_agency_and_an_officer_of_it(province):
    specialist = province.officer("justice", R.SPECIALIST)
    d = at_specialist(province)
    with pytest.raises(services.DossierError):
        services.act(d, A.HAND_OVER, specialist)
    with pytest.raises(services.DossierError):
        services.act(
            d,
            A.HAND_OVER,
            specialist,
            to_agency=province.health,
            to_user=province.officer("justice", R.LEADER),
        )
    d = services.act(
        d,
        A.HAND_OVER,
        specialist,
        to_agency=province.health,
        to_user=province.officer("health", R.SPECIALIST),
    )
    assert d.current_agency == province.health
    d = services.act(d, A.HAND_BACK, province.officer("health", R.SPECIALIST))
    assert d.current_agency == province.justice and d.current_step.role == R.SPECIALIST


def test_an_ended_post_can_neither_receive_nor_act(province):
    from datetime import date

    from motcua.org.models import Officer

    desk = province.officer("justice", R.DESK_OFFICER)
    d = receive(province)
    Officer.objects.filter(user=desk).update(valid_to=date(2025, 1, 1))
    desk = type(desk).objects.get(pk=desk.pk)  # without cached posts
    with pytest.raises(services.NotAllowed):
        services.receive(
            procedure=province.procedure,
            applicant=dict(APPLICANT),
            channel=Channel.COUNTER,
            actor=desk,
            desk=Officer.objects.get(user=desk).desk,
            documents=province.documents(),
            received_at=at(2025, 3, 3, 9, 0),
        )
    with pytest.raises(services.NotAllowed):
        services.act(d, A.FORWARD, desk)
    assert Dossier.objects.count() == 1 and DossierEvent.objects.count() == 1


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=VN),
        datetime(1900, 1, 1, 9, 0, tzinfo=VN),
        datetime(9999, 12, 31, 9, 0, tzinfo=VN),
    ],
)
def test_a_receipt_date_outside_the_procedure_or_in_the_future_is_refused(province, when):
    with pytest.raises(services.DossierError):
        receive(province, when)
    assert Dossier.objects.count() == 0 and DossierEvent.objects.count() == 0


def test_back_dating_beyond_the_window_is_refused_at_the_edge():
    now = at(2025, 3, 31, 9, 0)
    services.check_received_at(at(2025, 3, 2, 9, 0), now)  # 29 days: fine
    with pytest.raises(services.DossierError):
        services.check_received_at(at(2025, 2, 28, 9, 0), now)
    with pytest.raises(services.DossierError):
        services.check_received_at(at(2025, 3, 31, 10, 0), now)


def test_same_key_different_request_is_a_conflict(province):
    first = receive(province, idempotency_key="k-1", idempotency_fingerprint="a" * 64)
    assert receive(province, idempotency_key="k-1", idempotency_fingerprint="a" * 64) == first
    with pytest.raises(services.IdempotencyConflict):
        receive(province, idempotency_key="k-1", idempotency_fingerprint="b" * 64)
    assert Dossier.objects.count() == 1


def test_a_refused_receipt_leaves_no_file_on_disk(province, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    documents = [
        {**doc, "file": SimpleUploadedFile("scan.pdf", PDF)} for doc in province.documents()
    ]

    def fails(*args, **kwargs):  # a failure after the files were written
        raise services.DossierError("the chain cannot start")

    monkeypatch.setattr(services, "start_chain", fails)
    with pytest.raises(services.DossierError):
        receive(province, documents=documents, chain=object())
    assert Dossier.objects.count() == 0 and DossierDocument.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    receive(province, documents=documents)  # the same files, accepted: they are kept
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2


def test_the_daily_command_closes_overdue_supplements(province):
    from io import StringIO

    from django.core.management import call_command

    d = at_specialist(province, at(2025, 3, 3, 10, 0))
    ask(province, d, at(2025, 3, 4, 10, 0))  # long ago: 15 working days have passed
    out = StringIO()
    call_command("close_unsupplemented", stdout=out)
    assert d.code in out.getvalue()
    d.refresh_from_db()
    assert d.status == Status.CLOSED
    event = d.events.get(action=A.CLOSE)
    assert event.actor is None and "15" in event.comment
