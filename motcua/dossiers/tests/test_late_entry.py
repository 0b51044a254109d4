"""A finish or a return entered after it happened (issue 8, "late on the record but
returned"): when it happened and when it was entered are both kept; one entered more than
one working day late needs a reason and is flagged. Working days are counted by hand on the
Vietnamese calendar: 07:30–11:30 and 13:30–17:30 (8 working hours a day), Monday–Friday,
public holidays and the announced swaps off, make-up Saturdays on."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from motcua.api.tests.factories import Api, make_token
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Timeliness
from motcua.dossiers.tests.factories import APPLICANT, make_province, submit_to_desk
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role
from motcua.outbox.models import Message

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role


def at(*args):
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def province():
    return make_province()


def at_leader(province, received_at):
    """A dossier received at `received_at` and forwarded (an hour later each) to the
    leader's step: ready to be finished."""
    desk = province.officer("justice", R.DESK_OFFICER)
    d = services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=province.documents(),
        received_at=received_at,
    )
    d = services.act(d, A.FORWARD, desk, at=received_at + timedelta(hours=1))
    return services.act(
        d, A.FORWARD, province.officer("justice", R.SPECIALIST), at=received_at + timedelta(hours=2)
    )


def finish(province, d, happened, entered, reason=""):
    return services.act(
        d,
        A.COMPLETE,
        province.officer("justice", R.LEADER),
        at=happened,
        recorded_at=entered,
        reason=reason,
        result="Phiếu số 7",
    )


def written():
    return (DossierEvent.objects.count(), Message.objects.count())


# --- The rule, by hand on the calendar ------------------------------------------------------


def test_thursday_entered_monday_is_two_working_days_and_needs_a_reason(province):
    # Thu 6 Mar 2025 10:00 → Mon 10 Mar 10:00: Thu 1.5 h + 4 h, Fri 8 h, Mon 2.5 h = 16 h
    # = 2 working days > 1.
    d = at_leader(province, at(2025, 3, 3, 9))
    before = written()
    with pytest.raises(services.ReasonRequired) as refused:
        finish(province, d, at(2025, 3, 6, 10), at(2025, 3, 10, 10))
    assert "2,0" in str(refused.value) and refused.value.field == "reason"
    assert written() == before  # nothing written: no event, no message to the applicant
    d.refresh_from_db()
    assert d.status == Status.PROCESSING and d.finished_at is None and d.timeliness == ""

    d = finish(province, d, at(2025, 3, 6, 10), at(2025, 3, 10, 10), "  Quên cập nhật  ")
    event = d.events.get(action=A.COMPLETE)
    assert event.late_entry is True
    assert event.at == at(2025, 3, 6, 10) and event.recorded_at == at(2025, 3, 10, 10)
    assert event.data["late_entry_reason"] == "Quên cập nhật"
    assert event.data["late_entry_days"] == 2.0
    # The facts are the facts: finished on Thursday, before the deadline (Mon 10 Mar 9:00).
    assert d.finished_at == at(2025, 3, 6, 10)
    assert d.deadline_at == at(2025, 3, 10, 9)
    assert d.timeliness == Timeliness.EARLY


def test_the_dossier_keeps_when_its_last_entry_was_made(province):
    """What the stale block reads (`Dossier.last_entered_at`): when something was last
    entered, i.e. a late entry's recording time, never the earlier time it happened; and a
    backdated entry does not move it back."""
    received = at(2025, 3, 3, 9)
    d = at_leader(province, received)
    d.refresh_from_db()
    assert d.last_entered_at == received + timedelta(hours=2)  # the last forward
    d = finish(province, d, at(2025, 3, 6, 10), at(2025, 3, 10, 10), "Quên cập nhật")
    d.refresh_from_db()
    assert d.last_entered_at == at(2025, 3, 10, 10)  # entered Monday, happened Thursday
    # Returned, dated (not recorded) before that entry: the latest entry stays Monday's.
    desk = province.officer("justice", R.DESK_OFFICER)
    d = services.act(d, A.RETURN_RESULT, desk, at=at(2025, 3, 7, 9))
    d.refresh_from_db()
    assert d.last_entered_at == at(2025, 3, 10, 10)
    # The row says what the events say.
    assert d.last_entered_at == max(e.recorded_at or e.at for e in d.events.all())


