"""The statistics dashboard (/reports/dashboard/): five charts drawn on the server as SVG
(`stats/charts.py`), each with its data table, every number of which links to the
drill-down list of Biểu 06a (/reports/dossiers/list/) where one exists.

The numbers are the definitions of docs/statistics.md: received per month by channel and
the on-time rate come from the same filters as Biểu 06a (`queries`), the overdue dossiers
now are 06a's `overdue` for the period "today", the index is `index766.indicators.history`.
Officers only; supervisors of the province see every agency, other officers the agencies
of their posts.

With the crosswalk (`?crosswalk=on`, as on 06a; docs/reorganisation.md) every chart reads by
the map at the end of its period: agencies closed by then count under the agency doing
their work (`queries.crosswalked`), an agency asked for brings those it took over
(`queries.scope_for`); "overdue now" reads by today's map. Province totals do not move."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.numbers import format_vn, percent
from motcua.core.replica import reads_from_replica
from motcua.dossiers.models import Channel
from motcua.org import services as org_services
from motcua.org.models import Agency
from motcua.stats import charts, factcore, queries
from motcua.stats.factcore import month_starts
from motcua.stats.forms import ReportFilterForm
from motcua.stats.models import Fact

MAX_MONTHS = 36
INDEX_MONTHS = 12
TOP = 20


class DashboardForm(ReportFilterForm):
    """Period (at most 36 months; by default the last twelve months up to today) and an
    agency the user may see."""

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.user = user
        del self.fields["tier"]
        del self.fields["sector"]

    def clean(self):
        raw_start = self.data.get("start") or self.data.get("from")
        data = super().clean()
        if self.errors:
            return data
        if not raw_start:  # a dashboard looks back a year by default
            end = data["end"]
            first = end.replace(day=1)
            for _month in range(11):
                first = (first - timedelta(days=1)).replace(day=1)
            data["start"] = first
        if len(month_starts(data["start"], data["end"])) > MAX_MONTHS:
            raise forms.ValidationError(
                gettext_lazy("The dashboard covers at most %(months)s months."),
                params={"months": MAX_MONTHS},
            )
        agency = data.get("agency")
        allowed = queries.allowed_agency_ids(self.user)
        if agency is not None and data.get("crosswalk"):
            # A closed agency under the crosswalk is shown as its successor's: the
            # permission is the successor's (as on 06a, an officer of the successor sees
            # what it took over only with the crosswalk).
            data["asked"] = agency
            data["agency"] = agency = org_services.successor_on(agency, data["end"])
        if agency is not None and allowed is not None and agency.pk not in allowed:
            raise forms.ValidationError(
                gettext_lazy("You may not see the figures of the agency %(code)s."),
                params={"code": agency.code},
            )
        return data


def _link(**params) -> str:
    return f"{reverse('stats:list')}?{urlencode({k: v for k, v in params.items() if v})}"


def _rate(part: int, whole: int) -> str:
    value = percent(part, whole)
    return "–" if value is None else f"{format_vn(value, 2)} %"


def received_by_month(period: queries.Period, scope: queries.Scope) -> dict:
    """One GROUP BY over the fact table: dossiers received per (month, channel)."""
    rows = (
        queries.fact_scoped(
            Fact.objects.filter(
                queries.days(period.start, period.end, years=False), kind=factcore.RECEIVED
            ),
            scope,
        )
        .annotate(month=TruncMonth("day"))
        .order_by()
        .values("month", "channel")
        .annotate(n=Sum("count"))
    )
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for row in rows:
        month = row["month"]
        key = (month.year, month.month)
        into = counts.setdefault(key, {})
        into[row["channel"]] = into.get(row["channel"], 0) + row["n"]
    return counts


def per_agency(cells, successors: dict[int, int] | None = None) -> dict[int, dict[str, int]]:
    """The cells summed per agency; with `successors` (the crosswalk), a closed agency's
    under the agency doing its work."""
    if successors:
        cells = queries.crosswalked(cells, successors)
    out: dict[int, dict[str, int]] = {}
    for cell in cells:
        into = out.setdefault(cell.agency_id, {})
        for key, value in cell.counts.items():
            into[key] = into.get(key, 0) + value
    return out


def successors_within(day: date, scope: queries.Scope) -> dict[int, int]:
    """The crosswalk's {closed agency: successor} on `day`, kept to successors in the scope:
    a closed agency whose successor the user may not see (an officer still posted there;
    a unit's closed commune merged into another district) keeps its own row, so each row's
    list (agency=CODE&crosswalk=on) holds exactly its number's dossiers."""
    successors = org_services.successors_on(day)
    if scope.agency_ids is None:
        return successors
    return {old: new for old, new in successors.items() if new in scope.agency_ids}


def index_agency(user, agency):
    """Whose index the dashboard draws: the chosen agency; else the province for a
    supervisor, the officer's only agency; None and False when an officer of several
    agencies has not chosen one."""
    if agency is not None:
        return agency, True
    allowed = queries.allowed_agency_ids(user)
    if allowed is None:
        return None, True
    if len(allowed) == 1:
        return Agency.objects.get(pk=next(iter(allowed))), True
    return None, False


def index_crosswalked(user, agency, period: queries.Period) -> bool:
    """Whether the index may read by the crosswalk: for the province, or when the user may
    see the agency doing `agency`'s work at the period's end (the officer of a closed
    agency still posted there sees its own index, as its own row in the charts)."""
    allowed = queries.allowed_agency_ids(user)
    if agency is None or allowed is None:
        return True
    return org_services.successor_on(agency, period.end).pk in allowed


@login_required
@reads_from_replica
def dashboard(request):
    form = DashboardForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "stats/dashboard.html", {"form": form}, status=400)
    data = form.cleaned_data
    period = queries.Period(data["start"], data["end"])
    agency = data["agency"]
    crosswalk = data["crosswalk"]
    scope = queries.scope_for(request.user, period, unit=agency, crosswalk=crosswalk)
    unit = agency.code if agency is not None else ""
    today = timezone.localdate()
    now = queries.Period(today, today)
    # The drill-down lists take the same flag; a month of a longer period lists by the map
    # of the whole period (crosswalk_on), which is what its number counts.
    walk = {"crosswalk": "on"} if crosswalk else {}
    walk_months = {**walk, "crosswalk_on": period.end.isoformat()} if crosswalk else {}

    # (1) and (4): received per month by channel, the online share.
    counts = received_by_month(period, scope)
    months = []
    for start, end in month_starts(period.start, period.end):
        by = counts.get((start.year, start.month), {})
        online = by.get(Channel.ONLINE, 0)
        counter, post = by.get(Channel.COUNTER, 0), by.get(Channel.POST, 0)
        total = sum(by.values())
        frm, to = start.isoformat(), end.isoformat()
        months.append(
            {
                "label": f"{start:%m/%Y}",
                "online": online,
                "counter": counter,
                "post": post,
                "counter_post": total - online,
                "total": total,
                "share": percent(online, total),
                "share_text": _rate(online, total),
                "online_url": _link(
                    metric="online", unit=unit, **{"from": frm, "to": to}, **walk_months
                ),
                "counter_post_url": _link(
                    metric="counter_post", unit=unit, **{"from": frm, "to": to}, **walk_months
                ),
            }
        )
    labels = [m["label"] for m in months]
    empty = _("No data for this period.")
    received_svg = charts.stacked_bars(
        "chart-received",
        labels,
        [
            (_("Online"), [m["online"] for m in months]),
            (_("At the counter"), [m["counter"] for m in months]),
            (_("By post"), [m["post"] for m in months]),
        ],
        title=_("Dossiers received per month by channel"),
        desc=_(
            "Stacked columns: online, at the counter, by post; the table below gives the numbers."
        ),
        empty=empty,
    )
    share_svg = charts.line_chart(
        "chart-online-share",
        labels,
        [float(m["share"]) if m["share"] is not None else None for m in months],
        title=_("Share of dossiers received online, per month"),
        desc=_("A line of the percentage received online each month; the table gives it."),
        empty=empty,
        value_text=lambda v: "–" if v is None else f"{format_vn(round(v))} %",
        max_value=100,
    )

    # (2) on-time rate by agency, (3) overdue now by agency: 06a's cells.
    if crosswalk:
        scope_now = queries.scope_for(request.user, now, unit=agency, crosswalk=True)
        resolved = per_agency(
            queries.count_cells(period, scope), successors_within(period.end, scope)
        )
        overdue_now = per_agency(
            queries.count_cells(now, scope_now), successors_within(today, scope_now)
        )
    else:
        resolved = per_agency(queries.count_cells(period, scope))
        overdue_now = per_agency(queries.count_cells(now, scope))
    ids = set(resolved) | set(overdue_now)
    names = {a["id"]: a for a in Agency.objects.filter(id__in=ids).values("id", "code", "name")}
    frm, to = period.start.isoformat(), period.end.isoformat()
    rates = []
    for agency_id, c in resolved.items():
        done = c["early"] + c["on_time"] + c["late"]
        if not done:
            continue
        code = names[agency_id]["code"]
        rates.append(
            {
                "name": names[agency_id]["name"],
                "resolved": done,
                "in_time": c["early"] + c["on_time"],
                "rate": percent(c["early"] + c["on_time"], done),
                "rate_text": _rate(c["early"] + c["on_time"], done),
                "url": _link(
                    metric="resolved", agency=code, unit=unit, **{"from": frm, "to": to}, **walk
                ),
            }
        )
    rates.sort(key=lambda r: (-r["resolved"], r["name"]))
    rates = rates[:TOP]
    rate_svg = charts.bar_chart(
        "chart-on-time",
        [r["name"] for r in rates],
        [float(r["rate"]) for r in rates],
        title=_("On-time rate by agency"),
        desc=_("Horizontal bars: the share of dossiers resolved early or on time in the period."),
        empty=empty,
        value_text=lambda v: f"{format_vn(v, 2)} %".replace(",00 %", " %"),
        max_value=100,
    )
    overdue = []
    for agency_id, c in overdue_now.items():
        if not c["overdue"]:
            continue
        code = names[agency_id]["code"]
        overdue.append(
            {
                "name": names[agency_id]["name"],
                "count": c["overdue"],
                "url": _link(
                    metric="overdue",
                    agency=code,
                    unit=unit,
                    **{"from": today.isoformat(), "to": today.isoformat()},
                    **walk,
                ),
            }
        )
    overdue.sort(key=lambda r: (-r["count"], r["name"]))
    overdue = overdue[:TOP]
    overdue_svg = charts.bar_chart(
        "chart-overdue",
        [r["name"] for r in overdue],
        [r["count"] for r in overdue],
        title=_("Dossiers overdue now by agency"),
        desc=_("Horizontal bars: dossiers in progress whose deadline has passed, today."),
        empty=_("No dossier is overdue."),
        value_text=lambda v: format_vn(int(v)),
    )

    # (5) the index of QĐ 766, points per month (at most twelve months).
    from motcua.index766 import indicators

    index_of, index_shown = index_agency(request.user, agency)
    index_crosswalk = crosswalk and index_crosswalked(request.user, index_of, period)
    history = []
    if index_shown:
        history = indicators.history(
            index_of,
            indicators.Period(period.start, period.end),
            months=INDEX_MONTHS,
            crosswalk=index_crosswalk,
        )
    index_svg = charts.line_chart(
        "chart-index",
        [h["month"] for h in history],
        [float(h["points"]) for h in history],
        title=_("Index 766 points per month"),
        desc=_("A line of the index points each month (the last twelve months of the period)."),
        empty=empty if index_shown else _("Choose an agency to see its index."),
        value_text=lambda v: format_vn(v, 2),
    )
    context = {
        "form": form,
        "period": period,
        "today": today,
        "top": TOP,
        "months": months,
        "rates": rates,
        "overdue": overdue,
        "history": [{**h, "points_text": format_vn(h["points"], 2)} for h in history],
        "index_of": index_of,
        "index_shown": index_shown,
        "crosswalk": crosswalk,
        "index_crosswalk": index_crosswalk,
        "closed": data["asked"] if data.get("asked") not in (None, agency) else None,
        "agency": agency,
        "svg": {
            "received": received_svg,
            "share": share_svg,
            "rate": rate_svg,
            "overdue": overdue_svg,
            "index": index_svg,
        },
    }
    return render(request, "stats/dashboard.html", context)
