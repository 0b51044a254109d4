"""The statistics' fact table, kept in step with the dossiers (docs/statistics.md, "Fact
table").

- `follow(dossier)` is called by `services._event`, in the transaction of every dossier
  event: it computes what the dossier now adds to the table (`factcore.contribution`),
  applies the difference from what it added before (kept on the row, `Dossier.facts`) and
  stores the new contribution. A rolled-back event rolls its facts back with it.
- `rebuild()` (`motcua facts rebuild`) recomputes the whole table from the dossiers.
- `add(changes)` applies changes with one upsert statement (the demo's bulk writer uses it
  too), on the day, month and year rows of each fact, and on the opening balances of the
  later years already opened.
- `open_years()` adds each new year's opening balances (the stocks on 1 January), by the
  monthly task and the seeds; reports of a later period read one year's openings instead of
  every year since the beginning.

The reports (`stats.queries`, `index766.indicators`) sum this table instead of scanning the
dossiers; the drill-down lists still read the dossiers with the same definitions, and the
tests hold both to the same numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from motcua.core import audit
from motcua.dossiers.models import Dossier, DossierDocument, SupplementRequest
from motcua.dossiers.workflow import Status
from motcua.index766.core import handling_seconds
from motcua.stats import factcore, queries
from motcua.stats.models import Fact, FactOpenings, Grain
from motcua.worktime.calendars import get_calendar

WITH_RESULT = (Status.RESULT_READY, Status.RETURNED)
NOT_RECEIVED = (Status.SUBMITTED, Status.INCOMPLETE)
KEY_COLUMNS = (
    "agency_id",
    "procedure_id",
    "channel",
    "part",
    "digitised",
    "multi",
    "kind",
)
CHUNK = 2000


def _day(moment: datetime | None):
    return timezone.localdate(moment) if moment is not None else None


def outcome(dossier: Dossier) -> str | None:
    if dossier.finished_at is None:
        return None
    if dossier.status in WITH_RESULT:
        if dossier.timeliness in (factcore.EARLY, factcore.ON_TIME):
            return dossier.timeliness
        return factcore.LATE  # a result without a recorded timeliness never counts in favour
    return factcore.OTHER


def result_seconds(dossier: Dossier) -> int:
    """Working seconds from receipt to the end of processing, supplement intervals
    subtracted (the index's handling time)."""
    calendar = get_calendar(dossier.performing_agency_id)
    pauses = [
        (_parse(a), _parse(b) if b else None) for a, b in (dossier.pauses or []) if a is not None
    ]
    return int(handling_seconds(calendar.elapsed, dossier.received_at, dossier.finished_at, pauses))


def _parse(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


ENDED = (Status.REFUSED, Status.WITHDRAWN, Status.CLOSED)


def fee_query(procedure):
    """The procedure's fees that make a dossier owe something: not zero (or varying)."""
    from motcua.catalog.models import Fee

    return Fee.objects.filter(procedure=procedure).exclude(amount=0)


def has_fees_annotation() -> Exists:
    """For `Procedure.objects.annotate(has_fees=…)`: what `prepare_new` would ask."""
    return Exists(fee_query(OuterRef("pk")))


def fee_marks(ids) -> dict[int, tuple[bool, bool]]:
    """{dossier id: (owes fees, paid them online)} in one query: it owes fees when its
    procedure has a fee that is not zero (or that varies) or an amount was set for it, and
    the desk did not set it to nothing (an exemption) and it did not end unpaid without a
    result; paid online when a payment through a gateway or a bank transfer settled it."""
    from motcua.catalog.models import Fee
    from motcua.payments.models import ONLINE_CHANNELS, FeeAssessment, Payment
    from motcua.payments.models import Status as PaymentStatus

    rows = (
        Dossier.objects.filter(pk__in=ids)
        .annotate(
            has_fees=Exists(Fee.objects.filter(procedure=OuterRef("procedure")).exclude(amount=0)),
            exempt=Exists(FeeAssessment.objects.filter(dossier=OuterRef("pk"), amount=0)),
            paid=Exists(
                Payment.objects.filter(
                    dossier=OuterRef("pk"),
                    status=PaymentStatus.PAID,
                    channel__in=ONLINE_CHANNELS,
                )
            ),
        )
        .values_list("pk", "has_fees", "exempt", "paid", "fee_amount", "fee_paid", "status")
    )
    out = {}
    for pk, has_fees, exempt, paid, amount, fee_paid, status in rows:
        charged = owes_fees(has_fees, exempt, amount, fee_paid, status)
        out[pk] = (charged, charged and paid)
    return out


def owes_fees(has_fees: bool, exempt: bool, amount: int, paid: bool, status: str) -> bool:
    return (has_fees or amount > 0) and not exempt and not (status in ENDED and not paid)


def fee_procedures() -> set[int]:
    """Procedures with a fee that is not zero (or that varies)."""
    from motcua.catalog.models import Fee

    return set(Fee.objects.exclude(amount=0).values_list("procedure_id", flat=True))


def snapshot(
    dossier: Dossier, requests, digitised: bool, marks: tuple[bool, bool] = (False, False)
) -> factcore.Snapshot | None:
    """The dossier as the fact table sees it; None when not received."""
    if dossier.received_at is None or dossier.status in NOT_RECEIVED:
        return None
    kind = outcome(dossier)
    return factcore.Snapshot(
        agency=dossier.performing_agency_id,
        procedure=dossier.procedure_id,
        channel=dossier.channel,
        part=dossier.parent_id is not None,
        digitised=digitised,
        multi=dossier.supplement_count > 1,
        received=_day(dossier.received_at),
        finished=_day(dossier.finished_at),
        outcome=kind,
        seconds=result_seconds(dossier) if kind in factcore.RESULTS else 0,
        deadline=_day(dossier.deadline_at),
        requests=tuple(
            factcore.Request(
                _day(r.requested_at),
                _day(_ended(r)),
                _day(r.deadline_before),
            )
            for r in requests
        ),
        charged=marks[0],
        paid_online=marks[1],
    )


def _ended(request):
    ends = [t for t in (request.supplemented_at, request.closed_at) if t is not None]
    return min(ends) if ends else None


def _requests(dossier: Dossier):
    if not dossier.supplement_count:
        return ()
    return list(
        SupplementRequest.objects.filter(dossier=dossier, after_receipt=True).order_by(
            "requested_at", "id"
        )
    )


def is_digitised(dossier: Dossier) -> bool:
    """Every paper of the dossier attached as a file, and at least one paper."""
    files = list(DossierDocument.objects.filter(dossier=dossier).values_list("file", flat=True))
    return bool(files) and all(files)


def prepare_new(dossier: Dossier, digitised: bool) -> None:
    """For a dossier about to be inserted (`dossiers.services.receive`): its contribution,
    set on the unsaved row so that the insert stores it; the `follow` of its first event
    then adds it to the table without updating the row again. A new dossier has no fee
    assessment and no payment yet. `procedure.has_fees`, when the caller read the procedure
    with that annotation (`has_fees_annotation`), saves the query for its fees."""
    marks = (False, False)
    if dossier.received_at is not None and dossier.status not in NOT_RECEIVED:
        has_fees = getattr(dossier.procedure, "has_fees", None)
        if has_fees is None:
            has_fees = fee_query(dossier.procedure_id).exists()
        charged = owes_fees(has_fees, False, dossier.fee_amount, dossier.fee_paid, dossier.status)
        marks = (charged, False)
    new = factcore.contribution(snapshot(dossier, (), digitised, marks))
    dossier.facts = factcore.dump(new)
    dossier._facts_to_add = new


def follow(dossier: Dossier) -> None:
    """Bring the fact table and `dossier.facts` in step with the dossier as it now is."""
    new = getattr(dossier, "_facts_to_add", None)
    if new is not None:  # a new dossier's contribution, already on its row (`prepare_new`)
        dossier._facts_to_add = None
        if new:
            add(factcore.diff({}, new))
        return
    old = factcore.load(dossier.facts)
    if dossier.received_at is None and not old:
        return
    if old and not getattr(dossier, "_documents_changed", False):
        digitised = next(iter(old))[4]  # the flag is a dimension of every fact
    else:
        digitised = is_digitised(dossier)
    marks = fee_marks([dossier.pk]).get(dossier.pk, (False, False))
    new = factcore.contribution(snapshot(dossier, _requests(dossier), digitised, marks))
    changes = factcore.diff(old, new)
    if not changes:
        return
    add(changes)
    dossier.facts = factcore.dump(new)
    Dossier.objects.filter(pk=dossier.pk).update(facts=dossier.facts)


def _rows(changes: dict) -> list[tuple]:
    """Day, month and year rows for each change, merged, in one stable order (so that
    concurrent transactions lock rows in the same order)."""
    merged: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for key, (n, s) in changes.items():
        *dims, kind, day = key
        for grain, on in factcore.keys_of(day):
            row = merged[(grain, on, *dims, kind)]
            row[0] += n
            row[1] += s
    return sorted((*key, n, s) for key, (n, s) in merged.items() if n or s)


def add(changes: dict) -> None:
    """Add the changes ({key: (count, seconds)}) to the table: one upsert per 500 rows."""
    _upsert(_rows(changes))
    _upsert(_opening_rows(changes))


def _opening_rows(changes: dict) -> list[tuple]:
    """The opening balances the changes move: those of the opened years after each change's
    day. Only a change dated before this year (a backdated entry, an old dossier) can move
    one; such a change reads the openings row for share, so a roll waits for it to commit."""
    if not changes:
        return []
    earliest = min(key[-1] for key in changes)
    if earliest.year >= (timezone.localdate() + timedelta(days=1)).year:
        return []  # the last day of a year checks too: the roll may start at midnight
    through = _through(lock=True)
    merged: dict[tuple, int] = defaultdict(int)
    for key, (n, _s) in changes.items():
        *dims, kind, day = key
        moved = factcore.stock_of(kind)
        if moved is None:
            continue
        stock, way = moved
        for year in factcore.openings_of(day, through):
            merged[(Grain.OPENING, date(year, 1, 1), *dims, stock)] += way * n
    return sorted((*key, n, 0) for key, n in merged.items() if n)


def _through(lock: bool = False) -> int | None:
    table = connection.ops.quote_name(FactOpenings._meta.db_table)
    share = " FOR SHARE" if lock and connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT through FROM {table} WHERE id = 1{share}")
        row = cursor.fetchone()
    return row[0] if row else None


def _upsert(rows: list[tuple]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(Fact._meta.db_table)
    columns = ("grain", "day", *KEY_COLUMNS, "count", "seconds")
    key = ", ".join(("grain", "day", *KEY_COLUMNS))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
                f"ON CONFLICT ({key}) DO UPDATE SET "
                f"count = {table}.count + excluded.count, "
                f"seconds = {table}.seconds + excluded.seconds",
                [value for row in batch for value in row],
            )


# --- opening balances ------------------------------------------------------------------------


def open_years(through: int | None = None) -> list[int]:
    """Add the opening balances of every year after the last one opened, up to `through`
    (default: this year), in one transaction under the openings row's lock; returns the
    years opened. Idempotent: the monthly task and the seeds call it."""
    target = min(through or timezone.localdate().year, timezone.localdate().year)
    with transaction.atomic():
        FactOpenings.objects.get_or_create(pk=1)
        ledger = FactOpenings.objects.select_for_update().get(pk=1)
        if ledger.through is not None:
            start = ledger.through + 1
        else:
            first = Fact.objects.filter(grain=Grain.YEAR).aggregate(first=Min("day"))["first"]
            start = first.year + 1 if first else target
        years = list(range(start, target + 1))
        for year in years:
            _open(year)
        if ledger.through is None or years:
            ledger.through = max(target, ledger.through or target)
            ledger.save(update_fields=["through"])
        queries.forget_opened()
        if years:
            audit.record_about(
                "stats.facts_opened",
                Fact._meta.label_lower,
                summary=f"{years[0]}–{years[-1]}",
                years=years,
            )
    return years


def _open(year: int) -> None:
    """Openings of `year` = openings of the year before + that year's flows, by stock."""
    table = connection.ops.quote_name(Fact._meta.db_table)
    dims = ", ".join(KEY_COLUMNS[:-1])
    stock = "CASE WHEN kind = %s THEN %s ELSE %s END"
    adds = "SUM(CASE WHEN kind IN (%s, %s, %s) THEN count ELSE -count END)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (grain, day, {dims}, kind, count, seconds) "
            f"SELECT %s, %s, {dims}, {stock}, {adds}, 0 FROM {table} "
            f"WHERE grain IN (%s, %s) AND day = %s AND kind NOT IN (%s, %s) "
            f"GROUP BY {dims}, {stock} HAVING {adds} <> 0",
            [
                Grain.OPENING,
                date(year, 1, 1),
                *(factcore.OVERDUE, factcore.OVERDUE, factcore.OPEN),
                *(factcore.RECEIVED, factcore.OPEN, factcore.OVERDUE),
                Grain.OPENING,
                Grain.YEAR,
                date(year - 1, 1, 1),
                *factcore.MARKS,
                *(factcore.OVERDUE, factcore.OVERDUE, factcore.OPEN),
                *(factcore.RECEIVED, factcore.OPEN, factcore.OVERDUE),
            ],
        )


def reopen() -> None:
    """Recompute every opened year's openings from the year rows (after a rebuild)."""
    with transaction.atomic():
        ledger = FactOpenings.objects.select_for_update().filter(pk=1).first()
        Fact.objects.filter(grain=Grain.OPENING).delete()
        queries.forget_opened()
        if ledger is None or ledger.through is None:
            return
        first = Fact.objects.filter(grain=Grain.YEAR).aggregate(first=Min("day"))["first"]
        if first is None:
            return
        for year in range(first.year + 1, ledger.through + 1):
            _open(year)


def unbalanced_openings() -> list:
    """The years whose openings differ from the sum of the years before them."""
    through = _through()
    if through is None:
        return sorted(set(Fact.objects.filter(grain=Grain.OPENING).values_list("day", flat=True)))
    dims = KEY_COLUMNS[:-1]
    flows: dict[int, Counter] = defaultdict(Counter)
    for *key, kind, day, n in Fact.objects.filter(grain=Grain.YEAR).values_list(
        *dims, "kind", "day", "count"
    ):
        moved = factcore.stock_of(kind)
        if moved is not None:
            flows[day.year][(*key, moved[0])] += moved[1] * n
    openings: dict[int, Counter] = defaultdict(Counter)
    for *key, kind, day, n in Fact.objects.filter(grain=Grain.OPENING).values_list(
        *dims, "kind", "day", "count"
    ):
        openings[day.year][(*key, kind)] += n
    years = set(flows) | set(openings)
    found = [date(y, 1, 1) for y in openings if y > through]
    running: Counter = Counter()
    for year in range(min(years, default=through), through + 1):
        expected = {k: v for k, v in running.items() if v}
        if expected != {k: v for k, v in openings[year].items() if v}:
            found.append(date(year, 1, 1))
        for key, n in flows[year].items():
            running[key] += n
    return sorted(found)


def unbalanced_months() -> list:
    """The months whose day rows do not add up to their month row, and the years whose
    month rows do not add up to their year row (a hand edit, a bug)."""
    dims = ("agency_id", "procedure_id", "channel", "part", "digitised", "multi", "kind")
    found = set()
    for finer, coarser, trunc in (
        (Grain.DAY, Grain.MONTH, TruncMonth),
        (Grain.MONTH, Grain.YEAR, TruncYear),
    ):
        sums = Counter()
        rolled = (
            Fact.objects.filter(grain=finer)
            .annotate(period=trunc("day"))
            .order_by()
            .values("period", *dims)
            .annotate(n=Sum("count"), s=Sum("seconds"))
        )
        for row in rolled:
            key = (row["period"], *(row[d] for d in dims))
            sums[(key, 0)] += row["n"]
            sums[(key, 1)] += row["s"]
        for row in Fact.objects.filter(grain=coarser).values("day", *dims, "count", "seconds"):
            key = (row["day"], *(row[d] for d in dims))
            sums[(key, 0)] -= row["count"]
            sums[(key, 1)] -= row["seconds"]
        found |= {key[0][0] for key, value in sums.items() if value}
    return sorted(found | set(unbalanced_openings()))


# --- rebuild -----------------------------------------------------------------------------


def contributions(dossiers) -> dict[int, dict]:
    """The contribution of each dossier of an iterable (requests and documents read in
    two queries per call)."""
    dossiers = list(dossiers)
    ids = [d.pk for d in dossiers]
    requests = defaultdict(list)
    for r in SupplementRequest.objects.filter(dossier_id__in=ids, after_receipt=True).order_by(
        "dossier_id", "requested_at", "id"
    ):
        requests[r.dossier_id].append(r)
    files = defaultdict(list)
    for dossier_id, name in DossierDocument.objects.filter(dossier_id__in=ids).values_list(
        "dossier_id", "file"
    ):
        files[dossier_id].append(name)
    marks = fee_marks(ids)
    out = {}
    for d in dossiers:
        digitised = bool(files[d.pk]) and all(files[d.pk])
        snap = snapshot(d, requests[d.pk], digitised, marks.get(d.pk, (False, False)))
        out[d.pk] = factcore.contribution(snap)
    return out


def rebuild(chunk: int = CHUNK, stdout=None) -> dict:
    """Recompute the table and every dossier's stored contribution, in one transaction.
    Returns {"dossiers": n, "rows": fact rows written}."""
    total: Counter = Counter()
    seconds: Counter = Counter()
    n = 0
    with transaction.atomic():
        Fact.objects.all().delete()
        last = 0
        while True:
            batch = list(
                Dossier.objects.filter(pk__gt=last)
                .order_by("pk")
                .only(
                    "pk",
                    "status",
                    "channel",
                    "parent_id",
                    "procedure_id",
                    "performing_agency_id",
                    "received_at",
                    "finished_at",
                    "deadline_at",
                    "timeliness",
                    "pauses",
                    "supplement_count",
                    "facts",
                )[:chunk]
            )
            if not batch:
                break
            last = batch[-1].pk
            changed = []
            computed = contributions(batch)
            for d in batch:
                facts = computed[d.pk]
                for key, (c, s) in facts.items():
                    total[key] += c
                    seconds[key] += s
                stored = factcore.dump(facts)
                if d.facts != stored:
                    d.facts = stored
                    changed.append(d)
            Dossier.objects.bulk_update(changed, ["facts"], batch_size=500)
            n += len(batch)
            if stdout is not None:
                stdout.write(f"{n} dossiers\n")
        rows = _rows({k: (total[k], seconds[k]) for k in total.keys() | seconds.keys()})
        Fact.objects.bulk_create(
            [
                Fact(
                    grain=g,
                    day=day,
                    agency_id=agency,
                    procedure_id=procedure,
                    channel=channel,
                    part=part,
                    digitised=digitised,
                    multi=multi,
                    kind=kind,
                    count=c,
                    seconds=s,
                )
                for g, day, agency, procedure, channel, part, digitised, multi, kind, c, s in rows
            ],
            batch_size=2000,
        )
        reopen()
        audit.record_about(
            "stats.facts_rebuilt",
            Fact._meta.label_lower,
            summary=f"{n} dossiers, {len(rows)} rows",
            dossiers=n,
            rows=len(rows),
        )
    return {"dossiers": n, "rows": len(rows)}