def test_friday_afternoon_entered_monday_morning_is_within_one_working_day(province):
    # Fri 7 Mar 16:00 → Mon 10 Mar 9:00: 1.5 h + 1.5 h = 3 working hours.
    d = at_leader(province, at(2025, 3, 3, 9))
    d = finish(province, d, at(2025, 3, 7, 16), at(2025, 3, 10, 9))
    event = d.events.get(action=A.COMPLETE)
    assert event.late_entry is False and "late_entry_reason" not in event.data
    assert event.recorded_at == at(2025, 3, 10, 9)  # kept: it differs from when it happened
    assert d.finished_at == at(2025, 3, 7, 16)


def test_exactly_one_working_day_is_allowed_one_minute_more_is_not(province):
    # Fri 7 Mar 10:00 → Mon 10 Mar 10:00: 1.5 h + 4 h + 2.5 h = 8 h, exactly one day.
    d = at_leader(province, at(2025, 3, 3, 9))
    with pytest.raises(services.ReasonRequired):
        finish(province, d, at(2025, 3, 7, 10), at(2025, 3, 10, 10, 1))
    d = finish(province, d, at(2025, 3, 7, 10), at(2025, 3, 10, 10))
    assert d.events.get(action=A.COMPLETE).late_entry is False


def test_labour_day_holidays_do_not_count(province):
    # 2025: Wed 30 Apr and Thu 1 May are holidays, Fri 2 May is swapped off (made up on
    # Sat 26 Apr). Tue 29 Apr 16:00 → Mon 5 May 9:00: 1.5 h + 1.5 h, within one day.
    d = at_leader(province, at(2025, 4, 21, 9))
    d = finish(province, d, at(2025, 4, 29, 16), at(2025, 5, 5, 9))
    assert d.events.get(action=A.COMPLETE).late_entry is False


def test_the_make_up_saturday_counts(province):
    # Fri 25 Apr 10:00 → Mon 28 Apr 10:00: Fri 5.5 h, Sat 26 Apr (worked in exchange for
    # 2 May) 8 h, Mon 2.5 h = 2 working days: a reason is needed.
    d = at_leader(province, at(2025, 4, 21, 9))
    with pytest.raises(services.ReasonRequired):
        finish(province, d, at(2025, 4, 25, 10), at(2025, 4, 28, 10))


def test_the_tet_holiday_does_not_count(province):
    # Tết 2025: Sat 25 Jan – Sun 2 Feb off. Fri 24 Jan 10:00 → Mon 3 Feb 10:00 = 5.5 h +
    # 2.5 h = one working day: allowed; at 10:30 it is more than one.
    d = at_leader(province, at(2025, 1, 20, 9))
    with pytest.raises(services.ReasonRequired):
        finish(province, d, at(2025, 1, 24, 10), at(2025, 2, 3, 10, 30))
    d = finish(province, d, at(2025, 1, 24, 10), at(2025, 2, 3, 10))
    assert d.events.get(action=A.COMPLETE).late_entry is False


def test_a_late_return_needs_a_reason_too(province):
    d = at_leader(province, at(2025, 3, 3, 9))
    d = finish(province, d, at(2025, 3, 6, 10), at(2025, 3, 6, 10))
    desk = province.officer("justice", R.DESK_OFFICER)
    # Handed over Fri 7 Mar 9:00, entered Wed 12 Mar 9:00: 6.5 + 8 + 8 + 1.5 h = 3 days.
    before = written()
    with pytest.raises(services.ReasonRequired):
        services.act(d, A.RETURN_RESULT, desk, at=at(2025, 3, 7, 9), recorded_at=at(2025, 3, 12, 9))
    assert written() == before
    d = services.act(
        d,
        A.RETURN_RESULT,
        desk,
        at=at(2025, 3, 7, 9),
        recorded_at=at(2025, 3, 12, 9),
        reason="Trả trực tiếp, nhập sau",
    )
    event = d.events.get(action=A.RETURN_RESULT)
    assert event.late_entry and event.data["late_entry_days"] == 3.0
    assert d.returned_at == at(2025, 3, 7, 9) and d.status == Status.RETURNED


