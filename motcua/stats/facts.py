"""The statistics' fact table, kept in step with the dossiers (docs/statistics.md, "Fact
table").

- `follow(dossier)` is called by `services._event`, in the transaction of every dossier
  event: it computes what the dossier now adds to the table (`factcore.contribution`),
  applies the difference from what it added before (kept on the row, `Dossier.facts`) and
  stores the new contribution. A rolled-back event rolls its facts back with it.
- `rebuild()` (`motcua facts rebuild`) recomputes the whole table from the dossiers.
- `add(changes)` applies changes with one upsert statement (the demo's bulk writer uses it
  too), on the day, month and year rows of each fact.

The reports (`stats.queries`, `index766.indicators`) sum this table instead of scanning the
dossiers; the drill-down lists still read the dossiers with the same definitions, and the
tests hold both to the same numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from motcua.core import audit
from motcua.dossiers.models import Dossier, DossierDocument, SupplementRequest
from motcua.dossiers.workflow import Status
from motcua.index766.core import handling_seconds
from motcua.stats import factcore
from motcua.stats.models import Fact, Grain
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


def snapshot(dossier: Dossier, requests, digitised: bool) -> factcore.Snapshot | None:
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


def follow(dossier: Dossier) -> None:
    """Bring the fact table and `dossier.facts` in step with the dossier as it now is."""
    old = factcore.load(dossier.facts)
    if dossier.received_at is None and not old:
        return
    if old and not getattr(dossier, "_documents_changed", False):
        digitised = next(iter(old))[4]  # the flag is a dimension of every fact
    else:
        digitised = is_digitised(dossier)
    new = factcore.contribution(snapshot(dossier, _requests(dossier), digitised))
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
    rows = _rows(changes)
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
    return sorted(found)


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
    out = {}
    for d in dossiers:
        digitised = bool(files[d.pk]) and all(files[d.pk])
        out[d.pk] = factcore.contribution(snapshot(d, requests[d.pk], digitised))
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
        audit.record_about(
            "stats.facts_rebuilt",
            Fact._meta.label_lower,
            summary=f"{n} dossiers, {len(rows)} rows",
            dossiers=n,
            rows=len(rows),
        )
    return {"dossiers": n, "rows": len(rows)}
