"""Dossier events partitioned by year (PostgreSQL): insert and read speed before and after
the migration `dossiers/0010_events_partitioned_by_year`, and how long the migration takes.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_partitions \\
     .venv/bin/python bench/partitions.py [--events 10000000] [--rounds 15] [--reverse]
     (start with --events 200000 to try it; PostgreSQL only: SQLite has no partitions)

Builds its own database and keeps it for the next run with the same --events (its name
must contain "bench"; one database per N): `motcua migrate` and `createcachetable`, the
demo organisation (`motcua seed hanam-2020 --dossiers 2000`), then, in SQL, N/10
synthetic dossiers (copies of the demo's with a code of their own, received one after
another from 01/01/2017 to now) and N synthetic events, ten per synthetic dossier over its
first two weeks, each a copy of a real demo event (action, statuses, agency, officer,
step) with its own id, time and dossier. The events are written with
`INSERT … SELECT … FROM generate_series` in batches, foreign-key triggers off for the load
(session_replication_role = replica: every reference is a real row by construction), then
the tables are ANALYZEd. The synthetic dossiers are not full dossiers (no facts, papers or
applicants of their own): the demo pages are not meant to be browsed on this database.

Then, with the events as a plain table (`migrate dossiers 0009`, which reverses 0010 when
a previous run left it applied; that time is printed too), it times (median and p95 of
--rounds, after a warm-up; a different dossier, month or event each round):
- inserts: `DossierEvent.objects.create` one at a time (autocommit, as a service's
  transaction would commit one event) and `bulk_create` batches of 1,000 (as an import);
- a dossier's public timeline (`lookup.py`: its events of PUBLIC_ACTIONS, by time), the
  dossier's last event (what every `services.act` reads first), one event by id (the
  notification task), the finishes and returns of one month counted (`stats.reconciliation`)
  and the first page of 50 of the month's events, the current year's events of the busiest
  agency counted, and every event counted;
then runs `migrate dossiers 0010` (timed: the maintenance window at this size), ANALYZEs
and times the same again, and prints the plans of the month page before and after (the
partition pruning shows) and the table: before, after, after/before. With --reverse it
migrates back to 0009 at the end (timed), else the next run does it first.

At 10M on 2 shared cores: the demo seed about 13 minutes, the synthetic rows about 8, then
about 6 minutes per run. The machine is shared: run it when nothing else runs, or say
that something did (figures and findings: docs/performance.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from project_path import ROOT  # first: the import path (see its docstring)


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="synthetic event rows")
    parser.add_argument("--rounds", type=int, default=15, help="timed runs per line")
    parser.add_argument("--creates", type=int, default=500, help="single creates timed")
    parser.add_argument("--reverse", action="store_true", help="back to 0009 at the end")
    return parser.parse_args(argv)


ARGS = _arguments() if __name__ == "__main__" else _arguments([])
from bench.benchdb import columns, numbered, open_database, percentile  # noqa: E402

open_database(ROOT, f"partitions-{ARGS.events}")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from motcua.dossiers import partitions  # noqa: E402
from motcua.dossiers.lookup import PUBLIC_ACTIONS  # noqa: E402
from motcua.dossiers.models import Dossier, DossierEvent  # noqa: E402
from motcua.stats.reconciliation import DATED_ACTIONS  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2017, 1, 1, tzinfo=VN)
PREFIX = "BENCHP"  # the synthetic dossiers' codes
PER_DOSSIER = 10
BATCH = 1_000_000  # events per INSERT … SELECT
SEED_DOSSIERS = 2000


def synthesize(n: int) -> None:
    """N/10 synthetic dossiers and N synthetic events (see the docstring), in SQL."""
    dossiers = max(n // PER_DOSSIER, 1)
    with connection.cursor() as c:
        c.execute("SET session_replication_role = replica")  # no FK triggers for the load
        c.execute("SELECT now()")
        now = c.fetchone()[0]
        span = f"(timestamptz '{START.isoformat()}' + (g::float8 / {dossiers}) * %(span)s)"
        params = {"span": now - START}
        templates = numbered(c, "bench_dossier", "dossiers_dossier", "parent_id IS NULL")
        names, values = [], []
        for name, nullable in columns(c, "dossiers_dossier"):
            names.append(f'"{name}"')
            if name == "code":
                values.append(f"'{PREFIX}' || lpad(g::text, 9, '0')")
            elif name == "idempotency_key":
                values.append("NULL" if nullable else f"'{PREFIX}' || g")
            elif name in ("parent_id", "chain_id"):
                values.append("NULL")
            elif name in ("received_at", "created_at", "updated_at", "submitted_at"):
                values.append(span)
            else:
                values.append(f't."{name}"')
        started = time.monotonic()
        c.execute(
            f"INSERT INTO dossiers_dossier ({', '.join(names)}) SELECT {', '.join(values)} "
            f"FROM generate_series(0, {dossiers - 1}) g JOIN bench_dossier t "
            f"ON t.n = mod(g, {templates})",
            params,
        )
        numbered(
            c,
            "bench_map",
            "dossiers_dossier",
            "code LIKE %s",
            [f"{PREFIX}%"],
            select="id, received_at",
            key="k",
        )
        print(f"  {dossiers:,} synthetic dossiers in {time.monotonic() - started:.0f} s")
        events = numbered(c, "bench_event", "dossiers_dossierevent")
        names, values = [], []
        for name, _nullable in columns(c, "dossiers_dossierevent"):
            names.append(f'"{name}"')
            if name == "dossier_id":
                values.append("m.id")
            elif name == "at":
                step = f"mod(g, {PER_DOSSIER}) * interval '1 day 7 hours'"
                values.append(f"least(m.received_at + {step}, now())")
            elif name == "recorded_at":
                values.append("NULL")
            else:
                values.append(f'e."{name}"')
        for low in range(0, n, BATCH):
            high = min(low + BATCH, n) - 1
            started = time.monotonic()
            c.execute(
                f"INSERT INTO dossiers_dossierevent ({', '.join(names)}) "
                f"SELECT {', '.join(values)} FROM generate_series({low}, {high}) g "
                f"JOIN bench_event e ON e.n = mod(g, {events}) "
                f"JOIN bench_map m ON m.k = least(g / {PER_DOSSIER}, {dossiers - 1})"
            )
            print(f"  events {high + 1:>12,} / {n:,} ({time.monotonic() - started:.0f} s)")
        c.execute("SET session_replication_role = DEFAULT")
        for table in ("bench_dossier", "bench_map", "bench_event"):
            c.execute(f"DROP TABLE {table}")


def build(n: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache's table, as deployed
    if not Dossier.objects.exists():
        started = time.monotonic()
        call_command("seed", "hanam-2020", "--dossiers", str(SEED_DOSSIERS), verbosity=0)
        print(f"demo seed: {time.monotonic() - started:.0f} s")
    if Dossier.objects.filter(code__startswith=PREFIX).exists():
        have = Dossier.objects.filter(code__startswith=PREFIX).count()
        if have != max(n // PER_DOSSIER, 1):
            sys.exit(
                f"{connection.settings_dict['NAME']} holds {have * PER_DOSSIER:,} synthetic "
                f"events, not {n:,}: use another database for another --events."
            )
        return
    if is_partitioned():  # load the plain table: the run starts from there
        migrate_to("0009")
    print(f"building {n:,} synthetic events …")
    started = time.monotonic()
    with transaction.atomic():
        synthesize(n)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"built in {time.monotonic() - started:.0f} s")


def migrate_to(name: str) -> float:
    started = time.monotonic()
    call_command("migrate", "dossiers", name, verbosity=0)
    seconds = time.monotonic() - started
    with connection.cursor() as c:
        c.execute(f"ANALYZE {partitions.TABLE}")
    return seconds


def is_partitioned() -> bool:
    with connection.cursor() as c:
        return partitions.is_partitioned(c)


def table_bytes() -> int:
    """The events' table with its indexes (all its partitions when partitioned)."""
    with connection.cursor() as c:
        names = partitions.partitions(c) or [partitions.TABLE]
        c.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relname = ANY(%s)",
            [names],
        )
        return int(c.fetchone()[0] or 0)


