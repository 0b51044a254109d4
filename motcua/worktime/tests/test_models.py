"""The database overrides, the project calendar, the public API and `motcua deadline`."""

from datetime import date, datetime, time
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from motcua.catalog.models import Procedure
from motcua.catalog.tests.factories import make_procedure
from motcua.org.constants import AgencyKind, Level
from motcua.org.models import Agency
from motcua.worktime import calendars, classify, due_at, intake_cutoff, transfer_due, urgency
from motcua.worktime.constants import TimelinessStatus
from motcua.worktime.core import DUE_SOON, OVERDUE, VN_TZ, WITHIN_DEADLINE
from motcua.worktime.models import CalendarException, WorkingHoursProfile

pytestmark = pytest.mark.django_db

# Citations (vn-one-stop-rules.md, section) for the table rows below.
NO_SHIFT = "Counting time: cut-offs; an ordinary deadline does not move after 15:00"
OUTSIDE = "Counting time: cut-off (c), outside working hours: the next working period"
ROLLOVER = "Counting time: cut-off (b), per-procedure same-day roll-over"
SUPPLEMENT = "vn-one-stop-rules.md, Life of a dossier 4"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def deadline_command(*args) -> str:
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue()


def make_agency(code="H22.01", name="Sở Tư pháp"):
    return Agency.objects.create(
        code=code, name=name, kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )


# --- overrides ------------------------------------------------------------------------------

OVERRIDES = [
    # kind, date, received, days, due, why
    ("day_off", "2025-03-04", "2025-03-03 10:00", 1, "2025-03-05 10:00", "new day off"),
    ("working_day", "2025-05-02", "2025-04-29 09:00", 3, "2025-05-06 09:00", "swap cancelled"),
    ("working_day", "2025-04-30", "2025-04-29 09:00", 1, "2025-04-30 09:00", "holiday cancelled"),
    ("day_off", "2025-04-26", "2025-04-25 10:00", 1, "2025-04-28 10:00", "make-up cancelled"),
    ("working_day", "2025-03-08", "2025-03-07 10:00", 1, "2025-03-08 10:00", "extra Saturday"),
    ("day_off", "2027-03-09", "2027-03-08 10:00", 1, "2027-03-10 10:00", "a later year"),
]


@pytest.mark.parametrize(("kind", "day", "received", "days", "due", "why"), OVERRIDES)
def test_database_rows_override_shipped_data_and_holidays(kind, day, received, days, due, why):
    CalendarException.objects.create(
        date=date.fromisoformat(day), kind=kind, reason=why, document_number="1/TB-TEST"
    )
    assert due_at(at(received), days) == at(due), why


def test_inactive_rows_are_ignored_and_deleting_restores_the_data():
    row = CalendarException.objects.create(
        date=date(2025, 3, 4), kind="day_off", reason="Nghỉ", active=False
    )
    assert due_at(at("2025-03-03 10:00"), 1) == at("2025-03-04 10:00")
    row.active = True
    row.save()
    assert due_at(at("2025-03-03 10:00"), 1) == at("2025-03-05 10:00")
    row.delete()
    assert due_at(at("2025-03-03 10:00"), 1) == at("2025-03-04 10:00")


def test_calendar_is_cached_until_something_changes():
    first = calendars.get_calendar()
    assert calendars.get_calendar() is first
    CalendarException.objects.create(date=date(2025, 3, 4), kind="day_off", reason="Nghỉ")
    assert calendars.get_calendar() is not first


# --- working hours --------------------------------------------------------------------------


def test_agency_profile_sets_its_hours_and_transfer_cutoff():
    agency = make_agency()
    WorkingHoursProfile.objects.create(
        agency=agency,
        morning_start=time(8),
        morning_end=time(12),
        afternoon_start=time(13),
        afternoon_end=time(17),
        cutoff=time(16),
    )
    assert due_at(at("2025-03-03 15:30"), 1, agency=agency) == at("2025-03-04 15:30")
    assert due_at(at("2025-03-03 12:30"), 1, agency=agency) == at("2025-03-04 12:00")
    assert transfer_due(at("2025-03-03 15:30"), agency=agency) == at("2025-03-03 17:00")
    assert transfer_due(at("2025-03-03 16:30"), agency=agency) == at("2025-03-04 12:00")
    # Other agencies and the default keep the province's hours and 15:00.
    assert due_at(at("2025-03-03 15:30"), 1) == at("2025-03-04 15:30")
    assert transfer_due(at("2025-03-03 15:30")) == at("2025-03-04 11:30")
    other = make_agency("H22.02", "Sở Y tế")
    assert transfer_due(at("2025-03-03 15:30"), agency=other) == at("2025-03-04 11:30")


