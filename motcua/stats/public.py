"""The public statistics page, /thong-ke/ (no sign-in): per agency and month, the dossiers
received, resolved, the percent resolved on time, the online share, and the QĐ 766 index
score of each agency and of the province. Numbers only: no names, codes or ID numbers of
anyone.

Every 06a number comes from Biểu 06a's counting (`queries.build`: one grouped count over
the dossiers), so the page always equals the officers' report for the same month.

The index costs a handful of queries and a pass over the finished dossiers per agency
(`index766.indicators.build`), far too much for ~100 agencies on every visit. So:

1. **Stored first.** For a finished month whose monthly reports were produced
   (`stats.scheduled`, `MonthlyReport` kind index766), the scores are read from them: one
   query for every agency and the province (only the `points` key of the stored JSON), the
   same numbers the supervisors and leaders were sent.
2. **Else live, kept.** A score not stored (a month before the reports existed, the
   current month, an agency created since) is computed with `indicators.build` and kept in
   Django's cache as `index766.points` keeps the history line's (the same keys, so either
   page warms the other): `points.LIVE_TTL_DONE` seconds for a finished month,
   `points.LIVE_TTL_OPEN` for a month not over. One `get_many` reads them all, so a warm
   page costs the 06a's three queries and one more. The first visit of an unstored month
   pays the full price once per cache lifetime (a bounded set of keys: 1,200 months × the
   agencies).

The page reads neither the user nor the session, so the same address always shows the same
numbers (docs/statistics.md).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.numbers import format_vn, percent
from motcua.core.replica import reads_from_replica
from motcua.index766 import indicators, points
from motcua.index766.points import PROVINCE
from motcua.org.constants import Level
from motcua.org.models import Agency
from motcua.stats import form06a, queries
from motcua.stats.forms import FIRST_YEAR, LAST_YEAR

MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def last_complete_month(today: date | None = None) -> date:
    """The first day of the month before `today`'s."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_period(first: date) -> tuple[date, date]:
    """The first and last day of the month starting on `first`."""
    return first, points.month_end(first)


class PublicFilterForm(forms.Form):
    month = forms.CharField(label=_("Month"), required=False, max_length=7)
    tier = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )

    def clean_month(self) -> date:
        text = self.cleaned_data["month"].strip()
        if not text:
            return last_complete_month()
        error = forms.ValidationError(
            _("Choose a month between %(first)s-01 and %(last)s-12, as YYYY-MM."),
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
        if not MONTH.fullmatch(text):
            raise error
        year, month = int(text[:4]), int(text[5:])
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            raise error
        return date(year, month, 1)


def _rate(part: int, whole: int) -> str:
    """ "95,24 %" with the Vietnamese decimal comma; "–" when the whole is 0."""
    value = percent(part, whole, places=2)
    return "–" if value is None else f"{format_vn(value, 2)} %"


def public_row(name: str, entry: dict) -> dict:
    """The public figures of one 06a row or total: numbers only."""
    received = entry["received"]
    resolved = entry["resolved"]
    in_month = received["online"] + received["counter_post"]
    return {
        "name": name,
        "total": received["total"],
        "received": in_month,
        "online": received["online"],
        "online_share": _rate(received["online"], in_month),
        "resolved": resolved["total"],
        "on_time": resolved["early"] + resolved["on_time"],
        "on_time_rate": form06a.rate_text(entry["on_time_rate"]),
    }


def _points_text(value) -> str:
    """ "72,35" from a stored ("72.35") or computed (Decimal) score; "–" if unreadable."""
    try:
        return format_vn(Decimal(str(value)), 2)
    except (InvalidOperation, ValueError, TypeError):
        return "–"


def index_scores(first: date, codes: list[str], today: date | None = None) -> dict[str, str]:
    """The QĐ 766 score of the month for the province ("") and each agency code, as text:
    stored when the month's reports are, else computed and kept (module docstring)."""
    start, end = month_period(first)
    today = today or timezone.localdate()
    scopes = [PROVINCE, *codes]
    found = points.stored([first], scopes) if end < today else {}
    scores = {scope: found[(first, scope)] for scope in scopes if (first, scope) in found}
    missing = [scope for scope in scopes if scope not in scores]
    if missing:
        kept = cache.get_many([points.cache_key(start, end, scope) for scope in missing])
        for scope in missing:
            key = points.cache_key(start, end, scope)
            if key in kept:
                scores[scope] = kept[key]
        missing = [scope for scope in missing if scope not in scores]
    if missing:
        period = indicators.Period(start, end)
        agencies = {a.code: a for a in Agency.objects.filter(code__in=missing)}
        computed = {}
        for scope in missing:
            if scope and scope not in agencies:
                continue
            value = str(indicators.build(agencies.get(scope), period)["points"])
            scores[scope] = computed[points.cache_key(start, end, scope)] = value
        cache.set_many(computed, timeout=points.timeout(end, today))
    return {scope: _points_text(value) for scope, value in scores.items()}


def province_index(start: date, end: date) -> str:
    """The province's QĐ 766 score for the month of `start`, "72,35" (of 100)."""
    return index_scores(start, [])[PROVINCE]


@reads_from_replica
def statistics(request):
    form = PublicFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/public.html", {"form": form}, status=400)
    first = form.cleaned_data["month"]
    tier = form.cleaned_data["tier"]
    start, end = month_period(first)
    period = queries.Period(start, end)
    report = queries.build(period, queries.Scope(tier=tier))
    scores = index_scores(first, [r["agency"] for r in report["rows"]])
    rows = [
        {**public_row(r["name"], r), "index": scores.get(r["agency"], "–")} for r in report["rows"]
    ]
    total = public_row("", report["total"])
    context = {
        "form": form,
        "month": first,
        "month_value": f"{first:%Y-%m}",
        "start": start,
        "end": end,
        "tier": tier,
        "tier_name": dict(Level.choices).get(tier, ""),
        "rows": rows,
        "total": total,
        "index": scores[PROVINCE],
    }
    return render(request, "stats/public.html", context)
