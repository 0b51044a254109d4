"""Reconciliation: what the record says against what happened (docs/reconciliation.md).

Every finish and return keeps when it happened (`DossierEvent.at`) and, when it was entered
later, when it was entered (`recorded_at`); one entered more than LATE_ENTRY_WORKING_DAYS
working days late carries a reason and the `late_entry` flag (`dossiers.services.act`).
From these:

- `late_entries`: the finishes and returns of a period entered late, per agency;
- `discipline`: the share of the period's finishes and returns entered in time;
- `split`: the period's late dossiers, "late in fact" (finished after the deadline) against
  "late on the record only" (finished in time, but entered after the deadline's date, so the
  system showed them overdue);
- `stale`: open dossiers with nothing entered for STALE_WORKING_DAYS working days.

The period is the days the actions happened on (as for Biểu 06a, by `finished_at`); a
finish or return counts for the dossier's performing agency, a stale dossier for the agency
it is at now. Every function takes the agency ids a user may see (None: all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from motcua.core.around import Around, by_key
from motcua.core.numbers import percent
from motcua.dossiers.models import Dossier, DossierEvent, Timeliness
from motcua.dossiers.services import calendar, rule
from motcua.dossiers.workflow import Action, Status
from motcua.org.models import Agency

DATED_ACTIONS = (Action.COMPLETE, Action.RETURN_RESULT)
# Open and running: not finished, not paused awaiting a supplement, not awaiting the desk.
STALE_STATUSES = (Status.RECEIVED, Status.PROCESSING)
LIST_LIMIT = 500  # rows of a list on the page; the counts are always complete


def _in_scope(queryset: QuerySet, agency_ids, column: str) -> QuerySet:
    return queryset if agency_ids is None else queryset.filter(**{f"{column}__in": agency_ids})


def dated_events(period, agency_ids) -> QuerySet:
    """The finishes and returns that happened in the period, of the agencies' dossiers."""
    events = DossierEvent.objects.filter(
        action__in=DATED_ACTIONS, at__gte=period.start_at, at__lt=period.end_at
    )
    return _in_scope(events, agency_ids, "dossier__performing_agency_id")


def working_days(agency_id, start: datetime, end: datetime) -> Decimal:
    """Working days between two instants on the agency's calendar, to one decimal."""
    cal = calendar(agency_id)
    try:
        days = cal.elapsed(start, end) / cal.hours.day
    except (ValueError, OverflowError):  # an instant beyond the calendar (bad old data)
        days = (end - start) / timedelta(days=1)
    return Decimal(str(round(days, 1)))


# --- Late entries and discipline ---------------------------------------------------------------


@dataclass
class AgencyFigures:
    agency: Agency
    dated: int = 0  # finishes and returns that happened in the period
    late_finishes: int = 0
    late_returns: int = 0
    late_in_fact: int = 0
    late_on_record: int = 0
    stale: int = 0
    entries: list = field(default_factory=list)  # LateEntry
    record_only: list = field(default_factory=list)  # RecordOnly
    stale_rows: list = field(default_factory=list)  # Stale

    @property
    def late_entries(self) -> int:
        return self.late_finishes + self.late_returns

    @property
    def discipline(self):
        """Percent of the period's finishes and returns entered in time (None: none)."""
        return percent(self.dated - self.late_entries, self.dated)

    @property
    def late(self) -> int:
        return self.late_in_fact + self.late_on_record


@dataclass
class LateEntry:
    code: str
    action: str
    happened_at: datetime
    recorded_at: datetime
    days: Decimal
    reason: str
    actor: str
    url: str


@dataclass
class RecordOnly:
    code: str
    deadline_at: datetime
    finished_at: datetime
    recorded_at: datetime
    url: str


@dataclass
class Stale:
    dossier: Dossier | SimpleNamespace  # a plain object with `stale(columns=…)`
    last_entry: datetime
    days: Decimal


def counts(period, agency_ids) -> dict[int, dict]:
    """Per performing agency: finishes and returns of the period, and those entered late
    (one grouped query)."""
    rows = (
        dated_events(period, agency_ids)
        .order_by()
        .values("dossier__performing_agency_id")
        .annotate(
            dated=Count("id"),
            late_finishes=Count(
                "id", filter=Q(late_entry=True, action=Action.COMPLETE), distinct=True
            ),
            late_returns=Count(
                "id", filter=Q(late_entry=True, action=Action.RETURN_RESULT), distinct=True
            ),
            late_in_fact=Count(
                "dossier",
                filter=Q(action=Action.COMPLETE, dossier__timeliness=Timeliness.LATE),
                distinct=True,
            ),
        )
    )
    return {row.pop("dossier__performing_agency_id"): row for row in rows}