def test_province_profile_overrides_settings():
    WorkingHoursProfile.objects.create(agency=None, cutoff=None)
    assert transfer_due(at("2025-03-03 17:00")) == at("2025-03-03 17:30")
    assert due_at(at("2025-03-03 16:00"), 1) == at("2025-03-04 16:00")


@override_settings(
    MOTCUA={
        "WORKTIME": {
            "HOURS": [("08:00", "12:00"), ("13:00", "17:00")],
            "TRANSFER_CUTOFF": "16:30",
            "DUE_SOON_FRACTION": 0.5,
            "INCLUDE_CULTURE_DAY": False,
        }
    }
)
def test_settings_configure_the_calendar():
    assert due_at(at("2025-03-03 16:00"), 1) == at("2025-03-04 16:00")
    assert transfer_due(at("2025-03-03 16:00")) == at("2025-03-03 17:00")
    assert transfer_due(at("2025-03-03 16:45")) == at("2025-03-04 12:00")
    assert due_at(at("2026-11-23 10:00"), 1) == at("2026-11-24 10:00")
    status = classify(at("2025-03-03 08:00"), 2, now=at("2025-03-04 08:00"))
    assert status.status == TimelinessStatus.DUE_SOON
    assert urgency(at("2025-03-03 08:00"), at("2025-03-05 08:00"), at("2025-03-04 08:00")) == (
        DUE_SOON
    )


def test_unknown_settings_keys_are_refused():
    with override_settings(MOTCUA={"WORKTIME": {"CUT_OFF": "15:00"}}), pytest.raises(ValueError):
        calendars.get_calendar()


def test_the_old_cutoff_key_is_refused_with_a_pointer_to_the_new_ones():
    with (
        override_settings(MOTCUA={"WORKTIME": {"CUTOFF": "15:00"}}),
        pytest.raises(ValueError, match="TRANSFER_CUTOFF"),
    ):
        calendars.get_calendar()


def test_a_wrong_online_cutoff_is_refused_when_the_calendar_is_built():
    with (
        override_settings(MOTCUA={"WORKTIME": {"ONLINE_CUTOFF": "5pm"}}),
        pytest.raises(ValueError),
    ):
        calendars.get_calendar()


# --- cut-offs for intake: the procedure's and the online one --------------------------------

INTAKE_CUTOFFS = [
    # procedure cut-off, channel, ONLINE_CUTOFF, result, rule
    (None, "counter", None, None, NO_SHIFT),
    (None, "online", None, None, OUTSIDE),
    (None, "online", "17:00", time(17), OUTSIDE),
    (None, "counter", "17:00", None, OUTSIDE),  # the online cut-off is for online only
    (time(15), "counter", "17:00", time(15), ROLLOVER),
    ("15:00", "post", None, time(15), ROLLOVER),
    (time(15), "online", "17:00", time(15), ROLLOVER),  # the earlier one
    (time(17, 30), "online", "17:00", time(17), OUTSIDE),
]


@pytest.mark.parametrize(("procedure", "channel", "online", "expected", "rule"), INTAKE_CUTOFFS)
def test_intake_cutoff(procedure, channel, online, expected, rule):
    with override_settings(MOTCUA={"WORKTIME": {"ONLINE_CUTOFF": online}}):
        assert intake_cutoff(procedure, channel) == expected, rule


def test_procedure_same_day_cutoff_feeds_the_deadline():
    certify, ordinary = make_procedure(), make_procedure()
    # Set as an admin edit would (catalog services do not carry the field yet).
    Procedure.objects.filter(pk=certify.pk).update(same_day_cutoff=time(15))
    received = at("2025-03-03 16:00")
    for procedure, due in ((certify, "2025-03-04 17:30"), (ordinary, "2025-03-04 16:00")):
        procedure.refresh_from_db()
        cutoff = intake_cutoff(procedure.same_day_cutoff, "counter")
        assert due_at(received, 1, cutoff=cutoff) == at(due), (ROLLOVER, NO_SHIFT)