def timed(function, rounds: int) -> list[float]:
    function(-1)  # warm-up
    out = []
    for i in range(rounds):
        started = time.perf_counter()
        function(i)
        out.append(time.perf_counter() - started)
    return out


class Sample:
    """What the rounds read: synthetic dossiers, events, months and the busiest agency, the
    same before and after (a seeded draw)."""

    def __init__(self, rounds: int):
        rng = random.Random(11)
        synthetic = Dossier.objects.filter(code__startswith=PREFIX)
        low = synthetic.order_by("id").values_list("id", flat=True).first()
        high = synthetic.order_by("-id").values_list("id", flat=True).first()
        count = rounds + 1
        self.dossiers = [rng.randint(low, high) for _ in range(count)]
        first = DossierEvent.objects.order_by("id").values_list("id", flat=True).first()
        last = DossierEvent.objects.order_by("-id").values_list("id", flat=True).first()
        self.events = [rng.randint(first, last) for _ in range(count)]
        self.months = [(rng.randint(2018, 2025), rng.randint(1, 12)) for _ in range(count)]
        self.year_start = datetime(datetime.now(VN).year, 1, 1, tzinfo=VN)
        with connection.cursor() as c:  # the busiest agency of the first 200,000 events
            c.execute(
                "SELECT agency_id FROM dossiers_dossierevent WHERE agency_id IS NOT NULL "
                "AND id < %s GROUP BY agency_id ORDER BY count(*) DESC LIMIT 1",
                [first + 200_000],
            )
            self.agency = c.fetchone()[0]
        self.dossier_for_inserts = self.dossiers[0]


