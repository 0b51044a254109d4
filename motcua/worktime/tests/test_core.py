"""The pure working-time core: known cases, pauses, timeliness, properties. No database."""

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.worktime import core
from motcua.worktime.core import (
    DAY_OFF,
    DUE_SOON,
    EARLY,
    LATE,
    ON_TIME,
    OVERDUE,
    VN_TZ,
    WITHIN_DEADLINE,
    WORKING_DAY,
    Calendar,
    DayNote,
    WorkingHours,
    classify_finished,
)
from motcua.worktime.vn import build_calendar

ROOT = Path(__file__).resolve().parents[3]
CAL = build_calendar()
NO_CULTURE_DAY = build_calendar(include_culture_day=False)
US = timedelta(microseconds=1)


def at(text: str) -> datetime:
    """'2025-01-24 10:00' in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


# Citations: each table row names the rule it checks (vn-one-stop-rules.md, section).
DAYS_RULE = "Counting time: working days"
HOURS_RULE = "Counting time: working hours"
NO_SHIFT = "Counting time: cut-offs; an ordinary deadline does not move after 15:00"
OUTSIDE = "Counting time: cut-off (c), outside working hours: the next working period"
ROLLOVER = "Counting time: cut-off (b), per-procedure same-day roll-over"
TRANSFER = "Life of a dossier 2 / Counting time: cut-off (a), transfer"
SUPPLEMENT = "vn-one-stop-rules.md, Life of a dossier 4"
TIMELINESS = "Counting time: timeliness by date (last bullet); Life of a dossier 6"


# --- known deadlines ------------------------------------------------------------------------

DEADLINES = [
    # received, amount, unit, due, why, rule
    ("2025-01-24 10:00", 5, "days", "2025-02-07 10:00", "Tết 2025: 25/1–2/2 off", DAYS_RULE),
    ("2025-01-24 15:00", 5, "days", "2025-02-07 15:00", "at 15:00: same time", NO_SHIFT),
    ("2025-01-24 15:00:01", 5, "days", "2025-02-07 15:00:01", "after 15:00", NO_SHIFT),
    ("2025-01-24 16:00", 5, "days", "2025-02-07 16:00", "16:00: due at 16:00", NO_SHIFT),
    ("2025-03-03 16:00", 1, "days", "2025-03-04 16:00", "16:00 + 1 day", NO_SHIFT),
    ("2025-03-03 17:29", 1, "days", "2025-03-04 17:29", "last minute of the day", NO_SHIFT),
    ("2025-03-07 16:00", 1, "days", "2025-03-10 16:00", "Friday 16:00 to Monday", NO_SHIFT),
    ("2025-01-24 12:00", 5, "days", "2025-02-07 11:30", "lunch: from 13:30", OUTSIDE),
    ("2025-01-24 21:00", 5, "days", "2025-02-07 17:30", "night", OUTSIDE),
    ("2025-01-24 06:00", 5, "days", "2025-02-06 17:30", "before work: Friday whole", OUTSIDE),
    ("2025-01-25 09:00", 5, "days", "2025-02-07 17:30", "Saturday before Tết", OUTSIDE),
    ("2025-03-03 07:30", 1, "days", "2025-03-03 17:30", "never 07:30 next day", DAYS_RULE),
    ("2025-03-07 10:00", 5, "days", "2025-03-14 10:00", "Friday to Friday", DAYS_RULE),
    ("2025-04-04 10:00", 1, "days", "2025-04-08 10:00", "Giỗ Tổ 2025 (Mon 7/4)", DAYS_RULE),
    ("2025-04-25 10:00", 1, "days", "2025-04-26 10:00", "make-up Saturday 26/4", DAYS_RULE),
    ("2025-04-29 09:00", 3, "days", "2025-05-07 09:00", "30/4, 1/5, 2/5, weekend", DAYS_RULE),
    ("2025-08-29 10:00", 1, "days", "2025-09-03 10:00", "Quốc khánh 2025: 1–2/9", DAYS_RULE),
    ("2024-04-26 10:00", 2, "days", "2024-05-03 10:00", "swap 29/4/2024, 30/4, 1/5", DAYS_RULE),
    ("2024-04-26 10:00", 3, "days", "2024-05-04 10:00", "make-up Saturday 4/5/2024", DAYS_RULE),
    ("2018-12-28 10:00", 1, "days", "2019-01-02 10:00", "swap 31/12/2018, 1/1/2019", DAYS_RULE),
    ("2019-01-04 10:00", 1, "days", "2019-01-05 10:00", "make-up Saturday 5/1/2019", DAYS_RULE),
    ("2019-09-02 08:00", 1, "days", "2019-09-03 17:30", "2/9/2019 on a Monday", DAYS_RULE),
    ("2023-04-28 10:00", 1, "days", "2023-05-04 10:00", "Giỗ Tổ Sat, 30/4 Sun: 2–3/5", DAYS_RULE),
    ("2025-12-31 10:00", 1, "days", "2026-01-05 10:00", "1/1/2026 and swapped 2/1", DAYS_RULE),
    ("2026-01-09 14:00", 1, "days", "2026-01-10 14:00", "make-up Saturday 10/1/2026", DAYS_RULE),
    ("2026-02-13 09:00", 1, "days", "2026-02-23 09:00", "Tết 2026: 14–22/2 off", DAYS_RULE),
    ("2026-04-24 10:00", 1, "days", "2026-04-28 10:00", "Giỗ Tổ 26/4/2026 Sun: 27/4", DAYS_RULE),
    ("2026-08-28 10:00", 1, "days", "2026-09-03 10:00", "swap 31/8/2026, 1–2/9", DAYS_RULE),
    ("2026-08-21 10:00", 1, "days", "2026-08-22 10:00", "make-up Saturday 22/8/2026", DAYS_RULE),
    ("2026-11-23 10:00", 1, "days", "2026-11-25 10:00", "Ngày Văn hóa Việt Nam 24/11", DAYS_RULE),
    ("2025-01-24 16:00", 4, "hours", "2025-02-03 10:00", "hours: 1.5 Friday + 2.5", NO_SHIFT),
    ("2025-03-03 10:00", 4, "hours", "2025-03-03 16:00", "hours across lunch", HOURS_RULE),
    ("2025-03-03 07:30", 4, "hours", "2025-03-03 11:30", "hours: end of morning", HOURS_RULE),
    ("2025-03-03 10:00", 0.5, "days", "2025-03-03 16:00", "half a day across lunch", DAYS_RULE),
    ("2025-03-03 10:00", 30, "days", "2025-04-15 10:00", "30 days across Giỗ Tổ", DAYS_RULE),
]


@pytest.mark.parametrize(("received", "amount", "unit", "due", "why", "rule"), DEADLINES)
def test_known_deadlines(received, amount, unit, due, why, rule):
    assert CAL.due_at(at(received), amount, unit) == at(due), (why, rule)
    assert CAL.deadline(at(received), amount, unit).due_at == at(due), (why, rule)


# Same-day roll-over (b): the procedure's time (or an online cut-off, (c)) is passed.
ROLLOVERS = [
    # received, amount, unit, cutoff, due, why
    ("2025-03-03 15:00", 1, "days", "15:00", "2025-03-04 15:00", "at the cut-off: not after"),
    ("2025-03-03 15:00:01", 1, "days", "15:00", "2025-03-04 17:30", "after: from Tuesday"),
    ("2025-03-03 16:00", 1, "days", "15:00", "2025-03-04 17:30", "copy certified at 16:00"),
    ("2025-03-03 16:00", 1, "days", None, "2025-03-04 16:00", "no roll-over given"),
    ("2025-01-24 16:00", 5, "days", "15:00", "2025-02-07 17:30", "before Tết"),
    ("2025-04-25 16:00", 1, "days", "15:00", "2025-04-26 17:30", "to make-up Saturday"),
    ("2025-03-08 16:00", 1, "days", "15:00", "2025-03-10 17:30", "Saturday: next period"),
    ("2025-03-03 12:00", 1, "days", "15:00", "2025-03-04 11:30", "lunch before cut-off"),
    ("2025-01-24 16:00", 4, "hours", "15:00", "2025-02-03 11:30", "working hours"),
    ("2025-03-03 10:30", 4, "hours", "11:00", "2025-03-03 16:30", "earlier cut-off"),
    ("2025-03-03 11:15", 4, "hours", "11:00", "2025-03-04 11:30", "after an 11:00 cut-off"),
    ("2025-03-03 17:10", 1, "days", "17:00", "2025-03-04 17:30", "online after 17:00"),
    ("2025-03-03 17:10", 1, "days", None, "2025-03-04 17:10", "online, no cut-off set"),
]


@pytest.mark.parametrize(("received", "amount", "unit", "cutoff", "due", "why"), ROLLOVERS)
def test_same_day_rollover(received, amount, unit, cutoff, due, why):
    rule = ROLLOVER
    assert CAL.due_at(at(received), amount, unit, cutoff=cutoff) == at(due), (why, rule)
    kept = CAL.deadline(at(received), amount, unit, cutoff=cutoff)
    assert kept.due_at == at(due), (why, rule)
    status = CAL.classify(at(received), amount, unit, cutoff=cutoff, finished_at=at(due))
    assert status.due_at == at(due), (why, rule)


def test_cutoff_accepts_a_time_and_a_calendar_default():
    assert CAL.due_at(at("2025-03-03 16:00"), 1, cutoff=time(15)) == at("2025-03-04 17:30")
    rolled = Calendar(cutoff="15:00")
    assert rolled.due_at(at("2025-03-03 16:00"), 1) == at("2025-03-04 17:30")
    assert rolled.due_at(at("2025-03-03 16:00"), 1, cutoff="16:30") == at("2025-03-04 16:00")
    with pytest.raises(ValueError):
        CAL.due_at(at("2025-03-03 16:00"), 1, cutoff="quarter past")


def test_culture_day_can_be_switched_off():
    assert NO_CULTURE_DAY.due_at(at("2026-11-23 10:00"), 1) == at("2026-11-24 10:00")
    assert not CAL.is_working_day(date(2026, 11, 24))
    assert NO_CULTURE_DAY.is_working_day(date(2026, 11, 24))


def test_due_instant_is_iso_with_vietnam_offset():
    due = CAL.due_at(at("2025-01-24 10:00"), 5)
    assert due.isoformat() == "2025-02-07T10:00:00+07:00"


def test_naive_input_is_local_time_and_other_zones_are_converted():
    naive = datetime(2025, 1, 24, 10, 0)
    utc = datetime(2025, 1, 24, 3, 0, tzinfo=UTC)
    assert CAL.due_at(naive, 5) == CAL.due_at(utc, 5) == at("2025-02-07 10:00")
    assert CAL.due_at(naive, 5).tzinfo is VN_TZ


COUNTING_STARTS = [
    # received, cutoff, counting starts, rule
    ("2025-03-03 10:00", None, "2025-03-03 10:00", DAYS_RULE),
    ("2025-03-03 07:29", None, "2025-03-03 07:30", OUTSIDE),
    ("2025-03-03 11:30", None, "2025-03-03 13:30", OUTSIDE),
    ("2025-03-03 12:00", None, "2025-03-03 13:30", OUTSIDE),
    ("2025-03-03 15:00", None, "2025-03-03 15:00", NO_SHIFT),
    ("2025-03-03 15:01", None, "2025-03-03 15:01", NO_SHIFT),
    ("2025-03-03 17:29", None, "2025-03-03 17:29", NO_SHIFT),
    ("2025-03-03 17:30", None, "2025-03-04 07:30", OUTSIDE),
    ("2025-03-07 16:00", None, "2025-03-07 16:00", NO_SHIFT),
    ("2025-03-07 18:00", None, "2025-03-10 07:30", OUTSIDE),
    ("2025-03-08 10:00", None, "2025-03-10 07:30", OUTSIDE),
    ("2025-01-24 21:00", None, "2025-02-03 07:30", OUTSIDE),  # before Tết
    ("2025-03-03 15:00", "15:00", "2025-03-03 15:00", ROLLOVER),
    ("2025-03-03 15:01", "15:00", "2025-03-04 07:30", ROLLOVER),
    ("2025-03-07 16:00", "15:00", "2025-03-10 07:30", ROLLOVER),
    ("2025-04-25 16:00", "15:00", "2025-04-26 07:30", ROLLOVER),  # make-up Saturday
    ("2025-01-24 16:00", "15:00", "2025-02-03 07:30", ROLLOVER),  # before Tết
]


@pytest.mark.parametrize(("received", "cutoff", "start", "rule"), COUNTING_STARTS)
def test_intake_rule(received, cutoff, start, rule):
    assert CAL.counting_start(at(received), cutoff=cutoff) == at(start), rule


# --- transfer cut-off (a) -------------------------------------------------------------------

TRANSFERS = [
    # received, transfer due, why
    ("2025-03-03 10:00", "2025-03-03 17:30", "in working time before 15:00: that day"),
    ("2025-03-03 15:00", "2025-03-03 17:30", "at the cut-off: that day"),
    ("2025-03-03 15:00:01", "2025-03-04 11:30", "after the cut-off: start of next day"),
    ("2025-03-03 16:00", "2025-03-04 11:30", "after the cut-off"),
    ("2025-03-03 18:00", "2025-03-04 11:30", "evening: start of next day"),
    ("2025-03-03 07:00", "2025-03-03 11:30", "before work: start of that working day"),
    ("2025-03-03 12:00", "2025-03-03 17:30", "lunch: as if at 13:30, before the cut-off"),
    ("2025-03-07 16:00", "2025-03-10 11:30", "Friday after 15:00: Monday"),
    ("2025-03-08 10:00", "2025-03-10 11:30", "Saturday: Monday's start"),
    ("2025-01-24 16:00", "2025-02-03 11:30", "before Tết 2025"),
    ("2025-04-25 16:00", "2025-04-26 11:30", "make-up Saturday 26/4/2025"),
]


@pytest.mark.parametrize(("received", "due", "why"), TRANSFERS)
def test_transfer_due(received, due, why):
    assert CAL.transfer_due(at(received)) == at(due), (why, TRANSFER)


def test_transfer_cutoff_is_configurable_and_never_moves_the_deadline():
    none = Calendar(transfer_cutoff=None)
    assert none.transfer_due(at("2025-03-03 17:00")) == at("2025-03-03 17:30")
    assert none.transfer_due(at("2025-03-03 18:00")) == at("2025-03-04 11:30")
    noon = Calendar(transfer_cutoff="12:00")
    assert noon.transfer_due(at("2025-03-03 11:00")) == at("2025-03-03 17:30")
    assert noon.transfer_due(at("2025-03-03 12:30")) == at("2025-03-04 11:30")  # lunch
    single = Calendar(hours="07:00-11:00")
    assert single.transfer_due(at("2025-03-03 10:00")) == at("2025-03-03 11:00")
    # The transfer cut-off is not a counting rule.
    for cal in (CAL, none, noon):
        assert cal.due_at(at("2025-03-03 16:00"), 1) == at("2025-03-04 16:00"), TRANSFER


def test_working_hours_are_configurable():
    hours = WorkingHours.parse("08:00-12:00,13:00-17:00")
    cal = Calendar(hours=hours)
    assert hours.day == timedelta(hours=8)
    assert cal.due_at(at("2025-03-03 12:30"), 1) == at("2025-03-04 12:00")
    # 16:00–17:00 and 08:00–09:00 (NO_SHIFT: 16:00 is not rolled over)
    assert cal.due_at(at("2025-03-03 16:00"), 2, "hours") == at("2025-03-04 09:00")
    # A shorter day is still one working day.
    short = Calendar(hours=[("07:00", "11:00")])
    assert short.hours.day == timedelta(hours=4)
    assert short.due_at(at("2025-03-03 09:00"), 1) == at("2025-03-04 09:00")


@pytest.mark.parametrize(
    "spec",
    [[], [("11:30", "07:30")], [("07:30", "12:00"), ("11:00", "17:00")], "07:30"],
)
def test_invalid_working_hours_are_refused(spec):
    with pytest.raises(ValueError):
        WorkingHours.parse(spec)


def test_invalid_durations_are_refused():
    with pytest.raises(ValueError):
        CAL.due_at(at("2025-03-03 10:00"), 0)
    with pytest.raises(ValueError):
        CAL.due_at(at("2025-03-03 10:00"), 1, "weeks")
    with pytest.raises(TypeError):
        CAL.due_at(date(2025, 3, 3), 1)


# --- elapsed --------------------------------------------------------------------------------

ELAPSED = [
    ("2025-01-24 10:00", "2025-02-03 10:00", timedelta(hours=8)),
    ("2025-03-03 10:00", "2025-03-03 14:00", timedelta(hours=2)),
    ("2025-03-03 12:00", "2025-03-03 13:00", timedelta(0)),
    ("2025-03-08 08:00", "2025-03-09 17:00", timedelta(0)),
    ("2025-04-25 17:30", "2025-04-26 17:30", timedelta(hours=8)),
    ("2025-03-03 14:00", "2025-03-03 10:00", -timedelta(hours=2)),
]


@pytest.mark.parametrize(("a", "b", "expected"), ELAPSED)
def test_known_elapsed(a, b, expected):
    assert CAL.elapsed(at(a), at(b)) == expected


# --- pauses ---------------------------------------------------------------------------------

PAUSES = [
    # received, days, pauses, supplement, due, why (rule: SUPPLEMENT unless said)
    ("2025-03-03 10:00", 5, [], "restart", "2025-03-10 10:00", "no pause"),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-05 10:00", "2025-03-07 10:00")],
        "default",
        "2025-03-14 10:00",
        "restart from zero by default: 5 days from Friday 10:00",
    ),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-05 10:00", "2025-03-07 10:00")],
        "restart",
        "2025-03-14 10:00",
        "restart, asked for explicitly",
    ),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-05 10:00", "2025-03-07 10:00")],
        "pause",
        "2025-03-12 10:00",
        "per-procedure pause: 16 h used are kept, 24 h from Friday 10:00",
    ),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-05 10:00", "2025-03-07 16:00")],
        "pause",
        "2025-03-12 16:00",
        "supplement at 16:00: the clock resumes at 16:00 (NO_SHIFT)",
    ),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-05 10:00", "2025-03-07 16:00")],
        "default",
        "2025-03-14 16:00",
        "supplement at 16:00: 5 days from 16:00 (NO_SHIFT)",
    ),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-04 10:00", "2025-03-05 10:00"), ("2025-03-06 10:00", "2025-03-07 10:00")],
        "pause",
        "2025-03-12 10:00",
        "two pauses of one day each, time kept",
    ),
    (
        "2025-03-03 10:00",
        5,
        [("2025-03-04 10:00", "2025-03-05 10:00"), ("2025-03-06 10:00", "2025-03-07 10:00")],
        "default",
        "2025-03-14 10:00",
        "two pauses: the last supplement restarts the limit",
    ),
    (
        "2025-03-03 10:00",
        1,
        [("2025-03-04 11:00", "2025-03-06 10:00")],
        "default",
        "2025-03-04 10:00",
        "the pause began after the time ran out: it changes nothing",
    ),
    (
        "2025-01-22 10:00",
        3,
        [("2025-01-23 10:00", "2025-02-04 10:00")],
        "pause",
        "2025-02-06 10:00",
        "paused over Tết 2025: the holidays were not working time anyway",
    ),
    (
        "2025-01-22 10:00",
        3,
        [("2025-01-23 10:00", "2025-02-04 10:00")],
        "default",
        "2025-02-07 10:00",
        "over Tết 2025, restarted: 3 days from Tuesday 4/2",
    ),
    (
        "2025-03-03 16:00",
        1,
        [("2025-03-03 16:30", "2025-03-05 09:00")],
        "pause",
        "2025-03-06 08:30",
        "received 16:00 (NO_SHIFT), 0.5 h used, 7.5 h from Wednesday 09:00",
    ),
    (
        "2025-03-03 16:00",
        1,
        [("2025-03-03 16:30", "2025-03-05 09:00")],
        "default",
        "2025-03-06 09:00",
        "received 16:00, restarted Wednesday 09:00",
    ),
]


@pytest.mark.parametrize(("received", "days", "pauses", "supplement", "due", "why"), PAUSES)
def test_known_pauses(received, days, pauses, supplement, due, why):
    intervals = [(at(p), at(r)) for p, r in pauses]
    kwargs = {} if supplement == "default" else {"restart_on_supplement": supplement == "restart"}
    result = CAL.due_at(at(received), days, pauses=intervals, **kwargs)
    assert result == at(due), (why, SUPPLEMENT)


def test_a_supplement_after_the_rollover_time_restarts_next_working_day():
    pauses = [(at("2025-03-03 16:30"), at("2025-03-05 16:00"))]
    due = CAL.due_at(at("2025-03-03 16:00"), 1, pauses=pauses, cutoff="15:00")
    assert due == at("2025-03-06 17:30"), (ROLLOVER, SUPPLEMENT)


def test_open_pause_has_no_due_instant_and_freezes_the_clock():
    deadline = CAL.deadline(at("2025-03-03 10:00"), 5, pauses=[(at("2025-03-05 10:00"), None)])
    assert deadline.due_at is None
    assert deadline.paused
    assert deadline.used(at("2025-03-20 10:00")) == timedelta(hours=16)
    status = deadline.status(now=at("2025-03-20 10:00"))
    assert status.status == WITHIN_DEADLINE
    assert status.remaining == timedelta(hours=24)


def test_used_time_counts_only_since_the_restart():
    pauses = [(at("2025-03-05 10:00"), at("2025-03-07 10:00"))]
    keep = CAL.deadline(at("2025-03-03 10:00"), 5, pauses=pauses, restart_on_supplement=False)
    restart = CAL.deadline(at("2025-03-03 10:00"), 5, pauses=pauses)
    now = at("2025-03-07 14:00")
    assert keep.used(now) == timedelta(hours=16 + 1.5 + 0.5)
    assert restart.used(now) == timedelta(hours=2)
    assert restart.used(at("2025-03-06 10:00")) == timedelta(hours=16)


@pytest.mark.parametrize(
    "pauses",
    [
        [("2025-03-02 10:00", "2025-03-04 10:00")],  # before the receipt
        [("2025-03-05 10:00", "2025-03-04 10:00")],  # ends before it starts
        [("2025-03-04 10:00", "2025-03-06 10:00"), ("2025-03-05 10:00", "2025-03-07 10:00")],
        [("2025-03-04 10:00", None), ("2025-03-05 10:00", "2025-03-07 10:00")],
    ],
)
def test_invalid_pauses_are_refused(pauses):
    intervals = [(at(p), r and at(r)) for p, r in pauses]
    with pytest.raises(ValueError):
        CAL.deadline(at("2025-03-03 10:00"), 5, pauses=intervals)


# --- timeliness -----------------------------------------------------------------------------

FINISHED = [
    # finished, status (due 2025-03-10 10:00); rule: TIMELINESS
    ("2025-03-07 16:00", EARLY),
    ("2025-03-09 09:00", EARLY),  # Sunday before the due Monday
    ("2025-03-10 07:00", ON_TIME),  # the due day, before work
    ("2025-03-10 10:00", ON_TIME),  # the due instant itself
    ("2025-03-10 10:00:01", ON_TIME),  # after the due instant, the same date
    ("2025-03-10 17:30", ON_TIME),
    ("2025-03-10 23:59:59", ON_TIME),
    ("2025-03-11 00:00", LATE),  # the next date
    ("2025-03-11 08:00", LATE),
]


@pytest.mark.parametrize(("finished", "expected"), FINISHED)
def test_finished_classification(finished, expected):
    due = at("2025-03-10 10:00")
    assert classify_finished(due, at(finished)) == expected, TIMELINESS
    status = CAL.classify(at("2025-03-03 10:00"), 5, finished_at=at(finished))
    assert status.status == expected, TIMELINESS
    assert status.due_at == due


def test_finished_classification_compares_local_dates():
    due = at("2025-03-10 10:00")
    # 2025-03-10 17:30 UTC is 2025-03-11 00:30 in Vietnam: the next local date.
    assert classify_finished(due, datetime(2025, 3, 10, 17, 30, tzinfo=UTC)) == LATE
    assert classify_finished(due, datetime(2025, 3, 10, 16, 59, tzinfo=UTC)) == ON_TIME
    assert CAL.classify_finished(due, datetime(2025, 3, 10, 23, 0)) == ON_TIME  # naive: local


OPEN = [
    ("2025-03-06 17:00", WITHIN_DEADLINE),  # 29 of 40 hours used
    ("2025-03-07 10:00", DUE_SOON),  # 32 of 40 hours: 0.8
    ("2025-03-10 10:00", DUE_SOON),  # the due instant: not yet overdue
    ("2025-03-10 10:00:01", OVERDUE),
    ("2025-03-10 18:00", OVERDUE),
]


@pytest.mark.parametrize(("now", "expected"), OPEN)
def test_open_classification(now, expected):
    assert CAL.classify(at("2025-03-03 10:00"), 5, now=at(now)).status == expected


def test_due_soon_fraction_is_configurable():
    now = at("2025-03-06 17:00")  # 29 of 40 hours
    assert CAL.classify(at("2025-03-03 10:00"), 5, now=now, due_soon_fraction=0.7).status == (
        DUE_SOON
    )
    cal = build_calendar(due_soon_fraction=0.5)
    assert cal.classify(at("2025-03-03 10:00"), 5, now=now).status == DUE_SOON


def test_a_pause_after_the_due_instant_does_not_rescue_a_late_dossier():
    pauses = [(at("2025-03-05 10:00"), None)]
    status = CAL.classify(at("2025-03-03 10:00"), 1, now=at("2025-03-10 10:00"), pauses=pauses)
    assert status.status == OVERDUE
    assert not status.paused
    assert status.due_at == at("2025-03-04 10:00")


def test_a_dossier_paused_in_time_is_never_overdue_while_paused():
    pauses = [(at("2025-03-04 09:00"), None)]
    status = CAL.classify(at("2025-03-03 10:00"), 1, now=at("2025-04-30 10:00"), pauses=pauses)
    assert status.paused
    assert status.status == DUE_SOON  # 7 of 8 hours were used before the pause
    assert status.used == timedelta(hours=7)


# --- urgency (the work queue) ---------------------------------------------------------------

URGENCY_RULE = "Counting time: open dossiers within / overdue; supplement = within"
URGENCIES = [
    # now, paused, status (received 2025-03-03 10:00, due 2025-03-10 10:00: 40 h)
    ("2025-03-06 17:00", False, WITHIN_DEADLINE),  # 29 of 40 hours
    ("2025-03-07 10:00", False, DUE_SOON),  # 32 of 40 hours: 0.8
    ("2025-03-10 10:00", False, DUE_SOON),  # the due instant: not yet overdue
    ("2025-03-10 10:00:01", False, OVERDUE),
    ("2025-03-20 10:00", True, DUE_SOON),  # paused, no start known: never overdue
    ("2025-03-20 10:00", "2025-03-04 10:00", WITHIN_DEADLINE),  # 8 h used before the pause
    ("2025-03-20 10:00", "2025-03-07 11:00", DUE_SOON),  # 33 h used before the pause
    ("2025-03-05 10:00", "2025-03-07 11:00", WITHIN_DEADLINE),  # pause in the future
]


@pytest.mark.parametrize(("now", "paused", "expected"), URGENCIES)
def test_urgency(now, paused, expected):
    if isinstance(paused, str):
        paused = at(paused)
    result = CAL.urgency(at("2025-03-03 10:00"), at("2025-03-10 10:00"), at(now), paused=paused)
    assert result == expected, URGENCY_RULE


def test_urgency_without_due_instant_and_with_another_fraction():
    assert CAL.urgency(at("2025-03-03 10:00"), None, at("2025-09-03 10:00")) == WITHIN_DEADLINE
    half = build_calendar(due_soon_fraction=0.5)
    now = at("2025-03-05 16:00")  # 20 of 40 hours
    assert half.urgency(at("2025-03-03 10:00"), at("2025-03-10 10:00"), now) == DUE_SOON
    assert CAL.urgency(at("2025-03-03 10:00"), at("2025-03-10 10:00"), now) == WITHIN_DEADLINE


# --- explain --------------------------------------------------------------------------------


def test_explain_lists_skipped_days_and_why():
    days = CAL.explain(at("2025-04-25 10:00"), at("2025-05-07 09:00"))
    by_day = {d.day: d for d in days}
    assert by_day[date(2025, 4, 26)].working  # make-up Saturday
    assert by_day[date(2025, 4, 26)].note.kind == WORKING_DAY
    assert by_day[date(2025, 4, 26)].note.document == "Công văn 8726/VPCP-KGVX"
    assert not by_day[date(2025, 4, 27)].working and by_day[date(2025, 4, 27)].weekend
    assert by_day[date(2025, 4, 30)].note.name == "Ngày Chiến thắng"
    assert by_day[date(2025, 5, 2)].note.kind == DAY_OFF
    assert date(2025, 4, 28) not in by_day  # an ordinary working day


# --- the index ------------------------------------------------------------------------------


def test_index_extends_in_both_directions_without_moving():
    cal = build_calendar()
    a, b = at("2025-03-03 10:00"), at("2025-03-10 10:00")
    assert cal.elapsed(a, b) == timedelta(hours=40)
    far_past = cal.due_at(at("1999-06-01 10:00"), 3)
    far_future = cal.due_at(at("2090-06-01 10:00"), 3)
    assert cal.elapsed(a, b) == timedelta(hours=40)
    assert far_past == build_calendar().due_at(at("1999-06-01 10:00"), 3)
    assert far_future == build_calendar().due_at(at("2090-06-01 10:00"), 3)
    assert cal.elapsed(at("1999-06-01 10:00"), far_past) == timedelta(hours=24)


def test_explicit_days_override_the_provider():
    extra = DayNote("Nghỉ đột xuất", DAY_OFF)
    cal = build_calendar(
        days_off={date(2025, 3, 4): extra},
        working_days={date(2025, 4, 30): DayNote("Làm việc", WORKING_DAY)},
    )
    assert cal.due_at(at("2025-03-03 10:00"), 1) == at("2025-03-05 10:00")
    assert cal.is_working_day(date(2025, 4, 30))
    with pytest.raises(ValueError):
        Calendar(days_off={date(2025, 3, 4): extra}, working_days={date(2025, 3, 4): extra})


# --- properties -----------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2017, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)
).map(lambda dt: dt.replace(tzinfo=VN_TZ))
minute_instants = instants.map(lambda dt: dt.replace(second=0, microsecond=0))
durations = st.one_of(
    st.tuples(st.integers(1, 60), st.just("days")),
    st.tuples(st.integers(1, 300), st.just("hours")),
    st.tuples(st.integers(1, 10**12).map(lambda us: timedelta(microseconds=us)), st.just("days")),
)


def working_us(amount, unit):
    if isinstance(amount, timedelta):
        return amount
    return CAL.hours.day * amount if unit == "days" else timedelta(hours=amount)


@settings(max_examples=300, deadline=None)
@given(instants, durations)
def test_adding_then_measuring_gives_back_the_duration(start, duration):
    amount, unit = duration
    end = CAL.add(start, amount, unit)
    assert CAL.elapsed(start, end) == working_us(amount, unit)


@settings(max_examples=300, deadline=None)
@given(instants, durations)
def test_results_never_land_in_non_working_time(received, duration):
    amount, unit = duration
    due = CAL.due_at(received, amount, unit)
    # Inside a working period or at its very end, never at the start of one.
    assert CAL.is_working_time(due - US)
    assert CAL.is_working_day(due.date())
    start = CAL.counting_start(received)
    assert start >= received
    assert CAL.is_working_time(start)


@settings(max_examples=200, deadline=None)
@given(instants, instants, st.integers(1, 40))
def test_due_instants_keep_the_order_of_receipts(a, b, days):
    first, second = sorted((a, b))
    assert CAL.due_at(first, days) <= CAL.due_at(second, days)


def oracle_due(cal, received, duration, cutoff=None):
    """Reference: walk the days one by one, in local wall-clock time. A receipt after the
    roll-over time counts from the next midnight (on a day off that changes nothing)."""
    local = received.astimezone(cal.tz).replace(tzinfo=None)
    cutoff = cal.cutoff if cutoff is None else cutoff
    if cutoff is not None and local.time() > cutoff:
        local = datetime.combine(local.date() + timedelta(days=1), time(0))
    remaining = duration
    day = local.date()
    started = False
    while True:
        if cal.is_working_day(day):
            for s, e in cal.hours.periods:
                begin, end = datetime.combine(day, s), datetime.combine(day, e)
                if end <= local:
                    continue
                if not started:
                    local = max(local, begin)
                    started = True
                begin = max(begin, local)
                if end - begin >= remaining:
                    return (begin + remaining).replace(tzinfo=cal.tz)
                remaining -= end - begin
        day += timedelta(days=1)


def oracle_elapsed(cal, a, b):
    a, b = a.astimezone(cal.tz).replace(tzinfo=None), b.astimezone(cal.tz).replace(tzinfo=None)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            for s, e in cal.hours.periods:
                begin = max(datetime.combine(day, s), a)
                end = min(datetime.combine(day, e), b)
                total += max(end - begin, timedelta(0))
        day += timedelta(days=1)
    return total


cutoffs = st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0)))


@settings(max_examples=300, deadline=None)
@given(instants, durations, cutoffs)
def test_indexed_path_equals_day_stepping(received, duration, cutoff):
    amount, unit = duration
    expected = oracle_due(CAL, received, working_us(amount, unit), cutoff)
    assert CAL.due_at(received, amount, unit, cutoff=cutoff) == expected


@settings(max_examples=300, deadline=None)
@given(instants, durations)
def test_without_rollover_the_time_of_day_never_moves_the_clock(received, duration):
    """Counting time: an ordinary deadline does not move because of the time of receipt:
    receipts in working time start the clock at once."""
    amount, unit = duration
    if CAL.is_working_time(received):
        assert CAL.counting_start(received) == received
        assert CAL.elapsed(received, CAL.due_at(received, amount, unit)) == working_us(amount, unit)


def oracle_transfer_due(cal, received):
    """Reference for the transfer cut-off: walk the periods of the day of receipt."""
    local = received.astimezone(cal.tz).replace(tzinfo=None)
    day = local.date()
    periods = cal.hours.periods

    def end_of(day, n):
        return datetime.combine(day, periods[n][1]).replace(tzinfo=cal.tz)

    if cal.is_working_day(day):
        for n, (s, e) in enumerate(periods):
            begin, end = datetime.combine(day, s), datetime.combine(day, e)
            if local >= end:
                continue
            if local < begin and n == 0:
                return end_of(day, 0)  # before work: at the start of this working day
            moment = max(local, begin)  # in this period, or at its start after a break
            if cal.transfer_cutoff is None or moment.time() <= cal.transfer_cutoff:
                return end_of(day, -1)
            break  # after the cut-off
    day += timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return end_of(day, 0)


@settings(max_examples=300, deadline=None)
@given(instants, instants)
def test_transfer_due_equals_day_stepping_and_keeps_order(a, b):
    first, second = sorted((a, b))
    assert CAL.transfer_due(first) == oracle_transfer_due(CAL, first)
    assert CAL.transfer_due(first) <= CAL.transfer_due(second)
    assert CAL.transfer_due(first) > first


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(1, 40), st.integers(-5 * 24 * 60, 80 * 24 * 60))
def test_urgency_agrees_with_classify(received, days, minutes):
    now = received + timedelta(minutes=minutes)
    due = CAL.due_at(received, days)
    assert CAL.urgency(received, due, now) == CAL.classify(received, days, now=now).status


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(0, 90 * 24 * 60))
def test_indexed_elapsed_equals_day_stepping(a, minutes):
    b = a + timedelta(minutes=minutes)
    assert CAL.elapsed(a, b) == oracle_elapsed(CAL, a, b)


@settings(max_examples=200, deadline=None)
@given(
    minute_instants,
    st.integers(1, 30),
    st.integers(0, 20 * 24 * 60),
    st.integers(0, 60),
    st.booleans(),
)
def test_pause_and_resume_gives_back_the_allotted_time(
    received, days, after, pause_minutes, restart
):
    paused = received + timedelta(minutes=after)
    resumed = paused + timedelta(minutes=pause_minutes * 60)
    deadline = CAL.deadline(
        received, days, pauses=[(paused, resumed)], restart_on_supplement=restart
    )
    plain = CAL.due_at(received, days)
    assert deadline.due_at >= plain
    assert deadline.used(deadline.due_at) == CAL.hours.day * days
    if paused >= plain:
        assert deadline.due_at == plain


# --- no Django in the core ------------------------------------------------------------------


def test_core_and_data_import_without_django():
    code = (
        "import sys, motcua.worktime, motcua.worktime.core, motcua.worktime.vn; "
        "assert 'django' not in sys.modules, 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_bench_runs_and_prints_both_ratios():
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "worktime.py"), "--n", "300"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    assert "due date" in out and "elapsed" in out
    assert out.count("x\n") == 2


def test_module_docstring_states_the_semantics():
    doc = core.__doc__
    for phrase in ("never falls at the start of a working period", "cut-off", "early"):
        assert phrase in doc