def discipline(period, agency_ids):
    """The share (percent) of the period's finishes and returns entered in time, over the
    agencies together; None when there were none."""
    totals = dated_events(period, agency_ids).aggregate(
        dated=Count("id"), late=Count("id", filter=Q(late_entry=True))
    )
    return percent(totals["dated"] - totals["late"], totals["dated"])


def late_entries(period, agency_ids, limit: int = LIST_LIMIT) -> list[tuple[int, LateEntry]]:
    """(performing agency id, entry) of the period's finishes and returns entered late,
    oldest first."""
    events = (
        dated_events(period, agency_ids)
        .filter(late_entry=True)
        .select_related("dossier", "actor")
        .order_by("at", "id")[:limit]
    )
    rows = []
    for e in events:
        agency_id = e.dossier.performing_agency_id
        recorded = e.recorded_at or e.at
        actor = (e.actor.get_full_name() or e.actor.username) if e.actor else ""
        rows.append(
            (
                agency_id,
                LateEntry(
                    code=e.dossier.code,
                    action=e.action,
                    happened_at=e.at,
                    recorded_at=recorded,
                    days=working_days(agency_id, e.at, recorded),
                    reason=(e.data or {}).get("late_entry_reason", ""),
                    actor=actor,
                    url=e.dossier.get_absolute_url(),
                ),
            )
        )
    return rows


def entered_after_deadline(finished_at, recorded_at, deadline_at) -> bool:
    """A finish on time in fact that the record showed late: entered on a later date than
    the deadline's (the open dossier was overdue on the system until then)."""
    if recorded_at is None or deadline_at is None:
        return False
    return timezone.localdate(recorded_at) > timezone.localdate(deadline_at)


def record_only(period, agency_ids) -> list[tuple[int, RecordOnly]]:
    """(performing agency id, dossier) finished in time in the period but entered after
    the deadline's date: late on the record only."""
    events = (
        dated_events(period, agency_ids)
        .filter(
            action=Action.COMPLETE,
            recorded_at__isnull=False,
            dossier__timeliness__in=(Timeliness.EARLY, Timeliness.ON_TIME),
            dossier__deadline_at__isnull=False,
        )
        .select_related("dossier")
        .order_by("at", "id")
    )
    seen, rows = set(), []
    for e in events:
        d = e.dossier
        if d.pk in seen or not entered_after_deadline(e.at, e.recorded_at, d.deadline_at):
            continue
        seen.add(d.pk)
        rows.append(
            (
                d.performing_agency_id,
                RecordOnly(d.code, d.deadline_at, e.at, e.recorded_at, d.get_absolute_url()),
            )
        )
    return rows


# --- Stale dossiers ------------------------------------------------------------------------------


_cutoffs: dict = {}  # (agency id, days, minute) -> (calendar, instant): stale_since's
CUTOFFS_KEPT = 1000


def stale_since(agency_id, now: datetime, days: int | None = None) -> datetime:
    """The latest instant at least `days` working days (the agency's calendar) before
    `now`, to the minute (`now` taken at the start of its minute): a dossier with nothing
    entered since is stale. Found by bisection, in whole seconds back, on the calendar's
    elapsed working time, once per agency and minute in this process (the queue's stale
    block asks on every page; a changed calendar is a new object, so never answered
    from an old one)."""
    days = rule("STALE_WORKING_DAYS") if days is None else days
    cal = calendar(agency_id)
    now = now.replace(second=0, microsecond=0)
    key = (agency_id, days, now)
    kept = _cutoffs.get(key)
    if kept is not None and kept[0] is cal:
        return kept[1]
    if len(_cutoffs) >= CUTOFFS_KEPT:
        _cutoffs.clear()
    instant = _stale_since(cal, now, days)
    _cutoffs[key] = (cal, instant)
    return instant


def is_stale(status, agency_id, last_entry: datetime | None, now: datetime) -> bool:
    """Is a dossier in this status at this agency, with its last entry then, stale now? As
    `stale` finds them, for one row already read (the work queue's rows mark their own)."""
    days = rule("STALE_WORKING_DAYS")
    if days <= 0 or status not in STALE_STATUSES or last_entry is None or agency_id is None:
        return False
    return last_entry <= stale_since(agency_id, now, days)


def _stale_since(cal, now: datetime, days: int) -> datetime:
    need = cal.hours.day * days
    enough = (7 * days + 30) * 86400  # seconds back: far enough, unless a long holiday
    while cal.elapsed(now - timedelta(seconds=enough), now) < need:
        if enough > 20 * 366 * 86400:  # no working time in twenty years: nothing is stale
            return now - timedelta(seconds=enough)
        enough *= 2
    short = 0  # seconds back that are not enough
    while enough - short > 1:
        middle = (short + enough) // 2
        if cal.elapsed(now - timedelta(seconds=middle), now) >= need:
            enough = middle
        else:
            short = middle
    return now - timedelta(seconds=enough)


