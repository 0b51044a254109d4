"""Biểu 06a counted from the dossiers table: the definitions of docs/statistics.md as
database filters (one Q per metric), used both to count and to list the dossiers behind a
number, so a drill-down list always matches its number.

`count_cells` is the one place that counts: one grouped sum over the fact table
(`stats.facts`, docs/statistics.md "Fact table"). `count_cells_direct` counts the same
leaves straight from the dossiers with the filters below; the tests hold both equal, and
the drill-down lists use those filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.catalog.models import Sector
from motcua.dossiers.models import Channel, Dossier, SupplementRequest, Timeliness
from motcua.dossiers.permissions import posts, sees_all
from motcua.dossiers.workflow import Status
from motcua.org import services as org_services
from motcua.org.models import Agency
from motcua.stats import factcore, form06a, form07b
from motcua.stats.models import Fact, FactOpenings

WITH_RESULT = (Status.RESULT_READY, Status.RETURNED)
NOT_RECEIVED = (Status.SUBMITTED, Status.INCOMPLETE)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        """The first instant of the period: local midnight of its first day."""
        return _midnight(self.start)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period: local midnight after its last day."""
        return _midnight(self.end + timedelta(days=1))

    @property
    def last_day_at(self) -> datetime:
        """Local midnight of the last day: a deadline before it falls on an earlier date."""
        return _midnight(self.end)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class Scope:
    """Which agencies and dossiers a report covers: agency ids (None: all), tier, sector."""

    agency_ids: frozenset[int] | None = None
    tier: str = ""
    sector_id: int | None = None
    # The crosswalk: agencies closed by the period's end are counted under their successor
    # in force then (a reorganisation; docs/reorganisation.md "Reports").
    crosswalk: bool = False


def metric_filters(period: Period) -> dict[str, Q]:
    """Each leaf and section of the form as a filter on dossiers annotated by `annotated`."""
    start, end = period.start_at, period.end_at
    received_in = Q(received_at__gte=start, received_at__lt=end)
    finished_in = Q(finished_at__gte=start, finished_at__lt=end)
    with_result = Q(status__in=WITH_RESULT)
    open_at_end = Q(received_at__lt=end) & (Q(finished_at__isnull=True) | Q(finished_at__gte=end))
    overdue = Q(deadline_at_end__lt=period.last_day_at, paused_at_end=False)
    leaves = {
        "online": received_in & Q(channel=Channel.ONLINE),
        "counter_post": received_in & ~Q(channel=Channel.ONLINE),
        "carried_over": Q(received_at__lt=start)
        & (Q(finished_at__isnull=True) | Q(finished_at__gte=start)),
        "early": finished_in & with_result & Q(timeliness=Timeliness.EARLY),
        "on_time": finished_in & with_result & Q(timeliness=Timeliness.ON_TIME),
        # A result without a recorded timeliness is never counted in the agency's favour.
        "late": finished_in
        & with_result
        & ~Q(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME]),
        "within": open_at_end
        & (
            Q(deadline_at_end__isnull=True)
            | Q(deadline_at_end__gte=period.last_day_at)
            | Q(paused_at_end=True)
        ),
        "overdue": open_at_end & overdue,
        "other": finished_in & ~with_result,
    }
    for section, keys in form06a.SECTIONS.items():
        combined = Q()
        for key in keys:
            combined |= leaves[key]
        leaves[section] = combined
    return leaves


def deadline_in_force(moment: datetime):
    """The legal deadline in force at `moment`: the one kept by the first supplement request
    made after it, else the current one (a later supplement does not rewrite the past)."""
    kept = (
        SupplementRequest.objects.filter(
            dossier=OuterRef("pk"), after_receipt=True, requested_at__gte=moment
        )
        .order_by("requested_at", "id")
        .values("deadline_before")[:1]
    )
    return Coalesce(Subquery(kept), F("deadline_at"))


def paused_at(moment: datetime) -> Exists:
    """A supplement request after receipt open at `moment`."""
    return Exists(
        SupplementRequest.objects.filter(
            dossier=OuterRef("pk"), after_receipt=True, requested_at__lt=moment
        ).filter(
            Q(supplemented_at__isnull=True) | Q(supplemented_at__gte=moment),
            Q(closed_at__isnull=True) | Q(closed_at__gte=moment),
        )
    )


