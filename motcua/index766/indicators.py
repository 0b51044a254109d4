"""The counts behind the QĐ 766 index, from the stored records (core.py does the arithmetic).

A handful of queries per computation, whatever the number of dossiers: the dossier
indicators are sums over the statistics' fact table (`stats.facts`: one for the rates, one
for the handling time per procedure), then one aggregation over the procedures and one
over the publication items. The `*_direct` functions count the same from the dossiers (the
tests hold both equal; the drill-down lists use those filters). docs/index766.md says what
each indicator counts.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.lookups import GreaterThanOrEqual, IsNull
from django.urls import reverse
from django.utils import timezone

from motcua.catalog.constants import DurationUnit, OnlineScope
from motcua.catalog.models import Fee, Procedure, PublicationItem, RequiredDocument
from motcua.catalog.report import in_force_on
from motcua.dossiers.models import Channel, Dossier, DossierDocument
from motcua.dossiers.models import Timeliness as T
from motcua.dossiers.workflow import Status
from motcua.index766 import core
from motcua.org import services as org_services
from motcua.org.models import Agency
from motcua.payments.models import ONLINE_CHANNELS, FeeAssessment, Payment
from motcua.payments.models import Status as PaymentStatus
from motcua.results.models import ResultDocument
from motcua.results.models import Status as ResultStatus
from motcua.stats import factcore
from motcua.stats import queries as stats_queries
from motcua.stats.models import Fact
from motcua.store.models import StoreItem
from motcua.worktime.calendars import get_calendar

RESULT = (Status.RESULT_READY, Status.RETURNED)
NOT_RECEIVED = (Status.SUBMITTED, Status.INCOMPLETE)
# "Offered online" [check]: a full online service (Nghị định 42/2022), or the old level 3/4.
ONLINE_SCOPES = (OnlineScope.FULL,)
ONLINE_MIN_LEVEL = 3
# Components a published procedure must have (text fields not empty, and its documents).
COMPONENTS = ("steps", "where_to_apply", "applicants", "result", "legal_basis")
# At most this many supplement requests after receipt; more makes a dossier late (rule 4).
MAX_SUPPLEMENT_REQUESTS = 1
# Indicators with a list of dossiers behind them (the drill-down).
DRILLABLE = (
    "on_time",
    "handling_time",
    "online_dossiers",
    "digitised",
    "electronic_result",
    "paid_online",
    "handling_satisfaction",
    "reused",
    "store_linked",
)


class Period(stats_queries.Period):
    """The statistics' period (local dates, inclusive), judging open dossiers as the index
    does: on the period's last day, or today if that is earlier — a deadline still to come
    is not missed yet."""

    @property
    def judged_at(self) -> datetime:
        day = min(self.end, timezone.localdate())
        return timezone.make_aware(datetime.combine(day, time.min))


# Whose index: the province (None), one agency, or the ids of an agency and the closed
# agencies counted under it (the crosswalk, `walk`).
Scope = Agency | Iterable[int] | None


def agency_ids(agency: Scope) -> frozenset[int] | None:
    if agency is None:
        return None
    if isinstance(agency, Agency):
        return frozenset({agency.pk})
    return frozenset(agency)


@dataclass(frozen=True)
class Walk:
    """The crosswalk of an agency asked for (docs/reorganisation.md, "Reports across the
    change"): `agency` is the one in force at the period's end doing the asked agency's work
    (the asked one itself unless it was closed with a successor), `predecessors` the closed
    agencies whose work it does then; the index counts all of them."""

    asked: Agency
    agency: Agency
    predecessors: tuple[Agency, ...]

    @property
    def ids(self) -> frozenset[int]:
        return frozenset({self.agency.pk, *(a.pk for a in self.predecessors)})

    @property
    def redirected(self) -> bool:
        return self.agency.pk != self.asked.pk

    def as_dict(self) -> dict:
        return {
            "asked": self.asked.code,
            "agency": self.agency.code,
            "predecessors": [
                {
                    "code": a.code,
                    "name": a.name,
                    "closed_on": a.valid_to.isoformat() if a.valid_to else None,
                }
                for a in self.predecessors
            ],
        }


def walk(agency: Agency, day: date) -> Walk:
    """The crosswalk of `agency` on `day` (the period's end): a handful of queries."""
    successor = org_services.successor_on(agency, day)
    ids = org_services.with_predecessors(frozenset({successor.pk}), day) - {successor.pk}
    predecessors = tuple(Agency.objects.filter(pk__in=ids).order_by("valid_to", "code"))
    return Walk(agency, successor, predecessors)


def scope_of(agency: Agency | None, p: Period, crosswalk: bool) -> Scope:
    """What the index counts for the agency asked for: itself, or with the crosswalk its
    `walk`'s agencies (the province is the same either way)."""
    if agency is None or not crosswalk:
        return agency
    return walk(agency, p.end).ids


def scoped_dossiers(agency: Scope) -> QuerySet:
    """The province: every received dossier except the parts of inter-agency dossiers (the
    parent counts once); an agency: the dossiers it performs, parts included."""
    dossiers = Dossier.objects.filter(received_at__isnull=False).exclude(status__in=NOT_RECEIVED)
    if agency is None:
        return dossiers.filter(parent__isnull=True)
    return dossiers.filter(performing_agency_id__in=agency_ids(agency))


def scoped_procedures(agency: Scope, day: date) -> QuerySet:
    """Procedures in force on `day`: all of them, or the agency's (it is their performing
    agency, or it has performed dossiers of them)."""
    procedures = in_force_on(day)
    if agency is None:
        return procedures
    ids = agency_ids(agency)
    performed = Dossier.objects.filter(procedure=OuterRef("pk"), performing_agency_id__in=ids)
    return procedures.filter(Q(agency_id__in=ids) | Q(Exists(performed)))


def offered_online(prefix: str = "") -> Q:
    return Q(**{f"{prefix}online_scope__in": ONLINE_SCOPES}) | Q(
        **{f"{prefix}online_level__gte": ONLINE_MIN_LEVEL}
    )


# --- the dossier sets -----------------------------------------------------------------------


def finished_in(p: Period) -> Q:
    """Processing finished with a result in the period."""
    return Q(status__in=RESULT, finished_at__gte=p.start_at, finished_at__lt=p.end_at)


def open_at_end(p: Period) -> Q:
    """Received by the end of the period and not finished by then."""
    return Q(received_at__lt=p.end_at) & (
        Q(finished_at__isnull=True) | Q(finished_at__gte=p.end_at)
    )


def of_period(p: Period) -> Q:
    return finished_in(p) | open_at_end(p)


def paused_at_end(p: Period) -> Exists:
    return stats_queries.paused_at(p.end_at)


def on_time(p: Period) -> Q:
    """Finished on time (early or on the day, against the deadline net of supplement
    intervals) or open within the deadline on the period's last day (a dossier awaiting a
    supplement is within); never with more than one supplement request after receipt."""
    finished_ok = finished_in(p) & Q(timeliness__in=[T.EARLY, T.ON_TIME])
    deadline = stats_queries.deadline_in_force(p.end_at)
    within = open_at_end(p) & (
        Q(IsNull(deadline, True))
        | Q(GreaterThanOrEqual(deadline, p.judged_at))
        | Q(paused_at_end(p))
    )
    return Q(supplement_count__lte=MAX_SUPPLEMENT_REQUESTS) & (finished_ok | within)


def received_in(p: Period) -> Q:
    return Q(received_at__gte=p.start_at, received_at__lt=p.end_at)


def digitised() -> Q:
    """Every paper of the dossier attached as a file (and at least one paper)."""
    files = DossierDocument.objects.filter(dossier=OuterRef("pk"))
    return Q(Exists(files.exclude(file=""))) & ~Q(Exists(files.filter(file="")))


def electronic_result() -> Q:
    """The result was issued as a signed electronic document (results app)."""
    signed = ResultDocument.objects.filter(dossier=OuterRef("pk"), status=ResultStatus.SIGNED)
    return Q(Exists(signed))


def reused() -> Q:
    """At least one of the dossier's documents was taken from the personal data store
    (the applicant chose a stored paper instead of supplying it again) [check]."""
    taken = DossierDocument.objects.filter(dossier=OuterRef("pk"), reused_from__isnull=False)
    return Q(Exists(taken))


def store_linked() -> Q:
    """The dossier is linked to the personal data store: its papers or its result went to
    the applicant's store, or it took a paper from it [check]."""
    stored = StoreItem.objects.filter(dossier=OuterRef("pk"))
    return Q(Exists(stored)) | reused()


def charged_fees() -> Q:
    """The dossier owes fees: its procedure has a fee that is not zero (or that varies), or
    fees were recorded for it; not when the desk set them to nothing (an exemption), nor
    when it ended without a result unpaid (nothing is owed then)."""
    fees = Fee.objects.filter(procedure=OuterRef("procedure")).exclude(amount=0)
    exempt = FeeAssessment.objects.filter(dossier=OuterRef("pk"), amount=0)
    ended = Q(status__in=(Status.REFUSED, Status.WITHDRAWN, Status.CLOSED), fee_paid=False)
    return (Q(Exists(fees)) | Q(fee_amount__gt=0)) & ~Q(Exists(exempt)) & ~ended


def paid_online() -> Q:
    """The fees were settled by a payment through a gateway or a VietQR bank transfer (a
    second payment kept for refund does not count)."""
    payments = Payment.objects.filter(
        dossier=OuterRef("pk"), status=PaymentStatus.PAID, channel__in=ONLINE_CHANNELS
    )
    return Q(Exists(payments))


def dossier_sets(key: str, p: Period) -> tuple[Q, Q]:
    """(denominator, numerator) of a dossier indicator, as filters on Dossier."""
    if key in ("on_time", "handling_satisfaction"):
        return of_period(p), on_time(p)
    if key == "handling_time":
        return finished_in(p), Q(timeliness__in=[T.EARLY, T.ON_TIME])
    if key == "online_dossiers":
        return received_in(p) & offered_online("procedure__"), Q(channel=Channel.ONLINE)
    if key == "digitised":
        return received_in(p), digitised()
    if key == "electronic_result":
        return finished_in(p), electronic_result()
    if key == "paid_online":
        return received_in(p) & charged_fees(), paid_online()
    if key == "reused":
        return received_in(p), reused()
    if key == "store_linked":
        return received_in(p), store_linked()
    raise KeyError(key)


# --- counts -------------------------------------------------------------------------------


def _dossier_counts_direct(agency, p: Period) -> dict[str, core.Count]:
    aggregates = {}
    keys = ("on_time", "online_dossiers", "digitised", "electronic_result", "paid_online")
    for key in keys:
        base, counted = dossier_sets(key, p)
        aggregates[f"{key}_den"] = Count("id", filter=base)
        aggregates[f"{key}_num"] = Count("id", filter=base & counted)
    row = scoped_dossiers(agency).aggregate(**aggregates)
    counts = {key: core.Count(row[f"{key}_num"], row[f"{key}_den"]) for key in keys}
    counts["handling_satisfaction"] = core.satisfaction_count(
        row["on_time_num"], row["on_time_den"], complaints=None
    )
    return counts


def _handling_time_direct(agency, p: Period) -> core.Count:
    """Procedures whose average handling time (working days from receipt to the end of
    processing, supplement intervals subtracted) is within their local time limit."""
    rows = (
        scoped_dossiers(agency)
        .filter(finished_in(p))
        .values_list("procedure_id", "performing_agency_id", "received_at", "finished_at", "pauses")
    )
    totals = defaultdict(lambda: [0, 0])
    day_seconds = {}
    for procedure_id, agency_id, received_at, finished_at, pauses in rows.iterator():
        calendar = get_calendar(agency_id)
        intervals = [
            (datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None) for a, b in pauses
        ]
        totals[procedure_id][0] += int(
            core.handling_seconds(calendar.elapsed, received_at, finished_at, intervals)
        )
        totals[procedure_id][1] += 1
        day_seconds.setdefault(procedure_id, calendar.hours.day_us / 1_000_000)
    return _handling_detail(totals, day_seconds)


def _handling_detail(totals: dict, day_seconds: dict) -> core.Count:
    """Per procedure: its dossiers' total handling seconds and count → the average."""
    procedures = Procedure.objects.filter(pk__in=totals).values_list(
        "pk", "code", "name", "local_duration", "duration_unit"
    )
    detail = []
    for pk, code, name, limit, unit in procedures.order_by("code"):
        average = core.average_days(*totals[pk], day_seconds[pk])
        limit_days = Decimal(limit)
        if unit == DurationUnit.WORKING_HOURS:
            limit_days = (limit_days * 3600 / Decimal(day_seconds[pk])).quantize(core.CENT)
        detail.append(
            {
                "procedure": code,
                "name": name,
                "dossiers": totals[pk][1],
                "average_days": average,
                "limit_days": limit_days,
                "within": core.within_limit(average, limit_days),
            }
        )
    return core.Count(sum(1 for d in detail if d["within"]), len(detail), detail=detail)


def scoped_facts(agency: Scope) -> QuerySet:
    """As `scoped_dossiers`, on the fact table."""
    if agency is None:
        return Fact.objects.filter(part=False)
    return Fact.objects.filter(agency_id__in=agency_ids(agency))


def _signed_results(agency, p: Period) -> int:
    """Results of the period issued as a signed electronic document: one count on the
    results' own (status, issued_at) index (the fact table has no kind for it; `issued_at`
    is the dossier's `finished_at`), scoped like `scoped_dossiers`."""
    rows = ResultDocument.objects.filter(
        status=ResultStatus.SIGNED,
        issued_at__gte=p.start_at,
        issued_at__lt=p.end_at,
        dossier__status__in=RESULT,
    )
    if agency is None:
        return rows.filter(dossier__parent__isnull=True).count()
    return rows.filter(dossier__performing_agency_id__in=agency_ids(agency)).count()


def _store_counts(agency, p: Period, received: int) -> dict[str, core.Count]:
    """Dossiers received in the period that reused a stored paper, and that are linked to
    the personal data store, over the period's received dossiers (`received`: the fact
    table's count, as for `digitised`). Counted from the few rows that say so (the papers
    taken from a store, the store's items, of the period's dossiers), each then found by
    its dossier's key: two EXISTS on every dossier of the period took 3.05 of the index's
    3.1 s at 3 million dossiers (docs/statistics.md, "Speed")."""
    in_period = scoped_dossiers(agency).filter(received_in(p))
    of_period = {"dossier__received_at__gte": p.start_at, "dossier__received_at__lt": p.end_at}
    taken = DossierDocument.objects.filter(reused_from__isnull=False, **of_period)
    stored = StoreItem.objects.filter(**of_period)
    taken, stored = taken.values("dossier_id"), stored.values("dossier_id")
    return {
        "reused": core.Count(in_period.filter(pk__in=taken).count(), received),
        "store_linked": core.Count(in_period.filter(pk__in=stored.union(taken)).count(), received),
    }


def _online(scope: str, level: int | None) -> bool:
    """`offered_online` for one procedure's values."""
    return scope in ONLINE_SCOPES or (level or 0) >= ONLINE_MIN_LEVEL


def _dossier_counts(agency, p: Period) -> dict[str, core.Count]:
    """The rates from the fact table: two grouped sums (the period's days; everything
    before), and a third for the overdue ones when the period ends after today."""
    facts = scoped_facts(agency)
    by = ("multi", "digitised", "channel", "procedure__online_scope", "procedure__online_level")
    sums = stats_queries.fact_sums
    during = sums(facts, p.start, p.end, *by)
    before = stats_queries.stock_sums(facts, p.start - timedelta(days=1), *by)
    judged_day = min(p.end, timezone.localdate())
    c = dict.fromkeys(
        (
            "results",
            "results_ok",
            "open",
            "open_single",
            "overdue_single",
            "received",
            "digitised",
            "offered",
            "offered_online",
            factcore.CHARGED,
            factcore.PAID_ONLINE,
        ),
        0,
    )
    for source, rows in (("during", during), ("before", before)):
        for (multi, digitised, channel, scope, level, kind), n in rows.items():
            sign = factcore.sign(kind)
            c["open"] += sign * n
            c["open_single"] += 0 if multi else sign * n
            if kind in factcore.MARKS:
                c[kind] += n if source == "during" else 0
                continue
            if kind == factcore.OVERDUE and not multi and judged_day == p.end:
                c["overdue_single"] += n
            if source == "before":
                continue
            if kind in factcore.RESULTS:
                c["results"] += n
                if kind != factcore.LATE and not multi:
                    c["results_ok"] += n
            if kind == factcore.RECEIVED:
                c["received"] += n
                c["digitised"] += n if digitised else 0
                if _online(scope, level):
                    c["offered"] += n
                    c["offered_online"] += n if channel == Channel.ONLINE else 0
    if judged_day != p.end:
        overdue = stats_queries.stock_sums(
            facts.filter(kind=factcore.OVERDUE, multi=False), judged_day
        )
        c["overdue_single"] = sum(overdue.values())
    on_time = core.Count(
        c["results_ok"] + c["open_single"] - c["overdue_single"], c["results"] + c["open"]
    )
    return {
        "on_time": on_time,
        "online_dossiers": core.Count(c["offered_online"], c["offered"]),
        "digitised": core.Count(c["digitised"], c["received"]),
        "electronic_result": core.Count(_signed_results(agency, p), c["results"]),
        "paid_online": core.Count(c[factcore.PAID_ONLINE], c[factcore.CHARGED]),
        "handling_satisfaction": core.satisfaction_count(
            on_time.numerator, on_time.denominator, complaints=None
        ),
    }


def _handling_time(agency, p: Period) -> core.Count:
    """Per procedure, the summed handling seconds and count of its results in the period."""
    rows = (
        scoped_facts(agency)
        .filter(stats_queries.days(p.start, p.end), kind__in=factcore.RESULTS)
        .order_by()
        .values("procedure_id", "agency_id")
        .annotate(seconds=Sum("seconds"), n=Sum("count"))
    )
    totals = defaultdict(lambda: [0, 0])
    day_seconds = {}
    for row in rows:
        if not row["n"]:
            continue
        totals[row["procedure_id"]][0] += row["seconds"]
        totals[row["procedure_id"]][1] += row["n"]
        calendar = get_calendar(row["agency_id"])
        day_seconds.setdefault(row["procedure_id"], calendar.hours.day_us / 1_000_000)
    return _handling_detail(totals, day_seconds)


def _procedure_counts(agency, p: Period) -> dict[str, core.Count]:
    online = offered_online()
    used = Fact.objects.filter(
        stats_queries.days(p.start, p.end),
        channel=Channel.ONLINE,
        kind=factcore.RECEIVED,
        count__gt=0,
    )
    if agency is not None:
        used = used.filter(agency_id__in=agency_ids(agency))
    complete = Q(Exists(RequiredDocument.objects.filter(procedure=OuterRef("pk"))))
    for name in COMPONENTS:
        complete &= ~Q(**{name: ""})
    row = scoped_procedures(agency, p.end).aggregate(
        total=Count("id"),
        online=Count("id", filter=online),
        used=Count("id", filter=online & Q(pk__in=used.values("procedure_id"))),
        complete=Count("id", filter=complete),
    )
    return {
        "offered_online": core.Count(row["online"], row["total"]),
        "online_used": core.Count(row["used"], row["online"]),
        "complete_components": core.Count(row["complete"], row["total"]),
    }


def _announcement(agency, p: Period) -> core.Count:
    """Procedures in decisions signed in the period, announced no later than the day the
    decision takes effect [check: the lead time of the law is not modelled]."""
    items = PublicationItem.objects.filter(
        decision__signed_on__gte=p.start, decision__signed_on__lte=p.end
    )
    if agency is not None:
        items = items.filter(procedure__in=scoped_procedures(agency, p.end).values("pk"))
    row = items.aggregate(
        total=Count("id"),
        on_time=Count("id", filter=Q(decision__signed_on__lte=F("decision__effective_on"))),
    )
    return core.Count(row["on_time"], row["total"])


def _payment_counts(agency, p: Period) -> dict[str, core.Count]:
    """Fee-bearing procedures in force with at least one online payment in the period
    ("integrated for online payment", as observed) [check]: one query. (Dossiers paid
    online come from the fact table, with the other dossier counts.)"""
    paid = Payment.objects.filter(
        status=PaymentStatus.PAID,
        channel__in=ONLINE_CHANNELS,
        paid_at__gte=p.start_at,
        paid_at__lt=p.end_at,
    )
    if agency is not None:
        paid = paid.filter(dossier__performing_agency_id__in=agency_ids(agency))
    charging = Q(Exists(Fee.objects.filter(procedure=OuterRef("pk")).exclude(amount=0)))
    procedures = scoped_procedures(agency, p.end).aggregate(
        total=Count("id", filter=charging),
        paid=Count("id", filter=charging & Q(pk__in=paid.values("dossier__procedure_id"))),
    )
    return {"online_payment_procedures": core.Count(procedures["paid"], procedures["total"])}


def counts(agency: Scope, p: Period) -> dict[str, core.Count]:
    result = _dossier_counts(agency, p)
    result.update(_payment_counts(agency, p))
    result.update(_store_counts(agency, p, result["digitised"].denominator))
    result["handling_time"] = _handling_time(agency, p)
    result.update(_procedure_counts(agency, p))
    result["announced_on_time"] = _announcement(agency, p)
    return result


# --- the report -----------------------------------------------------------------------------


def drilldown_url(key: str, p: Period, agency: Agency | None, crosswalk: bool = False) -> str:
    query = {"indicator": key, "from": p.start.isoformat(), "to": p.end.isoformat()}
    if agency is not None:
        query["agency"] = agency.code
    if crosswalk:
        query["crosswalk"] = "on"
    return f"{reverse('index766:dossiers')}?{urlencode(query)}"


def build(agency: Agency | None, p: Period, crosswalk: bool = False) -> dict:
    """The index of the province (agency None) or of one agency for the period. With the
    crosswalk, an agency's index counts the closed agencies whose work it does at the
    period's end, and a closed agency's is its successor's (`walk`); `crosswalk` in the
    result says so (the key is there only when the crosswalk is asked for)."""
    walked = walk(agency, p.end) if crosswalk and agency is not None else None
    shown = walked.agency if walked is not None else agency
    report = core.evaluate(counts(walked.ids if walked is not None else agency, p))
    for group in report["groups"]:
        for row in group["indicators"]:
            row["drilldown"] = (
                drilldown_url(row["key"], p, shown, crosswalk)
                if row["key"] in DRILLABLE and row["status"] == core.OK
                else None
            )
    report["period"] = {"from": p.start.isoformat(), "to": p.end.isoformat()}
    report["agency"] = shown.code if shown is not None else None
    if crosswalk:
        report["crosswalk"] = (
            walked.as_dict()
            if walked is not None
            else {"asked": None, "agency": None, "predecessors": []}
        )
    return report


def history(
    agency: Agency | None, p: Period, months: int = 12, crosswalk: bool = False
) -> list[dict]:
    """Total points per month for the last `months` months of the period: each month's
    stored or kept points where there are (`points`), else computed. With the crosswalk
    every month counts the agencies of the map at the period's end, so the line of a merged
    agency runs on through the change."""
    from motcua.index766 import points

    spans = core.months(p.start, p.end, months)
    scope: list = []  # what is counted, found once and only if a month is computed

    def compute(start: date, end: date) -> Decimal:
        if not scope:
            scope.append(scope_of(agency, p, crosswalk))
        return core.evaluate(counts(scope[0], Period(start, end)))["points"]

    walked_on = p.end if crosswalk and agency is not None else None
    code = points.PROVINCE if agency is None else agency.code
    values = points.months(spans, code, compute, walked_on=walked_on, today=timezone.localdate())
    return [
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "month": f"{start:%m/%Y}",
            "points": value,
        }
        for (start, end), value in zip(spans, values, strict=True)
    ]


def drilldown(
    key: str, p: Period, agency: Agency | None, part: str, crosswalk: bool = False
) -> QuerySet:
    """The dossiers behind a dossier indicator: `missed` (in the denominator, not the
    numerator), `counted` (the numerator) or `all` (the denominator)."""
    scope = scope_of(agency, p, crosswalk)
    base, counted = dossier_sets(key, p)
    dossiers = scoped_dossiers(scope).filter(base)
    if part == "all":
        return dossiers
    numerator = scoped_dossiers(scope).filter(base & counted).values("pk")
    if part == "counted":
        return dossiers.filter(pk__in=numerator)
    # Not exclude(counted): a negated comparison with a NULL column would drop rows.
    return dossiers.exclude(pk__in=numerator)