def _stale_rows(ids, columns: tuple) -> QuerySet:
    """`columns`: (name, field path or (model, column, of) read by key), as `stale` has them."""
    names = {name: by_key(*how) for name, how in columns if isinstance(how, tuple)}
    return (
        Dossier.objects.filter(pk__in=ids)
        .annotate(**names)
        .order_by("last_entered_at", "id")
        .values_list(
            "pk",
            "current_agency_id",
            "last_entered_at",
            *(name if isinstance(how, tuple) else how for name, how in columns),
        )
    )


# The stale rows' columns, compiled once per process and set of columns (core/around.py).
_STALE_ROWS = Around(_stale_rows)


def stale(
    dossiers: QuerySet,
    now: datetime | None = None,
    limit: int | None = None,
    columns: dict[str, str] | None = None,
):
    """The open dossiers of `dossiers` with nothing entered for STALE_WORKING_DAYS working
    days, stalest first, as `Stale` rows. One query: the candidates (nothing entered for
    at least days − 1 calendar days, a necessary condition) are checked against their
    agency's calendar here.

    With `columns` (name: a field path, or (model, column, of) read by key as
    core/around.by_key does), each row's `dossier` is not a model instance but a plain
    object with those values and `pk`, `current_agency_id`: the work queue's stale
    block shows five values of twenty dossiers, and building them as models with their
    procedure, applicant and step was a good part of its time (docs/performance.md); the
    part of the query that reads those columns around the candidates' ids is compiled once
    per process (core/around.py)."""
    now = now or timezone.now()
    days = rule("STALE_WORKING_DAYS")
    if days <= 0:
        return []
    candidates = (
        dossiers.filter(status__in=STALE_STATUSES)
        .annotate(last_entry=F("last_entered_at"))  # kept on the row (services._event)
        .filter(last_entry__lte=now - timedelta(days=days - 1))
        .order_by("last_entry", "id")
    )
    if columns is not None:
        candidates = candidates.values("pk")
    if limit is not None:
        # Stalest first: on one calendar every stale candidate comes before every one that is
        # not (yet), so the first `limit` are the list; a few more for officers whose
        # agencies keep different calendars. The full list (the report) has no limit.
        candidates = candidates[: limit + 10]
    if columns is not None:  # the candidates' ids, and around them their columns, by name
        names = ("pk", "current_agency_id", "last_entry", *columns)
        read = _STALE_ROWS.rows(candidates, tuple(columns.items()))
        candidates = [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in read]
    cutoffs: dict = {}
    rows = []
    for d in candidates:
        agency_id = d.current_agency_id
        if agency_id not in cutoffs:
            cutoffs[agency_id] = stale_since(agency_id, now, days)
        if d.last_entry <= cutoffs[agency_id]:
            rows.append(Stale(d, d.last_entry, working_days(agency_id, d.last_entry, now)))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def stale_in(agency_ids, now: datetime | None = None) -> list[Stale]:
    dossiers = _in_scope(Dossier.objects.all(), agency_ids, "current_agency_id")
    return stale(dossiers.select_related("procedure", "assignee", "current_step"), now)


# --- The report ----------------------------------------------------------------------------------


def report(period, agency_ids, now: datetime | None = None) -> list[AgencyFigures]:
    """Per agency with anything to show: its figures and lists."""
    by_agency: dict[int, dict] = counts(period, agency_ids)
    entries = late_entries(period, agency_ids)
    only = record_only(period, agency_ids)
    stale_rows = stale_in(agency_ids, now)
    ids = set(by_agency) | {a for a, _ in entries} | {a for a, _ in only}
    ids |= {s.dossier.current_agency_id for s in stale_rows}
    ids.discard(None)
    agencies = Agency.objects.in_bulk(ids)
    figures = {}
    for agency_id in ids:
        row = by_agency.get(agency_id, {})
        figures[agency_id] = AgencyFigures(
            agency=agencies[agency_id],
            dated=row.get("dated", 0),
            late_finishes=row.get("late_finishes", 0),
            late_returns=row.get("late_returns", 0),
            late_in_fact=row.get("late_in_fact", 0),
        )
    for agency_id, entry in entries:
        figures[agency_id].entries.append(entry)
    for agency_id, item in only:
        figures[agency_id].record_only.append(item)
        figures[agency_id].late_on_record += 1
    for s in stale_rows:
        figures[s.dossier.current_agency_id].stale_rows.append(s)
        figures[s.dossier.current_agency_id].stale += 1
    return sorted(figures.values(), key=lambda f: (f.agency.name, f.agency.code))


def totals(rows: list[AgencyFigures]) -> AgencyFigures:
    total = AgencyFigures(agency=None)
    for f in rows:
        total.dated += f.dated
        total.late_finishes += f.late_finishes
        total.late_returns += f.late_returns
        total.late_in_fact += f.late_in_fact
        total.late_on_record += f.late_on_record
        total.stale += f.stale
    return total