@override_settings(MOTCUA={"WORKTIME": {"ONLINE_CUTOFF": "17:00"}})
def test_online_dossier_after_the_online_cutoff_counts_from_the_next_working_day():
    received = at("2025-03-03 17:10")
    assert due_at(received, 1, cutoff=intake_cutoff(None, "online")) == at("2025-03-04 17:30")
    assert due_at(received, 1, cutoff=intake_cutoff(None, "counter")) == at("2025-03-04 17:10")


# --- urgency --------------------------------------------------------------------------------


def test_urgency_is_cheap_and_none_safe(django_assert_num_queries):
    calendars.get_calendar()  # built once; then no query per row
    received, due = at("2025-03-03 10:00"), at("2025-03-10 10:00")
    with django_assert_num_queries(0):
        assert urgency(received, None, at("2025-03-20 10:00")) == WITHIN_DEADLINE
        assert urgency(received, due, at("2025-03-06 17:00")) == WITHIN_DEADLINE
        assert urgency(received, due, at("2025-03-07 10:00")) == DUE_SOON
        assert urgency(received, due, at("2025-03-11 10:00")) == OVERDUE
        paused_at = at("2025-03-04 10:00")
        assert urgency(received, due, at("2025-03-11 10:00"), paused=paused_at) == (WITHIN_DEADLINE)


def test_another_processs_change_is_seen_after_the_poll(monkeypatch):
    first = calendars.get_calendar()
    calendars.cache.set(calendars.GENERATION_KEY, "changed elsewhere", timeout=None)
    assert calendars.get_calendar() is first  # within the poll interval
    monkeypatch.setattr(calendars, "_generation", (0.0, calendars._generation[1]))
    assert calendars.get_calendar() is not first


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"afternoon_end": None}, "both"),
        ({"morning_end": time(14)}, "overlap"),
    ],
)
def test_profile_validation(fields, message):
    profile = WorkingHoursProfile(agency=make_agency(), **fields)
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        profile.full_clean()


def test_only_one_active_province_profile():
    WorkingHoursProfile.objects.create(agency=None)
    with translation.override("en"), pytest.raises(ValidationError, match="whole province"):
        WorkingHoursProfile(agency=None).full_clean()


# --- public API -----------------------------------------------------------------------------


def test_public_api_due_and_timeliness():
    received = at("2025-01-24 10:00")
    assert due_at(received, 5) == at("2025-02-07 10:00")
    finished = classify(received, 5, finished_at=at("2025-02-07 09:00"))
    assert finished.status == TimelinessStatus.ON_TIME
    assert TimelinessStatus(finished.status).label
    # Timeliness by date: later the same day is still on time, the next day late.
    assert classify(received, 5, finished_at=at("2025-02-07 16:00")).status == "on_time"
    assert classify(received, 5, finished_at=at("2025-02-10 08:00")).status == "late"
    assert classify(received, 5, now=at("2025-02-10 08:00")).status == TimelinessStatus.OVERDUE
    pauses = [(at("2025-02-04 10:00"), at("2025-02-10 07:30"))]
    restarted = classify(received, 5, now=at("2025-02-10 08:00"), pauses=pauses)
    assert restarted.status == TimelinessStatus.WITHIN_DEADLINE
    assert restarted.due_at == at("2025-02-14 17:30"), SUPPLEMENT  # 5 days from Mon 07:30
    kept = classify(
        received, 5, now=at("2025-02-10 08:00"), pauses=pauses, restart_on_supplement=False
    )
    assert kept.due_at == at("2025-02-12 17:30"), SUPPLEMENT  # 16 h used, 24 h from Monday


# --- the deadline command -------------------------------------------------------------------


def test_deadline_command_prints_iso_due_instant():
    out = deadline_command("--start", "2025-01-24T10:00", "--days", "5")
    assert out.strip() == "2025-02-07T10:00:00+07:00"