def annotated(period: Period, queryset: QuerySet | None = None) -> QuerySet:
    """The dossiers of the period (received by its end, not finished before its start),
    with `paused_at_end` (a supplement request after receipt open at the end) and
    `deadline_at_end` (the deadline in force at the end)."""
    queryset = Dossier.objects.all() if queryset is None else queryset
    return (
        queryset.filter(received_at__isnull=False, received_at__lt=period.end_at)
        .exclude(status__in=NOT_RECEIVED)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=period.start_at))
        .annotate(
            paused_at_end=paused_at(period.end_at),
            deadline_at_end=deadline_in_force(period.end_at),
        )
    )


def scoped(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.agency_ids is not None:
        queryset = queryset.filter(performing_agency_id__in=scope.agency_ids)
    if scope.tier:
        queryset = queryset.filter(performing_agency__level=scope.tier)
    if scope.sector_id is not None:
        queryset = queryset.filter(procedure__sector_id=scope.sector_id)
    return queryset


def count_cells_direct(period: Period, scope: Scope) -> list[form06a.Cell]:
    """One query over the dossiers: the nine leaves per (performing agency, sector)."""
    filters = metric_filters(period)
    rows = (
        scoped(annotated(period), scope)
        .order_by()
        .values("performing_agency_id", "procedure__sector_id")
        .annotate(**{key: Count("id", filter=filters[key]) for key in form06a.LEAVES})
    )
    return [
        form06a.Cell(
            row["performing_agency_id"],
            row["procedure__sector_id"],
            {key: row[key] for key in form06a.LEAVES},
        )
        for row in rows
    ]


# --- from the fact table ---------------------------------------------------------------------


def days(lo: date | None, hi: date, years: bool = True) -> Q:
    """Fact rows covering the days lo..hi (lo None: from the beginning): year rows for the
    whole years (unless `years` is False: to count by month), month rows for the whole
    months, day rows for the rest."""
    return _covering(factcore.segments(lo, hi, years))


def stock_days(hi: date) -> Q:
    """Fact rows whose sums by `factcore.stock_of` give the stocks at the end of `hi` (in
    progress, overdue): a year's opening balances and its months and days up to `hi` when
    the table is opened through that year, else every row from the beginning."""
    return _covering(factcore.stock_segments(hi, opened_through()))


OPENED_SECONDS = 60
_opened: dict = {"through": None, "read": None}


def opened_through() -> int | None:
    """The last year with opening balances, read at most once a minute per process: it only
    grows (a rebuild recomputes the openings of the same years in its transaction), and a
    value read before a yearly roll only makes a report sum more rows, never wrong ones."""
    now = monotonic()
    if _opened["read"] is None or now - _opened["read"] > OPENED_SECONDS:
        _opened["through"] = (
            FactOpenings.objects.filter(pk=1).values_list("through", flat=True).first()
        )
        _opened["read"] = now
    return _opened["through"]


def forget_opened() -> None:
    """Read the openings' extent again next time (after a roll, or a test's rollback)."""
    _opened["read"] = None


def _covering(segments) -> Q:
    where = Q()
    for grain, first, last in segments:
        part = Q(grain=grain, day__lte=last)
        if first is not None:
            part &= Q(day__gte=first)
        where |= part
    return where


def fact_scoped(queryset: QuerySet, scope: Scope) -> QuerySet:
    if scope.agency_ids is not None:
        queryset = queryset.filter(agency_id__in=scope.agency_ids)
    if scope.tier:
        queryset = queryset.filter(agency__level=scope.tier)
    if scope.sector_id is not None:
        queryset = queryset.filter(procedure__sector_id=scope.sector_id)
    return queryset


def fact_sums(queryset: QuerySet, lo: date | None, hi: date, *by: str) -> dict[tuple, int]:
    """{(by values…, kind): summed count} over the days lo..hi (one grouped query)."""
    rows = (
        queryset.filter(days(lo, hi)).order_by().values_list(*by, "kind").annotate(n=Sum("count"))
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def stock_sums(queryset: QuerySet, hi: date, *by: str) -> dict[tuple, int]:
    """{(by values…, kind): summed count} of the rows giving the stocks at the end of `hi`
    (kinds: flows, or the openings' `open` and `overdue`; weigh them by `factcore.sign`)."""
    rows = (
        queryset.filter(stock_days(hi)).order_by().values_list(*by, "kind").annotate(n=Sum("count"))
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def count_cells(period: Period, scope: Scope) -> list[form06a.Cell]:
    """The nine leaves per (performing agency, sector) from the fact table, in two grouped
    queries: the days of the period, and everything before it.

    Flows of the period are its days' facts; carried over is what was received and not
    finished before the first day; in progress is that plus the period's receipts minus its
    finishes, of which overdue is the sum of the overdue deltas up to the last day."""
    facts = fact_scoped(Fact.objects.all(), scope)
    by = ("agency_id", "procedure__sector_id", "channel")
    during = fact_sums(facts, period.start, period.end, *by)
    before = stock_sums(facts, period.start - timedelta(days=1), *by)
    cells: dict[tuple, dict[str, int]] = {}
    received, finished = factcore.RECEIVED, factcore.FINISHED
    for source, (agency, sector, channel, kind), n in [
        *(("during", key, n) for key, n in during.items()),
        *(("before", key, n) for key, n in before.items()),
    ]:
        counts = cells.setdefault((agency, sector), {**form06a.zero(), "open": 0})
        sign = factcore.sign(kind)
        if kind == factcore.OVERDUE:
            counts["overdue"] += n
        if source == "before":
            counts["carried_over"] += sign * n
            counts["open"] += sign * n
            continue
        counts["open"] += sign * n
        if kind == received:
            counts["online" if channel == Channel.ONLINE else "counter_post"] += n
        elif kind in finished:
            counts[kind] += n
    out = []
    for (agency, sector), counts in cells.items():
        counts["within"] = counts.pop("open") - counts["overdue"]
        if any(counts.values()):
            out.append(form06a.Cell(agency, sector, counts))
    return out


def dossiers(period: Period, scope: Scope, metric: str) -> QuerySet:
    """The dossiers behind one number (metric: a leaf or a section)."""
    return scoped(annotated(period), scope).filter(metric_filters(period)[metric])


# --- Agencies and who sees them ----------------------------------------------------------------

REPORTING_KINDS = ("department", "district_pc", "commune_pc")
"""Agencies that appear in the form even with no dossier: the units applying the one-stop
mechanism."""


def agencies_of_period(period: Period) -> QuerySet:
    """Agencies in force on some day of the period."""
    return (
        Agency.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=period.end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=period.start))
        .order_by()
    )


sees_every_agency = sees_all  # supervisors of the province see every agency


def allowed_agency_ids(user) -> frozenset[int] | None:
    """None: every agency; else the agencies where the user holds a post."""
    if user is None or sees_every_agency(user):
        return None
    return frozenset(agency_id for agency_id, _, _ in posts(user))


def subtree(agency: Agency, period: Period) -> frozenset[int]:
    """The agency and the agencies under it (children, grandchildren …)."""
    parents = dict(Agency.objects.order_by().values_list("id", "parent_id"))
    ids = {agency.pk}
    changed = True
    while changed:
        more = {a for a, p in parents.items() if p in ids and a not in ids}
        ids |= more
        changed = bool(more)
    return frozenset(ids)


def intersect(a: frozenset[int] | None, b: frozenset[int] | None) -> frozenset[int] | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def crosswalked(cells: list[form06a.Cell], successors: dict[int, int]) -> list[form06a.Cell]:
    """The cells with each closed agency's counts added to its successor's."""
    merged: dict[tuple, dict[str, int]] = {}
    for cell in cells:
        key = (successors.get(cell.agency_id, cell.agency_id), cell.sector_id)
        counts = merged.setdefault(key, dict.fromkeys(cell.counts, 0))
        for name, n in cell.counts.items():
            counts[name] += n
    return [form06a.Cell(agency, sector, counts) for (agency, sector), counts in merged.items()]


def build(period: Period, scope: Scope) -> dict:
    """The report of the period for the scope (a handful of queries in all)."""
    cells = count_cells(period, scope)
    successors = org_services.successors_on(period.end) if scope.crosswalk else {}
    if successors:
        cells = crosswalked(cells, successors)
    counted = {c.agency_id for c in cells}
    listed = agencies_of_period(period).filter(Q(id__in=counted) | Q(kind__in=REPORTING_KINDS))
    if scope.agency_ids is not None:
        listed = listed.filter(id__in=scope.agency_ids)
    if successors:  # closed agencies appear under their successors only
        listed = listed.exclude(id__in=successors)
    if scope.tier:
        listed = listed.filter(level=scope.tier)
    found = {a.id: a for a in listed.only("id", "code", "name", "level", "kind", "parent_id")}
    missing = counted - set(found)
    if missing:  # a dossier of an agency closed before the period: still reported
        found.update({a.id: a for a in Agency.objects.filter(id__in=missing)})
    agencies = [
        form06a.Agency(a.id, a.code, a.name, a.level, a.kind, a.parent_id) for a in found.values()
    ]
    sector_ids = {c.sector_id for c in cells}
    sectors = [
        form06a.Sector(s.id, s.code, s.name) for s in Sector.objects.filter(id__in=sector_ids)
    ]
    return form06a.build(
        (period.start.isoformat(), period.end.isoformat()), agencies, sectors, cells
    )


def scope_for(
    user,
    period: Period,
    *,
    agency=None,
    unit=None,
    group=None,
    tier="",
    sector=None,
    crosswalk=False,
    crosswalk_on=None,
) -> Scope:
    """The scope a user asked for, narrowed to what they may see: `unit` and `group` are
    each an agency and the units under it, `agency` exactly one agency; user None (the
    command) sees all. With the crosswalk, an agency in the scope brings the closed agencies
    whose work it does at the period's end (or on `crosswalk_on`: the dashboard's month
    lists use the map of its whole period)."""
    ids = allowed_agency_ids(user)
    for top in (unit, group):
        if top is not None:
            ids = intersect(ids, subtree(top, period))
    if agency is not None:
        ids = intersect(ids, frozenset({agency.pk}))
    if crosswalk and ids is not None:
        ids = org_services.with_predecessors(ids, crosswalk_on or period.end)
    return Scope(ids, tier or "", sector.pk if sector is not None else None, crosswalk)


# --- Biểu 07b ----------------------------------------------------------------------------------


def procedure_counts(day):
    """Biểu 07b's counts from the catalogue as on `day`: per (tier, agency), and the
    People's Committees in force per tier."""
    from motcua.catalog.report import in_force_on
    from motcua.dossiers.models import Process

    process = Process.objects.filter(procedure=OuterRef("pk"), is_active=True)
    rows = (
        in_force_on(day)
        .annotate(has_process=Exists(process))
        .order_by()
        .values("level", "agency_id")
        .annotate(
            total=Count("id"),
            one_stop=Count("id", filter=Q(one_stop=True)),
            inter_agency=Count("id", filter=Q(inter_agency=True)),
            with_process=Count("id", filter=Q(has_process=True)),
        )
    )
    table = {}
    for row in rows:
        agency_id = row["agency_id"] if row["level"] == "province" else None
        key = (row["level"], agency_id)
        into = table.setdefault(key, dict.fromkeys(form07b.COLUMNS, 0))
        for column in form07b.COLUMNS:
            into[column] += row[column]
    ids = [agency_id for (_, agency_id) in table if agency_id]
    departments = {
        a.id: (a.code, a.name) for a in Agency.objects.filter(id__in=ids).only("code", "name")
    }
    units = dict(
        Agency.objects.valid_on(day)
        .filter(kind__in=("district_pc", "commune_pc"))
        .order_by()
        .values_list("level")
        .annotate(n=Count("id"))
    )
    return departments, units, table


def procedure_report(day) -> dict:
    departments, units, table = procedure_counts(day)
    return form07b.build(day.isoformat(), departments, units, table)