def month(year: int, number: int) -> tuple[datetime, datetime]:
    start = datetime(year, number, 1, tzinfo=VN)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=VN)
    return start, end


def month_page(s: Sample, i: int):
    start, end = month(*s.months[i])
    return DossierEvent.objects.filter(at__gte=start, at__lt=end).order_by("at", "id")[:50]


def reads(s: Sample) -> dict[str, tuple[callable, int]]:
    """label → (function of the round number, rounds)."""
    heavy = max(3, ARGS.rounds // 3)

    def timeline(i):
        return list(
            DossierEvent.objects.filter(dossier_id=s.dossiers[i], action__in=PUBLIC_ACTIONS)
            .select_related("actor")
            .order_by("at", "id")
        )

    def last_event(i):
        return DossierEvent.objects.filter(dossier_id=s.dossiers[i]).order_by("-at", "-id").first()

    def by_id(i):
        return DossierEvent.objects.filter(pk=s.events[i]).first()

    def month_count(i):
        start, end = month(*s.months[i])
        return DossierEvent.objects.filter(
            action__in=DATED_ACTIONS, at__gte=start, at__lt=end
        ).count()

    def page(i):
        return list(month_page(s, i))

    def agency_year(i):
        return DossierEvent.objects.filter(agency_id=s.agency, at__gte=s.year_start).count()

    def count_all(i):
        return DossierEvent.objects.count()

    return {
        "timeline of a dossier": (timeline, ARGS.rounds),
        "last event of a dossier": (last_event, ARGS.rounds),
        "one event by id": (by_id, ARGS.rounds),
        "finishes of a month (count)": (month_count, heavy),
        "a month's events, page of 50": (page, heavy),
        "this year's events of an agency": (agency_year, heavy),
        "all events (count)": (count_all, heavy),
    }


def event_row(dossier_id: int, at: datetime) -> dict:
    return {
        "dossier_id": dossier_id,
        "at": at,
        "action": "process",
        "from_status": "processing",
        "to_status": "processing",
        "comment": "bench",
    }


def inserts(s: Sample) -> dict[str, tuple[float, float, float]]:
    """label → (events/s, median s, p95 s) of single creates and batches of 1,000."""
    out = {}
    now = datetime.now(VN)
    dossier = s.dossier_for_inserts
    singles = timed(lambda i: DossierEvent.objects.create(**event_row(dossier, now)), ARGS.creates)
    out["insert: create, one at a time"] = (
        len(singles) / sum(singles),
        statistics.median(singles),
        percentile(singles, 95),
    )
    batches = timed(
        lambda i: DossierEvent.objects.bulk_create(
            [DossierEvent(**event_row(s.dossiers[j % len(s.dossiers)], now)) for j in range(1000)]
        ),
        max(3, ARGS.rounds // 3),
    )
    out["insert: bulk_create of 1,000"] = (
        1000 * len(batches) / sum(batches),
        statistics.median(batches),
        percentile(batches, 95),
    )
    return out


def measure(s: Sample) -> dict[str, tuple[float, float]]:
    """label → (median s, p95 s); inserts also their events/s."""
    out = {}
    for label, (rate, median, high) in inserts(s).items():
        out[label] = (median, high, rate)
        print(f"  {label:<34} {rate:>9,.0f} events/s  median {median * 1000:8.2f} ms")
    for label, (function, rounds) in reads(s).items():
        timings = timed(function, rounds)
        out[label] = (statistics.median(timings), percentile(timings, 95), None)
        print(
            f"  {label:<34} median {statistics.median(timings) * 1000:9.2f} ms"
            f"  p95 {percentile(timings, 95) * 1000:9.2f} ms  ({rounds} rounds)"
        )
    return out


def explain(s: Sample) -> None:
    start, _end = month(*s.months[0])
    print(f"plan of the month page ({start:%m/%Y}):")
    plan = month_page(s, 0).explain(analyze=True, costs=False)
    for line in plan.splitlines():
        print(f"    {line}")


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL (see the docstring).")
    build(ARGS.events)
    reverse_before = None
    if is_partitioned():  # left partitioned by a previous run
        reverse_before = migrate_to("0009")
        print(f"migrate dossiers 0009 (back to a plain table): {reverse_before:.1f} s")
    else:
        migrate_to("0009")
    total = DossierEvent.objects.count()
    sample = Sample(ARGS.rounds)
    print(f"\n{total:,} events, plain table ({table_bytes() / 2**30:.2f} GiB with indexes)")
    before = measure(sample)
    explain(sample)

    forward = migrate_to("0010")
    if not is_partitioned():
        sys.exit("migrate dossiers 0010 left the table plain: is the database PostgreSQL?")
    with connection.cursor() as c:
        count = len(partitions.partitions(c))
    print(
        f"\nmigrate dossiers 0010 (partitioned by year, {count} partitions): {forward:.1f} s"
        f" ({table_bytes() / 2**30:.2f} GiB with indexes)"
    )
    after = measure(sample)
    explain(sample)

    reverse_after = None
    if ARGS.reverse:
        reverse_after = migrate_to("0009")

    print(
        f"\n{total:,} events; reads: median (p95) in ms, after/before of the medians (above 1:"
        " slower); inserts: events/s, after/before of the rates (above 1: faster)"
    )
    print(f"| {'':<34} | {'before':>19} | {'after':>19} | after/before |")
    print(f"|{'-' * 36}|{'-' * 21}|{'-' * 21}|{'-' * 14}|")
    for label, (median, high, rate) in before.items():
        a_median, a_high, a_rate = after[label]
        if rate is not None:
            b_text, a_text, ratio = f"{rate:,.0f}/s", f"{a_rate:,.0f}/s", a_rate / rate
        else:
            b_text = f"{median * 1000:.2f} ({high * 1000:.2f})"
            a_text = f"{a_median * 1000:.2f} ({a_high * 1000:.2f})"
            ratio = a_median / median
        print(f"| {label:<34} | {b_text:>19} | {a_text:>19} | {ratio:>12.2f} |")
    print(f"\nmigrate dossiers 0010 (forward): {forward:.1f} s")
    if reverse_before is not None:
        print(f"migrate dossiers 0009 (reverse, before the run): {reverse_before:.1f} s")
    if reverse_after is not None:
        print(f"migrate dossiers 0009 (reverse, --reverse): {reverse_after:.1f} s")


if __name__ == "__main__":
    main()