PAUSE = ["--pause", "2025-03-05T10:00/2025-03-07T10:00"]
START = ["--start", "2025-03-03T10:00", "--days", "5"]
COMMAND_CASES = [
    # arguments, first line printed, rule
    (["--start", "2025-03-03T16:00", "--days", "1"], "2025-03-04T16:00:00+07:00", NO_SHIFT),
    (["--start", "2025-01-24T16:00", "--days", "5"], "2025-02-07T16:00:00+07:00", NO_SHIFT),
    (["--start", "2025-01-24T16:00", "--hours", "4"], "2025-02-03T10:00:00+07:00", NO_SHIFT),
    (["--start", "2025-01-24T12:00", "--days", "5"], "2025-02-07T11:30:00+07:00", OUTSIDE),
    (["--start", "2025-01-24T21:00", "--days", "5"], "2025-02-07T17:30:00+07:00", OUTSIDE),
    (
        ["--start", "2025-01-24T03:00:00+00:00", "--days", "5"],
        "2025-02-07T10:00:00+07:00",
        "Counting time: working days (UTC input)",
    ),
    (
        ["--start", "2025-03-03T16:00", "--days", "1", "--cutoff", "15:00"],
        "2025-03-04T17:30:00+07:00",
        ROLLOVER,
    ),
    (
        ["--start", "2025-03-03T14:00", "--days", "1", "--cutoff", "15:00"],
        "2025-03-04T14:00:00+07:00",
        ROLLOVER,
    ),
    ([*START, *PAUSE], "2025-03-14T10:00:00+07:00", SUPPLEMENT),
    ([*START, *PAUSE, "--supplement", "restart"], "2025-03-14T10:00:00+07:00", SUPPLEMENT),
    ([*START, *PAUSE, "--supplement", "pause"], "2025-03-12T10:00:00+07:00", SUPPLEMENT),
    ([*START, *PAUSE, "--restart-on-supplement"], "2025-03-14T10:00:00+07:00", SUPPLEMENT),
    (
        [*START, "--pause", "2025-03-05T10:00/"],
        "No due instant while the pause is open.",
        SUPPLEMENT,
    ),
]


@pytest.mark.parametrize(("args", "expected", "rule"), COMMAND_CASES)
def test_deadline_command_cases(args, expected, rule):
    with translation.override("en"):
        assert deadline_command(*args).splitlines()[0] == expected, rule


def test_supplement_option_is_documented_and_the_old_flag_hidden():
    from motcua.worktime.management.commands.deadline import Command

    text = Command().create_parser("motcua", "deadline").format_help()
    assert "--supplement {restart,pause}" in text and "--cutoff HH:MM" in text
    assert "--restart-on-supplement" not in text


def test_deadline_command_explains_each_skipped_day():
    out = deadline_command("--start", "2025-04-25T10:00", "--days", "3", "--explain")
    lines = out.splitlines()
    assert lines[0] == "2025-04-29T10:00:00+07:00"
    by_day = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert "8726/VPCP-KGVX" in by_day["2025-04-26"]  # make-up Saturday, counted
    assert "2025-04-27" in by_day  # Sunday
    assert "2025-04-28" not in by_day  # an ordinary working day
    long = deadline_command("--start", "2025-01-24T10:00", "--days", "5", "--explain")
    assert "Tết Nguyên Đán" in long and "2025-01-29" in long


def test_deadline_command_explains_overrides_and_uses_agency_hours():
    agency = make_agency()
    WorkingHoursProfile.objects.create(
        agency=agency, morning_start=time(8), morning_end=time(12), cutoff=None
    )
    CalendarException.objects.create(
        date=date(2025, 3, 4), kind="day_off", reason="Nghỉ bão", document_number="12/QĐ-UBND"
    )
    out = deadline_command(
        "--start", "2025-03-03T09:00", "--days", "1", "--agency", agency.code, "--explain"
    )
    assert out.splitlines()[0] == "2025-03-05T09:00:00+07:00"
    assert "12/QĐ-UBND" in out and "Nghỉ bão" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--start", "2025-01-24T10:00", "--days", "5", "--agency", "NO-SUCH"],
        ["--start", "24/01/2025", "--days", "5"],
        ["--start", "2025-01-24T10:00", "--days", "0"],
        ["--start", "2025-01-24T10:00", "--days", "-3"],
        ["--start", "2025-01-24T10:00", "--days", "5", "--pause", "2025-01-27T10:00"],
        ["--start", "2025-01-24T10:00", "--days", "1", "--cutoff", "3pm"],
        ["--start", "2025-01-24T10:00", "--days", "1", "--cutoff", "15:00+07:00"],
        [*START, *PAUSE, "--supplement", "pause", "--restart-on-supplement"],
    ],
)
def test_deadline_command_errors(args):
    with pytest.raises(CommandError):
        deadline_command(*args)


