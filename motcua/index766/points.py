"""The index's points of a month, as the history line (the index page, the dashboard) and
the public statistics page show them, without computing every month again on every view.

A month's points are, in this order:

1. **Stored**: for a whole calendar month whose monthly reports were produced
   (`stats.scheduled`, `MonthlyReport` kind index766, scope "" the province or the agency's
   code), the stored report's points: the figure the supervisors and leaders were sent.
2. **Kept**: else the points computed live (`indicators`), kept in Django's cache
   (`CACHES["default"]`) under the month's first and last day and the scope: for
   `LIVE_TTL_DONE` seconds once the month is over (late entries may still come),
   `LIVE_TTL_OPEN` while it is not.

With the crosswalk nothing is stored (the monthly reports count each agency as it was), so
the points are computed, and kept under the agency and the day of the map they follow.
The index of the period itself (`indicators.build`) is always computed live.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.core.cache import cache

from motcua.stats.factcore import month_end
from motcua.stats.models import MonthlyReport, ReportKind

LIVE_TTL_DONE = 6 * 3600  # a live score of a finished month (late records may still come)
LIVE_TTL_OPEN = 10 * 60  # a live score of a month not over
PROVINCE = ""  # the province's scope, as in MonthlyReport


def whole_month(start: date, end: date) -> bool:
    return start.day == 1 and end == month_end(start)


def cache_key(start: date, end: date, scope: str, walked_on: date | None = None) -> str:
    """The kept points of `scope` (an agency's code, "" the province) over start..end;
    with the crosswalk, by the map of `walked_on`."""
    key = f"motcua.index766.points:{start:%Y-%m-%d}:{end:%Y-%m-%d}:{quote(scope, safe='')}"
    return key if walked_on is None else f"{key}:walk:{walked_on:%Y-%m-%d}"


def timeout(end: date, today: date) -> int:
    return LIVE_TTL_DONE if end < today else LIVE_TTL_OPEN


def stored(firsts: list[date], scopes: list[str]) -> dict[tuple[date, str], str]:
    """{(month's first day, scope): points as stored ("72.35")} of the monthly reports
    produced: one query, the `points` key of the stored JSON only."""
    if not firsts or not scopes:
        return {}
    rows = MonthlyReport.objects.filter(
        month__in=firsts, scope__in=scopes, kind=ReportKind.INDEX766
    ).values_list("month", "scope", "data__points")
    return {(month, scope): points for month, scope, points in rows}


def _number(value) -> bool:
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return value is not None


def months(spans, scope: str, compute, *, walked_on=None, today: date) -> list[Decimal]:
    """The points of each (start, end) of `spans` for `scope`: stored, kept, else
    `compute(start, end)` (then kept). `walked_on`: the crosswalk's day (nothing stored)."""
    found: dict[date, str] = {}
    if walked_on is None:
        whole = [s for s, e in spans if whole_month(s, e) and e < today]
        found = {s: v for (s, _scope), v in stored(whole, [scope]).items() if _number(v)}
    keys = {s: cache_key(s, e, scope, walked_on) for s, e in spans if s not in found}
    kept = cache.get_many(list(keys.values()))
    out = []
    for start, end in spans:
        value = found.get(start)
        if value is None:
            value = kept.get(keys[start])
        if value is None:
            value = str(compute(start, end))
            cache.set(keys[start], value, timeout=timeout(end, today))
        out.append(Decimal(str(value)))
    return out