@override_settings(MOTCUA={"LATE_ENTRY_WORKING_DAYS": 3})
def test_the_allowed_delay_is_a_setting(province):
    d = at_leader(province, at(2025, 3, 3, 9))
    d = finish(province, d, at(2025, 3, 6, 10), at(2025, 3, 10, 10))  # 2 days ≤ 3
    assert d.events.get(action=A.COMPLETE).late_entry is False


def test_not_in_the_future_and_not_before_arrival(province):
    d = at_leader(province, at(2025, 3, 3, 9))
    before = written()
    with pytest.raises(services.DossierError) as future:
        finish(province, d, at(2025, 3, 10, 10), at(2025, 3, 10, 9), "x")
    assert future.value.field == "at"
    with pytest.raises(services.DossierError):
        finish(province, d, at(2025, 3, 3, 8), at(2025, 3, 3, 10), "x")
    with pytest.raises(services.DossierError):  # the real clock bounds a replayed instant
        services.act(
            d, A.COMPLETE, province.officer("justice", R.LEADER), at=timezone.now() + timedelta(1)
        )
    assert written() == before


def test_an_instant_without_an_entry_time_replays_history(province):
    """The seed, imports and the tests record history with `at` alone: recorded when it
    happened, no reason asked."""
    d = at_leader(province, at(2025, 3, 3, 9))
    d = services.act(d, A.COMPLETE, province.officer("justice", R.LEADER), at=at(2025, 3, 6, 10))
    event = d.events.get(action=A.COMPLETE)
    assert event.recorded_at is None and event.late_entry is False


def test_an_action_done_now_keeps_no_separate_entry_time(province):
    d = at_leader(province, timezone.now() - timedelta(days=1))
    d = services.act(d, A.COMPLETE, province.officer("justice", R.LEADER))
    event = d.events.get(action=A.COMPLETE)
    assert event.recorded_at is None and event.late_entry is False


# --- The officer's form ----------------------------------------------------------------------


def url(d):
    return f"/office/dossiers/{d.code}/act/"


@pytest.fixture
def recent(province):
    """Received ten days ago, at the leader's step."""
    received = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    return at_leader(province, received - timedelta(days=10))


def test_the_finish_form_offers_the_date_and_the_reason(client, province, recent):
    client.force_login(province.officer("justice", R.LEADER))
    page = client.get(recent.get_absolute_url()).content.decode()
    assert 'name="at"' in page and 'type="datetime-local"' in page
    assert "Lý do cập nhật muộn" in page or "Reason for the late entry" in page


def test_the_form_asks_for_the_reason_then_records_the_late_finish(client, province, recent):
    client.force_login(province.officer("justice", R.LEADER))
    happened = timezone.localtime(recent.received_at + timedelta(hours=3))
    form = {"action": "complete", "at": happened.strftime("%Y-%m-%dT%H:%M"), "result": "Số 9"}
    before = written()
    response = client.post(url(recent), form)
    assert response.status_code == 400
    assert written() == before
    html = response.content.decode()
    assert 'role="alert"' in html and happened.strftime("%Y-%m-%dT%H:%M") in html
    response = client.post(url(recent), {**form, "reason": "Ký giấy, nhập sau"})
    assert response.status_code == 302
    event = DossierEvent.objects.get(dossier=recent, action=A.COMPLETE)
    assert event.late_entry and event.data["late_entry_reason"] == "Ký giấy, nhập sau"
    assert event.at == happened.replace(second=0, microsecond=0)
    assert timezone.now() - event.recorded_at < timedelta(minutes=5)
    page = client.get(recent.get_absolute_url()).content.decode()
    assert "Ký giấy, nhập sau" in page  # the history shows the entry time and the reason


def test_the_form_without_a_date_finishes_now(client, province, recent):
    client.force_login(province.officer("justice", R.LEADER))
    assert client.post(url(recent), {"action": "complete", "result": "Số 9"}).status_code == 302
    event = DossierEvent.objects.get(dossier=recent, action=A.COMPLETE)
    assert event.recorded_at is None and not event.late_entry


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "1999-12-31T23:59",
        "99999999999999-01-01T00:00",
        "2025-02-30T10:00",
        "hôm qua",
        "1" * 5000,
        "2025-03-06T10:00\x00",
    ],
)
def test_hostile_dates_are_refused_without_an_error_or_a_write(client, province, recent, value):
    client.force_login(province.officer("justice", R.LEADER))
    before = written()
    response = client.post(url(recent), {"action": "complete", "at": value, "reason": "x"})
    assert response.status_code == 400
    assert written() == before
    recent.refresh_from_db()
    assert recent.status == Status.PROCESSING


