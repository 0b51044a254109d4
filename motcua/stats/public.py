"""The public statistics page, /thong-ke/ (no sign-in): per agency and month, the dossiers
received, resolved, the percent resolved on time, the online share, and the province's
QĐ 766 index score. Numbers only: no names, codes or ID numbers of anyone.

Every number comes from Biểu 06a's counting (`queries.build`: one grouped count over the
dossiers), so the page always equals the officers' report for the same month. The index
is computed for the province only (`index766.indicators`, a handful of queries); per
agency it would cost a handful of queries per agency. The page reads neither the user nor
the session, so the same address always shows the same numbers (docs/statistics.md).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.numbers import format_vn, percent
from motcua.index766 import core as index_core
from motcua.index766 import indicators
from motcua.org.constants import Level
from motcua.stats import form06a, queries
from motcua.stats.forms import FIRST_YEAR, LAST_YEAR

MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def last_complete_month(today: date | None = None) -> date:
    """The first day of the month before `today`'s."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_period(first: date) -> tuple[date, date]:
    """The first and last day of the month starting on `first`."""
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


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


def province_index(start: date, end: date) -> str:
    """The province's QĐ 766 score for the period, "72,35" (of 100)."""
    result = index_core.evaluate(indicators.counts(None, indicators.Period(start, end)))
    return format_vn(result["points"], 2)


def statistics(request):
    form = PublicFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/public.html", {"form": form}, status=400)
    first = form.cleaned_data["month"]
    tier = form.cleaned_data["tier"]
    start, end = month_period(first)
    period = queries.Period(start, end)
    report = queries.build(period, queries.Scope(tier=tier))
    rows = [public_row(r["name"], r) for r in report["rows"]]
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
        "index": province_index(start, end),
    }
    return render(request, "stats/public.html", context)
