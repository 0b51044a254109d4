"""The organisation as it stood on a date (`/office/organisation/?on=YYYY-MM-DD`): units and
agencies in force that day, each with its predecessors and successors. Province-wide
supervisors only (read only)."""

from collections import defaultdict
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.core.text import fold
from motcua.dossiers import permissions
from motcua.org.constants import Level
from motcua.org.models import AdminUnit, AdminUnitChange, Agency, AgencySuccession
from motcua.org.services import EARLIEST_DAY, LATEST_DAY

PER_PAGE = 100
QUERY_MAX = 200


def parse_day(raw: str, today: date) -> tuple[date, str]:
    """The day asked for, or today and the reason the text is not a day we can show."""
    if not raw:
        return today, ""
    try:
        day = date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return today, _("Enter a date as YYYY-MM-DD.")
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return today, _("Enter a date between %(first)s and %(last)s.") % {
            "first": f"{EARLIEST_DAY:%d/%m/%Y}",
            "last": f"{LATEST_DAY:%d/%m/%Y}",
        }
    return day, ""


def unit_links(units) -> tuple[dict, dict]:
    """{unit id: [predecessor units]}, {unit id: [(successor units, change)]} from the dated
    changes touching `units` (two queries and the prefetch)."""
    ids = [u.pk for u in units]
    before, after = defaultdict(list), defaultdict(list)
    changes = (
        AdminUnitChange.objects.filter(after__in=ids)
        | AdminUnitChange.objects.filter(before__in=ids)
    ).distinct()
    for change in changes.prefetch_related("before", "after"):
        olds, news = list(change.before.all()), list(change.after.all())
        for unit in news:
            before[unit.pk] += [(u, change) for u in olds]
        for unit in olds:
            after[unit.pk].append((news, change))
    return before, after


def agency_links(agencies) -> tuple[dict, dict]:
    ids = [a.pk for a in agencies]
    before, after = defaultdict(list), defaultdict(list)
    rows = AgencySuccession.objects.filter(successor__in=ids) | AgencySuccession.objects.filter(
        predecessor__in=ids
    )
    for row in rows.select_related("predecessor", "successor"):
        before[row.successor_id].append(row)
        after[row.predecessor_id].append(row)
    return before, after


@login_required
def as_of(request):
    if not permissions.sees_all(request.user):
        audit.refused(request.user, "organisation.as_of")
        raise Http404
    day, problem = parse_day(request.GET.get("on", ""), timezone.localdate())
    query = request.GET.get("q", "")[:QUERY_MAX].strip()
    level = request.GET.get("level", "")
    units = AdminUnit.objects.valid_on(day).select_related("parent").order_by("level", "code")
    agencies = Agency.objects.valid_on(day).select_related("admin_unit").order_by("level", "name")
    if level in Level.values:
        units, agencies = units.filter(level=level), agencies.filter(level=level)
    if query:
        units = [u for u in units if _matches(query, u.code, u.name)]
        agencies = [a for a in agencies if _matches(query, a.code, a.name)]
    unit_page = Paginator(units, PER_PAGE).get_page(request.GET.get("units"))
    agency_page = Paginator(agencies, PER_PAGE).get_page(request.GET.get("agencies"))
    unit_before, unit_after = unit_links(list(unit_page))
    agency_before, agency_after = agency_links(list(agency_page))
    for unit in unit_page:
        unit.predecessors = unit_before.get(unit.pk, [])
        unit.successors = unit_after.get(unit.pk, [])
    for agency in agency_page:
        agency.predecessors = agency_before.get(agency.pk, [])
        agency.successors = agency_after.get(agency.pk, [])
    return render(
        request,
        "reorg/as_of.html",
        {
            "day": day,
            "problem": problem,
            "query": query,
            "level": level if level in Level.values else "",
            "levels": Level.choices,
            "unit_page": unit_page,
            "agency_page": agency_page,
        },
        status=400 if problem else 200,
    )


def _matches(query: str, code: str, name: str) -> bool:
    folded = fold(query)
    return query in code or folded in fold(name)