HOSTILE = [
    ["--start", "0001-01-01T10:00", "--days", "1"],
    ["--start", "0001-01-01T00:00:00+14:00", "--days", "1"],
    ["--start", "9999-12-31T10:00", "--days", "1"],
    ["--start", "9999-12-31T23:59:59-12:00", "--hours", "1"],
    ["--start", "9999-06-01T10:00", "--days", "1", "--explain"],
    ["--start", "2025-03-03T10:00", "--days", "1e12"],
    ["--start", "2025-03-03T10:00", "--hours", "1e300"],
    ["--start", "2025-03-03T10:00", "--days", "1e400"],  # inf
    ["--start", "2025-03-03T10:00", "--days", "nan"],
    ["--start", "2025-03-03T10:00", "--days", "36601"],  # beyond MAX_WORKING_DAYS
    ["--start", "2025-03-03T10:00\x00", "--days", "1"],
    ["--start", "\x00", "--days", "1"],
    ["--start", "2025-03-03T10:00", "--days", "1", "--cutoff", "15:00\x00"],
    ["--start", "2025-03-03T10:00", "--days", "1", "--pause", "2025-03-04T10:00\x00/"],
    ["--start", "2025-03-03T10:00", "--days", "1", "--agency", "H22\x00"],
    ["--start", "2025-03-03T10:00", "--days", "1", "--pause", "9999-12-31T10:00/"],
    ["--start", "2025-03-03T10:00", "--days", "1", "--cutoff", "9" * 10_000],
]


@pytest.mark.parametrize("args", HOSTILE)
def test_deadline_command_hostile_values_give_a_clear_message(args):
    with translation.override("en"), pytest.raises(CommandError) as caught:
        deadline_command(*args)
    message = str(caught.value)
    assert message and "Traceback" not in message
    assert any(
        word in message
        for word in ("positive", "ISO 8601", "time of day", "computed", "No agency", "pause")
    ), message


def test_deadline_command_long_but_legal_duration_is_fast_and_exact():
    out = deadline_command("--start", "2025-03-03T10:00", "--days", "36600")
    due = datetime.fromisoformat(out.strip())
    assert calendars.get_calendar().elapsed(at("2025-03-03 10:00"), due).total_seconds() == (
        36600 * 8 * 3600
    )


# --- admin ----------------------------------------------------------------------------------


def test_admin_pages_render(admin_client):
    CalendarException.objects.create(date=date(2027, 2, 8), kind="day_off", reason="Tết 2027")
    WorkingHoursProfile.objects.create(agency=None)
    for url in (
        "/admin/worktime/calendarexception/",
        "/admin/worktime/calendarexception/add/",
        "/admin/worktime/workinghoursprofile/",
        "/admin/worktime/workinghoursprofile/add/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_procedure_admin_shows_the_same_day_rollover_time(admin_client):
    procedure = make_procedure()
    page = admin_client.get(f"/admin/catalog/procedure/{procedure.pk}/change/")
    assert page.status_code == 200
    assert 'name="same_day_cutoff"' in page.content.decode()


def test_supervisor_adds_next_years_day_off_in_admin(admin_client):
    response = admin_client.post(
        "/admin/worktime/calendarexception/add/",
        {
            "date": "2027-03-09",
            "kind": "day_off",
            "reason": "Nghỉ theo thông báo năm 2027",
            "document_number": "Thông báo 1/TB-BNV",
            "document_date": "2026-10-01",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert due_at(at("2027-03-08 10:00"), 1) == at("2027-03-10 10:00")
