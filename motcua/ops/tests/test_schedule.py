"""Periodic jobs: when each runs (a table written by hand), and that several workers run a
due job once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from motcua.ops import schedule, services
from motcua.ops.models import ScheduledJob

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


@pytest.mark.parametrize(
    "timing, after, expected",
    [
        ({"every": 60}, "2026-12-06 09:00:00", "2026-12-06 09:01:00"),
        ({"every": 300}, "2026-12-31 23:58:00", "2027-01-01 00:03:00"),
        ({"daily": "00:30"}, "2026-12-06 00:29:59", "2026-12-06 00:30:00"),
        ({"daily": "00:30"}, "2026-12-06 00:30:00", "2026-12-07 00:30:00"),  # strictly after
        ({"daily": "00:30"}, "2026-12-31 23:00:00", "2027-01-01 00:30:00"),
        ({"daily": "06:00"}, "2028-02-28 07:00:00", "2028-02-29 06:00:00"),  # leap day
        ({"monthly": "1 06:00"}, "2026-12-01 05:59:00", "2026-12-01 06:00:00"),
        ({"monthly": "1 06:00"}, "2026-12-01 06:00:00", "2027-01-01 06:00:00"),
        ({"monthly": "1 06:00"}, "2026-11-15 12:00:00", "2026-12-01 06:00:00"),
        ({"monthly": "28 23:00"}, "2027-02-28 23:30:00", "2027-03-28 23:00:00"),
    ],
)
def test_next_run(timing, after, expected):
    assert schedule.next_run(timing, at(after), VN) == at(expected)


def test_next_run_in_utc_is_the_local_time():
    # 00:30 in Hà Nội is 17:30 UTC the day before.
    after = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert schedule.next_run({"daily": "00:30"}, after, VN) == at("2026-12-07 00:30:00")


@pytest.mark.parametrize(
    "timing",
    [
        {},
        {"every": 5},
        {"every": 10**12},
        {"every": "60"},
        {"daily": "24:00"},
        {"daily": "7h"},
        {"monthly": "29 06:00"},
        {"monthly": "0 06:00"},
        {"monthly": "1"},
        {"weekly": "mon"},
        {"every": 60, "daily": "01:00"},
    ],
)
def test_impossible_timings_are_refused(timing):
    with pytest.raises(schedule.BadTiming):
        schedule.check(timing)


SCHEDULE = {
    "often": {"command": ["close_unsupplemented"], "timing": {"every": 60}},
    "nightly": {"command": ["close_unsupplemented"], "timing": {"daily": "00:30"}},
}


@pytest.fixture
def jobs(settings):
    settings.OPS = {**settings.OPS, "SCHEDULE": SCHEDULE}


@pytest.mark.django_db
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_a_due_job_is_enqueued_once_and_missed_runs_collapse(jobs):
    from django_tasks_db.models import DBTaskResult

    # A fixed morning (10:00 in Hà Nội), so that "nightly" (00:30) falls outside the hour:
    # run at the wall clock, the test failed when run between 23:30 and 00:30.
    start = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
    assert services.enqueue_due(start) == []  # first sight: due at its next time
    assert ScheduledJob.objects.get(name="often").next_run_at == start + timedelta(seconds=60)
    assert services.enqueue_due(start + timedelta(seconds=59)) == []
    # A worker was away for an hour: one run, not sixty.
    later = start + timedelta(hours=1)
    assert services.enqueue_due(later) == ["often"]
    assert services.enqueue_due(later) == []  # a second worker at the same moment
    assert DBTaskResult.objects.count() == 1
    assert ScheduledJob.objects.get(name="often").next_run_at == later + timedelta(seconds=60)
    assert ScheduledJob.objects.get(name="often").last_enqueued_at == later


@pytest.mark.django_db
def test_the_job_task_runs_only_configured_commands(jobs):
    from motcua.ops.tasks import run_job

    assert run_job.call("no-such-job") == "unknown job"
    # close_unsupplemented ran and said what it closed (nothing, on an empty database)
    assert run_job.call("often") in ("0 dossier(s) closed.", "Đã kết thúc 0 hồ sơ.")
