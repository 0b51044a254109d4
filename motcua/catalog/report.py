"""The catalogue report, computed from the stored records (see reportcore for the arithmetic)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from motcua.catalog import reportcore
from motcua.catalog.constants import Change, DurationUnit
from motcua.catalog.models import Procedure, PublicationDecision, PublicationItem
from motcua.org.constants import AgencyKind
from motcua.org.models import Agency

HOURS_PER_DAY = Decimal(8)


def in_force_on(day: date):
    return Procedure.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gt=day),
    )


def default_period() -> tuple[date, date]:
    start, end = settings.MOTCUA["CATALOGUE_REPORT_PERIOD"]
    return date.fromisoformat(start), date.fromisoformat(end)


def _one_stop_units(day: date) -> dict:
    # order_by(): the model's default ordering must not join the GROUP BY.
    with_desk = Agency.objects.valid_on(day).filter(desks__is_active=True).order_by()
    counts = dict(
        with_desk.values("kind").annotate(n=Count("id", distinct=True)).values_list("kind", "n")
    )
    units = {
        "provincial_departments": counts.get(AgencyKind.DEPARTMENT, 0),
        "district_level": counts.get(AgencyKind.DISTRICT_PC, 0),
        "commune_level": counts.get(AgencyKind.COMMUNE_PC, 0),
    }
    units["total"] = sum(units.values())
    return units


def _procedures(day: date) -> dict:
    procedures = in_force_on(day)
    by_level = dict(procedures.values_list("level").annotate(n=Count("id")))
    one_stop = dict(procedures.filter(one_stop=True).values_list("level").annotate(n=Count("id")))
    online = {
        (row["online_level"], row["level"]): row["n"]
        for row in procedures.values("online_level", "level").annotate(n=Count("id"))
    }
    inter_agency = procedures.filter(inter_agency=True).count()
    return reportcore.procedures_section(by_level, one_stop, inter_agency, online)


def _publication(start: date, end: date) -> dict:
    items = PublicationItem.objects.filter(
        decision__signed_on__gte=start, decision__signed_on__lte=end
    )
    changes = dict(items.values_list("change").annotate(n=Count("id")))
    replaced_old = Procedure.objects.filter(replaced_by_items__in=items).distinct().count()
    eligible = items.filter(change__in=[Change.NEW, Change.AMENDED, Change.REPLACED])
    cut = eligible.filter(local_duration__lt=F("statutory_duration")).count()
    totals = {"local": Decimal(0), "statutory": Decimal(0)}
    for unit, local, statutory in (
        eligible.values_list("duration_unit")
        .annotate(local=Sum("local_duration"), statutory=Sum("statutory_duration"))
        .values_list("duration_unit", "local", "statutory")
    ):
        divisor = HOURS_PER_DAY if unit == DurationUnit.WORKING_HOURS else Decimal(1)
        totals["local"] += (local or 0) / divisor
        totals["statutory"] += (statutory or 0) / divisor
    decisions = PublicationDecision.objects.filter(signed_on__gte=start, signed_on__lte=end)
    return reportcore.publication_section(
        decisions.count(),
        changes,
        replaced_old,
        cut,
        eligible.count(),
        totals["local"],
        totals["statutory"],
    )


def build(on: date | None = None, period: tuple[date, date] | None = None) -> dict:
    day = on or timezone.localdate()
    start, end = period or default_period()
    return {
        "as_of": day.isoformat(),
        "as_of_vn": day.strftime("%d/%m/%Y"),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "period_vn": [start.strftime("%d/%m/%Y"), end.strftime("%d/%m/%Y")],
        "one_stop_units": _one_stop_units(day),
        "procedures": _procedures(day),
        "publication": _publication(start, end),
    }