def test_a_huge_or_hostile_reason_is_refused(client, province, recent):
    client.force_login(province.officer("justice", R.LEADER))
    happened = timezone.localtime(recent.received_at + timedelta(hours=3))
    before = written()
    for reason in ("x" * 100_000, "Lý do\x00"):
        response = client.post(
            url(recent),
            {"action": "complete", "at": happened.strftime("%Y-%m-%dT%H:%M"), "reason": reason},
        )
        assert response.status_code == 400
    assert written() == before


def test_only_a_finish_or_a_return_can_be_dated_in_the_form(client, province):
    received = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    desk = province.officer("justice", R.DESK_OFFICER)
    d = services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=province.documents(),
        received_at=received - timedelta(days=3),
    )
    client.force_login(desk)
    happened = (received - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    before = written()
    response = client.post(url(d), {"action": "forward", "at": happened, "reason": "x"})
    assert response.status_code == 400 and written() == before


# --- The API -------------------------------------------------------------------------------


def test_the_api_takes_at_and_reason_and_refuses_a_late_entry_without_reason(province, recent):
    api = Api()
    token = make_token(province.officer("justice", R.LEADER))
    happened = timezone.localtime(recent.received_at + timedelta(hours=3)).isoformat()
    path = f"/dossiers/{recent.code}/actions/complete"
    before = written()
    response = api.post(path, {"at": happened}, token)
    assert response.status_code == 422
    error = json.loads(response.content)["error"]
    assert error["code"] == "invalid" and error["fields"] == {"reason": "invalid"}
    assert written() == before
    for bad in ("9999-12-31T00:00:00", "0001-01-01T00:00:00+07:00", "yesterday", 10**30):
        assert api.post(path, {"at": bad, "reason": "x"}, token).status_code == 422
    assert api.post(path, {"at": happened, "reason": "x" * 2001}, token).status_code == 422
    future = (timezone.now() + timedelta(days=2)).isoformat()
    refused = api.post(path, {"at": future, "reason": "x"}, token)
    assert refused.status_code == 422
    assert json.loads(refused.content)["error"]["fields"] == {"at": "invalid"}
    assert written() == before
    response = api.post(path, {"at": happened, "reason": "Nhập bù"}, token)
    assert response.status_code == 200, response.content
    event = Dossier.objects.get(pk=recent.pk).events.get(action=A.COMPLETE)
    assert event.late_entry and event.data["late_entry_reason"] == "Nhập bù"


def test_no_action_is_dated_before_the_dossier_arrived_online_or_at_the_counter(province):
    """Nothing can happen to a dossier before it arrived: not its receipt at the desk before
    it was submitted online (the desk's check of a submitted dossier), not a step before its
    receipt at the counter. Nothing is written on the refusal."""
    desk = province.officer("justice", R.DESK_OFFICER)
    submitted = submit_to_desk(province, Channel.ONLINE, received_at=at(2025, 3, 4, 9))
    assert submitted.received_at is None and submitted.submitted_at == at(2025, 3, 4, 9)
    received = at_leader(province, at(2025, 3, 3, 9))
    before = written()
    for dossier, action, when in (
        (submitted, A.RECEIVE, at(2025, 3, 4, 8, 59)),
        (received, A.COMPLETE, at(2025, 3, 3, 8)),
    ):
        with pytest.raises(services.DossierError, match="trước khi hồ sơ đến"):
            services.act(
                dossier,
                action,
                desk if action == A.RECEIVE else province.officer("justice", R.LEADER),
                at=when,
                result="Phiếu số 7",
            )
    assert written() == before
    assert Dossier.objects.get(pk=submitted.pk).status == Status.SUBMITTED
    # At the minute it arrived is not before it.
    services.act(submitted, A.RECEIVE, desk, at=at(2025, 3, 4, 9))
    assert Dossier.objects.get(pk=submitted.pk).status == Status.RECEIVED
