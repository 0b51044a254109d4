"""The database overrides, the project calendar, the public API and `motcua deadline`."""

from datetime import date, datetime, time
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from motcua.org.constants import AgencyKind, Level
from motcua.org.models import Agency
from motcua.worktime import calendars, classify, due_at
from motcua.worktime.constants import TimelinessStatus
from motcua.worktime.core import VN_TZ
from motcua.worktime.models import CalendarException, WorkingHoursProfile

pytestmark = pytest.mark.django_db


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


def test_agency_profile_sets_its_hours_and_cutoff():
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
    # Other agencies and the default keep the province's hours.
    assert due_at(at("2025-03-03 15:30"), 1) == at("2025-03-04 17:30")
    assert due_at(at("2025-03-03 15:30"), 1, agency=make_agency("H22.02", "Sở Y tế")) == at(
        "2025-03-04 17:30"
    )


def test_province_profile_overrides_settings():
    WorkingHoursProfile.objects.create(agency=None, cutoff=None)
    assert due_at(at("2025-03-03 16:00"), 1) == at("2025-03-04 16:00")


@override_settings(
    MOTCUA={
        "WORKTIME": {
            "HOURS": [("08:00", "12:00"), ("13:00", "17:00")],
            "CUTOFF": "16:30",
            "DUE_SOON_FRACTION": 0.5,
            "INCLUDE_CULTURE_DAY": False,
        }
    }
)
def test_settings_configure_the_calendar():
    assert due_at(at("2025-03-03 16:00"), 1) == at("2025-03-04 16:00")
    assert due_at(at("2026-11-23 10:00"), 1) == at("2026-11-24 10:00")
    status = classify(at("2025-03-03 08:00"), 2, now=at("2025-03-04 08:00"))
    assert status.status == TimelinessStatus.DUE_SOON


def test_unknown_settings_keys_are_refused():
    with override_settings(MOTCUA={"WORKTIME": {"CUT_OFF": "15:00"}}), pytest.raises(ValueError):
        calendars.get_calendar()


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
    assert classify(received, 5, now=at("2025-02-10 08:00")).status == TimelinessStatus.OVERDUE
    paused = classify(
        received,
        5,
        now=at("2025-02-10 08:00"),
        pauses=[(at("2025-02-04 10:00"), at("2025-02-10 07:30"))],
    )
    assert paused.status == TimelinessStatus.WITHIN_DEADLINE
    assert paused.due_at == at("2025-02-12 17:30")  # 16 h used, 24 h from Monday 07:30


# --- the deadline command -------------------------------------------------------------------


def test_deadline_command_prints_iso_due_instant():
    out = deadline_command("--start", "2025-01-24T10:00", "--days", "5")
    assert out.strip() == "2025-02-07T10:00:00+07:00"


COMMAND_CASES = [
    (["--start", "2025-01-24T16:00", "--days", "5"], "2025-02-07T17:30:00+07:00"),
    (["--start", "2025-01-24T16:00", "--hours", "4"], "2025-02-03T11:30:00+07:00"),
    (["--start", "2025-01-24T12:00", "--days", "5"], "2025-02-07T11:30:00+07:00"),
    (["--start", "2025-01-24T03:00:00+00:00", "--days", "5"], "2025-02-07T10:00:00+07:00"),
    (
        [
            "--start",
            "2025-03-03T10:00",
            "--days",
            "5",
            "--pause",
            "2025-03-05T10:00/2025-03-07T10:00",
        ],
        "2025-03-12T10:00:00+07:00",
    ),
    (
        [
            "--start",
            "2025-03-03T10:00",
            "--days",
            "5",
            "--pause",
            "2025-03-05T10:00/2025-03-07T10:00",
            "--restart-on-supplement",
        ],
        "2025-03-14T10:00:00+07:00",
    ),
]


@pytest.mark.parametrize(("args", "expected"), COMMAND_CASES)
def test_deadline_command_cases(args, expected):
    assert deadline_command(*args).splitlines()[0] == expected


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
        ["--start", "2025-01-24T10:00", "--days", "5", "--pause", "2025-01-27T10:00"],
    ],
)
def test_deadline_command_errors(args):
    with pytest.raises(CommandError):
        deadline_command(*args)


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
