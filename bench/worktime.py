"""Benchmark of the working-time calendar: indexed path against naive day-stepping.

Run: .venv/bin/python bench/worktime.py [--n 20000] [--days 30] [--seed 1]

Pure core only (no Django). Prints operations per second for due dates (intake rule +
N working days) and for elapsed working time, on the indexed path of
motcua.worktime.core and on the naive implementation below, which steps through the
days one by one, and the ratio. Both use the same calendar data (holidays + the shipped
announcements) and check that they agree on every case before timing.
"""

from __future__ import annotations

import argparse
import random
import time as clock
from datetime import datetime, timedelta

import project_path  # noqa: F401 - first: the import path (see its docstring)

from motcua.worktime.core import Calendar
from motcua.worktime.vn import build_calendar

ONE_DAY = timedelta(days=1)


# --- the naive implementation: step through the days -----------------------------------


def _periods(cal: Calendar, day):
    for start, end in cal.hours.periods:
        yield (
            datetime.combine(day, start, tzinfo=cal.tz),
            datetime.combine(day, end, tzinfo=cal.tz),
        )


def naive_counting_start(cal: Calendar, received: datetime) -> datetime:
    local = received.astimezone(cal.tz)
    if cal.cutoff is not None and local.time() > cal.cutoff:
        day = local.date() + ONE_DAY
        local = datetime.combine(day, datetime.min.time(), tzinfo=cal.tz)
    day = local.date()
    while True:
        if cal.is_working_day(day):
            for start, end in _periods(cal, day):
                if start <= local < end:
                    return local
                if local < start:
                    return start
        day += ONE_DAY


def naive_add(cal: Calendar, start: datetime, duration: timedelta) -> datetime:
    remaining = duration
    day = start.astimezone(cal.tz).date()
    while True:
        if cal.is_working_day(day):
            for p_start, p_end in _periods(cal, day):
                if p_end <= start:
                    continue
                begin = max(p_start, start)
                available = p_end - begin
                if available >= remaining:
                    return begin + remaining
                remaining -= available
        day += ONE_DAY


def naive_due(cal: Calendar, received: datetime, days: int) -> datetime:
    return naive_add(cal, naive_counting_start(cal, received), cal.hours.day * days)


def naive_elapsed(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    total = timedelta()
    day = a.astimezone(cal.tz).date()
    last = b.astimezone(cal.tz).date()
    while day <= last:
        if cal.is_working_day(day):
            for p_start, p_end in _periods(cal, day):
                begin, end = max(p_start, a), min(p_end, b)
                if end > begin:
                    total += end - begin
        day += ONE_DAY
    return total


# --- the benchmark ------------------------------------------------------------------------


def random_instants(cal: Calendar, n: int, rng: random.Random) -> list[datetime]:
    first = datetime(2017, 1, 1, tzinfo=cal.tz)
    span = int((datetime(2026, 12, 1, tzinfo=cal.tz) - first).total_seconds() // 60)
    return [first + timedelta(minutes=rng.randrange(span)) for _ in range(n)]


def rate(function, cases, repeat: int = 3) -> float:
    """Operations per second, the best of `repeat` runs (as timeit does: the others were
    slowed by something else on the machine)."""
    best = float("inf")
    for _ in range(repeat):
        started = clock.perf_counter()
        for case in cases:
            function(*case)
        best = min(best, clock.perf_counter() - started)
    return len(cases) / best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="operations per measurement")
    parser.add_argument("--days", type=int, default=30, help="working days per deadline")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    cal = build_calendar()
    cal.prepare(2016, 2028)
    rng = random.Random(args.seed)
    starts = random_instants(cal, args.n, rng)
    due_cases = [(start, args.days) for start in starts]
    elapsed_cases = [
        (start, start + timedelta(days=args.days * 7 // 5 + 2, minutes=rng.randrange(1440)))
        for start in starts
    ]

    # Same answers first.
    for start, days in due_cases[:2000]:
        assert cal.due_at(start, days) == naive_due(cal, start, days), start
    for a, b in elapsed_cases[:2000]:
        assert cal.elapsed(a, b) == naive_elapsed(cal, a, b), (a, b)

    indexed_due = rate(cal.due_at, due_cases)
    naive_due_rate = rate(lambda s, d: naive_due(cal, s, d), due_cases)
    indexed_elapsed = rate(cal.elapsed, elapsed_cases)
    naive_elapsed_rate = rate(lambda a, b: naive_elapsed(cal, a, b), elapsed_cases)

    print(f"worktime bench: {args.n} random instants 2017–2026, {args.days}-working-day spans")
    print(f"{'operation':<10} {'indexed ops/s':>14} {'naive ops/s':>12} {'ratio':>7}")
    for name, fast, slow in (
        ("due date", indexed_due, naive_due_rate),
        ("elapsed", indexed_elapsed, naive_elapsed_rate),
    ):
        print(f"{name:<10} {fast:>14,.0f} {slow:>12,.0f} {fast / slow:>6.1f}x")


if __name__ == "__main__":
    main()
