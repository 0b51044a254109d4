"""When a periodic job runs next (pure Python: no Django).

A job's timing is one of:
- ``{"every": seconds}``: that long after the last run was due;
- ``{"daily": "HH:MM"}``: each day at that local time;
- ``{"monthly": "D HH:MM"}``: on day D (1–28) of each month at that local time.
A run missed while no worker was up happens once when one comes back, not once per miss.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo


class BadTiming(ValueError):
    pass


def _clock(text: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise BadTiming(f"not a time of day HH:MM: {text!r}") from exc


def check(timing: dict) -> None:
    if len(timing) != 1:
        raise BadTiming(f"one of every/daily/monthly, not {sorted(timing)}")
    ((kind, value),) = timing.items()
    if kind == "every":
        if not isinstance(value, int) or not 10 <= value <= 31 * 86400:
            raise BadTiming(f"every: whole seconds from 10 to 31 days, not {value!r}")
    elif kind == "daily":
        _clock(value)
    elif kind == "monthly":
        day, _, clock = str(value).partition(" ")
        if not day.isdigit() or not 1 <= int(day) <= 28:
            raise BadTiming(f"monthly: a day from 1 to 28, not {day!r}")
        _clock(clock)
    else:
        raise BadTiming(f"unknown timing {kind!r}")


def next_run(timing: dict, after: datetime, tz: tzinfo) -> datetime:
    """The first time strictly after `after` (aware) when the job is due."""
    check(timing)
    ((kind, value),) = timing.items()
    if kind == "every":
        return after + timedelta(seconds=value)
    local = after.astimezone(tz)
    if kind == "daily":
        at = _clock(value)
        candidate = datetime.combine(local.date(), at, tz)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), at, tz)
        return candidate
    day_text, _, clock = value.partition(" ")
    day, at = int(day_text), _clock(clock)
    candidate = datetime.combine(local.date().replace(day=day), at, tz)
    if candidate <= local:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        candidate = datetime.combine(local.date().replace(year=year, month=month, day=day), at, tz)
    return candidate
