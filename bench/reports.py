"""Reports at scale: a year of Biểu 06a and the QĐ 766 index for the whole province, from
the fact table, side by side with a direct count over the dossiers.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports \\
     .venv/bin/python bench/reports.py --dossiers 1000000 [--rounds 5]
     (without DATABASE_URL: a SQLite file var/bench/reports-<N>.sqlite3)

Builds its own database and keeps it for the next run with the same --dossiers (on
PostgreSQL the name must contain "bench"; one database per N, e.g. bench_reports_1m):
the demo organisation and catalogue (`motcua seed hanam-2020 --dossiers 0`), then N
synthetic dossier rows written straight to the table (COPY on PostgreSQL), spread over
`--years` years ending on 31 Dec 2020 (default: one year per million, a province's
volume), with the facts each contributes computed by `stats.factcore` — the same function
the services call on every event. The rows carry what the reports read (agency,
procedure, channel, receipt, deadline, supplement requests, finish, outcome); they are not
full dossiers (no events, documents or applicants' details), so the demo pages are not
meant to be browsed on this database.

Then it times (median of --rounds, after a warm-up), for the year 2020 and the province:
- the 06a report as the page builds it (`stats.queries.build`: facts + agency names),
- the index (`index766.indicators.build`),
- the same 06a counted directly from the dossiers (`count_cells_direct`),
- a bare `SELECT performing_agency_id, COUNT(*) … GROUP BY` over the year's dossiers (the
  cheapest possible direct count),
and prints each with its ratio to the bare count. Run it for 1M and 3M and give both
result files to `--project` to print the linear projection to 10M.

With --replica (and DATABASE_REPLICA_URL naming a streaming standby of DATABASE_URL's
server, e.g. the pair `bench/replica.sh start` runs on ports 5433 and 5434), it first waits
for the standby to replay everything the primary has written, then times the same lines
again through the router (`core.replica.reading_replica`, what the report pages run under),
prints both columns side by side with the replication lag at the time, and checks that the
06a and the index built on the standby equal the primary's. With --http it also times the
pages themselves through the test client (Biểu 06a `/reports/dossiers/` and the index
`/reports/index766/` for 2020, signed in as a province-wide supervisor), with the router
off and on, and reads each server's `pg_stat_database` (transactions, rows returned) around
each column to show where the reads went.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

from project_path import ROOT  # first: the import path (see its docstring)


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000, help="dossier rows")
    parser.add_argument("--years", type=int, default=0, help="years of traffic (0: N/1M)")
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per line")
    parser.add_argument("--output", help="write the figures as JSON to this file")
    parser.add_argument(
        "--replica",
        action="store_true",
        help="also time the reports on DATABASE_REPLICA_URL through the router",
    )
    parser.add_argument(
        "--http", action="store_true", help="with --replica: also time the pages over HTTP"
    )
    parser.add_argument(
        "--catch-up", type=float, default=1800, help="seconds to wait for the standby"
    )
    parser.add_argument(
        "--project", nargs=2, metavar="RESULT.json", help="project two runs' figures to 10M"
    )
    return parser.parse_args(argv)


ARGS = _arguments() if __name__ == "__main__" else _arguments([])
if ARGS.project:
    a, b = (json.loads(Path(path).read_text()) for path in ARGS.project)
    print(f"projection from {a['dossiers']:,} and {b['dossiers']:,} dossiers to 10,000,000:")
    for key in a["seconds"]:
        x1, y1, x2, y2 = a["dossiers"], a["seconds"][key], b["dossiers"], b["seconds"][key]
        slope = (y2 - y1) / (x2 - x1)
        projected = y2 + slope * (10_000_000 - x2)
        print(
            f"  {key:<28} {y1 * 1000:>9.1f} ms  {y2 * 1000:>9.1f} ms  → {projected * 1000:>9.1f} ms"
        )
    sys.exit(0)
from bench.benchdb import open_database  # noqa: E402

open_database(ROOT, f"reports-{ARGS.dossiers}")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from motcua.catalog.models import Procedure  # noqa: E402
from motcua.core.replica import REPLICA, reading_replica  # noqa: E402
from motcua.dossiers.models import Applicant, Dossier, SupplementRequest  # noqa: E402
from motcua.index766 import indicators  # noqa: E402
from motcua.org.models import Agency  # noqa: E402
from motcua.stats import factcore, facts, queries  # noqa: E402
from motcua.stats.models import Fact  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LAST_DAY = date(2020, 12, 31)
BATCH = 20_000


def pairs() -> list[tuple[int, int, str]]:
    """(agency, procedure, level) the synthetic dossiers are drawn from: each reporting
    agency with up to 30 procedures of its level (its own for departments)."""
    out = []
    by_level: dict[str, list[int]] = {}
    for pk, level, agency_id in Procedure.objects.values_list("pk", "level", "agency_id"):
        by_level.setdefault(level, []).append((pk, agency_id))
    for agency in Agency.objects.filter(kind__in=queries.REPORTING_KINDS).order_by("pk"):
        candidates = [p for p, a in by_level.get(agency.level, []) if a in (None, agency.pk)]
        candidates = candidates or [p for p, _ in by_level.get(agency.level, [])]
        for procedure in candidates[:30]:
            out.append((agency.pk, procedure, agency.level))
    return out


def synthetic(rng: random.Random, n: int, years: int):
    """Yield (row dict, Snapshot, request or None) for n dossiers."""
    choices = pairs()
    if not choices:
        sys.exit("No procedures: the catalogue did not load.")
    first = date(LAST_DAY.year - years + 1, 1, 1)
    span = (LAST_DAY - first).days + 1
    # Procedures with fees: the catalogue's; the demo catalogue records no amounts, so then
    # two in five procedures, as in a province's list (fees for the index's payment marks).
    with_fees = facts.fee_procedures() or {p for _a, p, _l in choices if p % 5 < 2}
    for i in range(n):  # in order of receipt: the same number of dossiers each day
        agency, procedure, _level = choices[rng.randrange(len(choices))]
        received = first + timedelta(days=i * span // n)
        received_at = datetime.combine(received, dtime(8 + rng.randrange(9)), VN)
        deadline = received + timedelta(days=rng.choice((1, 3, 5, 7, 10, 15, 20)))
        request = None
        if rng.random() < 0.05:  # a supplement after receipt: paused, then a new deadline
            asked = received + timedelta(days=1)
            ended = asked + timedelta(days=rng.randrange(1, 10))
            request = factcore.Request(asked, ended, deadline)
            deadline = ended + timedelta(days=5)
        roll = rng.random()
        finished = outcome = None
        if roll < 0.93:
            finished = (request.ended if request else received) + timedelta(
                days=rng.randrange(0, 14)
            )
            if finished > LAST_DAY + timedelta(days=60):
                finished = None
            elif roll < 0.04:
                outcome = factcore.OTHER
            else:
                outcome = (
                    factcore.EARLY
                    if finished < deadline
                    else factcore.ON_TIME
                    if finished == deadline
                    else factcore.LATE
                )
        channel = rng.choices(("counter", "online", "post"), (70, 25, 5))[0]
        snap = factcore.Snapshot(
            agency=agency,
            procedure=procedure,
            channel=channel,
            received=received,
            finished=finished,
            outcome=outcome,
            seconds=((finished - received).days * 8 * 3600) if outcome in factcore.RESULTS else 0,
            deadline=deadline,
            multi=False,
            requests=(request,) if request else (),
            # Owes fees (unpaid: a refusal owes nothing); one in five paid online.
            charged=procedure in with_fees and outcome != factcore.OTHER,
            paid_online=procedure in with_fees and outcome != factcore.OTHER and i % 5 == 0,
        )
        finished_at = datetime.combine(finished, dtime(16), VN) if finished is not None else None
        status = (
            "returned"
            if outcome in factcore.RESULTS
            else "refused"
            if outcome == factcore.OTHER
            else "processing"
        )
        row = {
            "code": f"B{i:010d}",
            "secret": "BENCH",
            "procedure_id": procedure,
            "channel": channel,
            "status": status,
            "performing_agency_id": agency,
            "current_agency_id": agency,
            "received_at": received_at,
            "due_at": datetime.combine(deadline, dtime(16), VN),
            "deadline_at": datetime.combine(deadline, dtime(16), VN),
            "finished_at": finished_at,
            "returned_at": finished_at if status == "returned" else None,
            "timeliness": outcome if outcome in factcore.RESULTS else "",
            "supplement_count": 1 if request else 0,
            "pauses": "[]",
            "facts": "[]",
            "created_at": received_at,
            "updated_at": finished_at or received_at,
        }
        yield row, snap, request


def _sqlite_value(value):
    """Django stores instants in SQLite as naive UTC text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def copy_rows(model, columns: list[str], rows: list[list]) -> None:
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        rows = [[_sqlite_value(v) for v in row] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def build(n: int, years: int) -> float:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache's table, as deployed
    have = Dossier.objects.count()
    if have:
        if have != n:
            sys.exit(f"{connection.settings_dict['NAME']} holds {have} dossiers, not {n}.")
        return 0.0
    started = time.monotonic()
    call_command("seed", "hanam-2020", "--dossiers", "0", verbosity=0)
    applicant = Applicant.objects.create(kind="person", full_name="Bench", name_folded="bench")
    # Every other column at its model default (COPY does not apply Django's defaults).
    defaults = {
        f.attname: json.dumps(f.get_default())
        if isinstance(f.get_default(), list | dict)
        else f.get_default()
        for f in Dossier._meta.concrete_fields
        if not f.primary_key and f.get_default() is not None
    }
    defaults.update({"applicant_id": applicant.pk, "fee_amount": 0, "fee_paid": False})
    defaults.update({"result": "", "idempotency_fingerprint": ""})
    columns = None
    counts, seconds = Counter(), Counter()
    rng = random.Random(2020)
    dossiers, requests = [], []
    next_id = (Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def flush():
        copy_rows(Dossier, ["id", *columns], dossiers)
        if requests:
            copy_rows(
                SupplementRequest,
                [
                    "dossier_id",
                    "after_receipt",
                    "requested_at",
                    "items",
                    "reason",
                    "restarts_clock",
                    "supplemented_at",
                    "deadline_before",
                ],
                requests,
            )
        dossiers.clear()
        requests.clear()

    with transaction.atomic():
        for row, snap, request in synthetic(rng, n, years):
            row = {**defaults, **row}
            columns = columns or list(row)
            pk = next_id
            next_id += 1
            dossiers.append([pk, *(row[c] for c in columns)])
            if request is not None:
                requests.append(
                    [
                        pk,
                        True,
                        datetime.combine(request.requested, dtime(9), VN),
                        "Bổ sung",
                        "",
                        True,
                        datetime.combine(request.ended, dtime(9), VN),
                        datetime.combine(request.deadline_before, dtime(16), VN),
                    ]
                )
            for key, (c, s) in factcore.contribution(snap).items():
                counts[key] += c
                seconds[key] += s
            if len(dossiers) >= BATCH:
                flush()
                # Day facts more than HORIZON days before today's receipts are final.
                write_days(counts, seconds, before=snap.received - timedelta(days=HORIZON))
                print(f"  {pk:,} dossiers", file=sys.stderr, end="\r")
        flush()
        write_days(counts, seconds, before=None)
        roll_up()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{Dossier._meta.db_table}', 'id'), %s)",
                [next_id],
            )
    return time.monotonic() - started


HORIZON = 120  # days: a synthetic dossier's facts all fall within this of its receipt
FACT_COLUMNS = ["grain", "day", *facts.KEY_COLUMNS, "count", "seconds"]


def write_days(counts: Counter, seconds: Counter, before: date | None) -> None:
    """COPY the day rows of the facts dated before `before` (None: all) and forget them."""
    keys = [k for k in counts if before is None or k[-1] < before]
    rows = []
    for key in keys:
        *dims, kind, day = key
        n, s = counts.pop(key), seconds.pop(key, 0)
        if n or s:
            rows.append(["D", day, *dims, kind, n, s])
    copy_rows(Fact, FACT_COLUMNS, rows)


def roll_up() -> None:
    """Month and year rows from the day rows, in the database."""
    table = Fact._meta.db_table
    dims = "agency_id, procedure_id, channel, part, digitised, multi, kind"
    for grain, pg, lite in (
        ("M", "date_trunc('month', day)::date", "date(day, 'start of month')"),
        ("Y", "date_trunc('year', day)::date", "date(day, 'start of year')"),
    ):
        key = pg if connection.vendor == "postgresql" else lite
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(FACT_COLUMNS)}) "
                f"SELECT '{grain}', {key}, {dims}, SUM(count), SUM(seconds) FROM {table} "
                f"WHERE grain = 'D' GROUP BY {key}, {dims}"
            )


def without_openings(function):
    """The same report summing every year before the period (as before the yearly roll)."""
    opened = queries.opened_through
    queries.opened_through = lambda: None
    try:
        return function()
    finally:
        queries.opened_through = opened


def timed(function, rounds: int) -> tuple[float, object]:
    result = function()  # warm: calendars, catalogue, plans
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def replication(wait: float = 0) -> dict:
    """The standby's state, read on both servers: in recovery, bytes not yet replayed, the
    walsender's replay lag. With `wait`, first wait (up to that many seconds) until the
    standby has replayed everything the primary had written when called."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    started = time.monotonic()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        standby = cursor.fetchone()[0]
        while standby:
            cursor.execute(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint", [target]
            )
            behind = cursor.fetchone()[0] or 0
            if behind <= 0 or time.monotonic() - started >= wait:
                break
            print(f"  standby {behind:,} bytes behind", file=sys.stderr, end="\r")
            time.sleep(2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name, state, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, "
            "EXTRACT(EPOCH FROM replay_lag)::float FROM pg_stat_replication"
        )
        senders = cursor.fetchall()
    return {
        "standby": standby,
        "waited": time.monotonic() - started,
        "behind_bytes": senders[0][2] if senders else None,
        "replay_lag_ms": (senders[0][3] or 0) * 1000 if senders else None,
        "senders": len(senders),
    }


def database_stats(alias: str) -> tuple[int, int]:
    """(transactions committed, rows returned) of the bench database on that server."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit, tup_returned + tup_fetched FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return tuple(cursor.fetchone())


def supervisor():
    """A province-wide supervisor of the seeded organisation (sees every agency)."""
    from motcua.dossiers.permissions import PROVINCE_WIDE_KINDS
    from motcua.org.constants import Role
    from motcua.org.models import Officer

    post = (
        Officer.objects.filter(role=Role.SUPERVISOR, agency__kind__in=PROVINCE_WIDE_KINDS)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if post is None:
        sys.exit("No province-wide supervisor in the bench database.")
    return post.user


def http_pages(rounds: int) -> dict:
    """Median seconds of each report page, with the router off then on, and each server's
    transactions and rows returned during each column (statistics flushed by closing the
    connections: a backend reports them when it ends)."""
    from django.test import Client

    client = Client()
    client.force_login(supervisor())
    dates = {"from": "2020-01-01", "to": LAST_DAY.isoformat()}
    pages = {
        "06a page /reports/dossiers/": "/reports/dossiers/",
        "index page /reports/index766/": "/reports/index766/",
    }
    out = first_views(client, dates)
    for column, routed in (("primary", False), ("replica", True)):
        settings.MOTCUA_READ_REPLICA = routed
        connections.close_all()
        time.sleep(1.5)
        before = {alias: database_stats(alias) for alias in ("default", REPLICA)}
        connections.close_all()
        for label, url in pages.items():
            response = client.get(url, dates)  # warm
            if response.status_code != 200:
                sys.exit(f"{url}: {response.status_code}")
            timings = []
            for _ in range(rounds):
                started = time.perf_counter()
                client.get(url, dates)
                timings.append(time.perf_counter() - started)
            out.setdefault(label, {})[column] = statistics.median(timings)
        connections.close_all()
        time.sleep(1.5)
        after = {alias: database_stats(alias) for alias in ("default", REPLICA)}
        connections.close_all()
        for alias, name in (("default", "primary"), (REPLICA, "standby")):
            xacts, rows = (a - b for a, b in zip(after[alias], before[alias], strict=True))
            out.setdefault(f"{name} server: transactions", {})[column] = xacts
            out.setdefault(f"{name} server: rows returned", {})[column] = rows
    settings.MOTCUA_READ_REPLICA = True
    return out


def first_views(client, dates: dict) -> dict:
    """The index page's first view, on the primary: with nothing kept in the cache and no
    monthly report stored, its history line computes the index of each of its twelve
    months; with the province's monthly reports stored for them (as `stats.scheduled`
    leaves them in a running province: stored here in a transaction rolled back after),
    it reads them. Seconds of one view each."""
    from django.core.cache import cache

    from motcua.stats import scheduled

    settings.MOTCUA_READ_REPLICA = False  # the stored months are this transaction's own
    url = "/reports/index766/"

    def view() -> float:
        cache.clear()
        started = time.perf_counter()
        response = client.get(url, dates)
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code}")
        return time.perf_counter() - started

    out = {"index page 1st view, none stored": {"primary": view()}}
    with transaction.atomic():
        now = datetime(2021, 1, 5, 8, 0, tzinfo=UTC)
        for month in range(1, 13):
            scheduled._store_scope(date(2020, month, 1), None, now)  # the province's reports
        out["index page 1st view, months stored"] = {"primary": view()}
        transaction.set_rollback(True)
    cache.clear()
    return out


def on_replica(function):
    def routed():
        with reading_replica():
            return function()

    return routed


def main() -> None:
    years = ARGS.years or max(1, round(ARGS.dossiers / 1_000_000))
    if ARGS.replica and not settings.MOTCUA_READ_REPLICA:
        sys.exit("--replica needs DATABASE_REPLICA_URL (a standby of DATABASE_URL's server).")
    if ARGS.replica and connection.vendor != "postgresql":
        sys.exit("--replica needs PostgreSQL.")
    built = build(ARGS.dossiers, years)
    facts.open_years()  # as the monthly task does on 1 January (idempotent)
    total = Dossier.objects.count()
    fact_rows = Fact.objects.count()
    period = queries.Period(date(2020, 1, 1), LAST_DAY)
    scope = queries.Scope()
    year = Dossier.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
    print(
        f"reports bench: {total:,} dossiers over {years} year(s), {fact_rows:,} fact rows, "
        f"{connection.vendor} ({connection.settings_dict['NAME']}); "
        + (f"built in {built:,.0f} s" if built else "database reused")
    )
    lines = {
        "bare COUNT GROUP BY (year)": lambda: list(
            year.order_by().values("performing_agency_id").annotate(n=Count("id"))
        ),
        "06a direct from dossiers": lambda: queries.count_cells_direct(period, scope),
        "06a from facts (page)": lambda: queries.build(period, scope),
        "index 766 from facts": lambda: indicators.build(
            None, indicators.Period(period.start, period.end)
        ),
        "06a facts, no openings": lambda: without_openings(lambda: queries.build(period, scope)),
    }
    state = None
    if ARGS.replica:
        state = replication(wait=ARGS.catch_up)
        if not state["standby"]:
            print("warning: the replica is not in recovery (not a standby)")
        print(
            f"standby: waited {state['waited']:.0f} s to catch up; "
            f"{state['behind_bytes']} bytes behind, replay lag {state['replay_lag_ms']} ms"
        )
    figures, replica_figures = {}, {}
    for label, function in lines.items():
        figures[label], _ = timed(function, ARGS.rounds)
        if ARGS.replica:
            replica_figures[label], _ = timed(on_replica(function), ARGS.rounds)
    floor = figures["bare COUNT GROUP BY (year)"]
    header = f"{'line':<28} {'median ms':>10} {'× bare count':>13}"
    print(header + (f" {'replica ms':>11} {'× primary':>10}" if ARGS.replica else ""))
    for label, seconds in figures.items():
        line = f"{label:<28} {seconds * 1000:>10.1f} {seconds / floor:>13.2f}"
        if ARGS.replica:
            there = replica_figures[label]
            line += f" {there * 1000:>11.1f} {there / seconds:>10.2f}"
        print(line)
    direct = queries.count_cells_direct(period, scope)
    counted = queries.count_cells(period, scope)
    same = {(c.agency_id, c.sector_id): c.counts for c in direct if any(c.counts.values())} == {
        (c.agency_id, c.sector_id): c.counts for c in counted
    }
    print(f"06a from facts equals the direct count: {'yes' if same else 'NO'}")
    pages = {}
    if ARGS.replica:
        index = lambda: indicators.build(None, indicators.Period(period.start, period.end))  # noqa: E731
        report = lambda: queries.build(period, scope)  # noqa: E731
        equal = (
            on_replica(report)() == report()
            and on_replica(index)() == index()
            and on_replica(lambda: queries.count_cells(period, scope))() == counted
        )
        print(f"06a and index on the standby equal the primary's: {'yes' if equal else 'NO'}")
        after = replication()
        print(
            f"standby after the timings: {after['behind_bytes']} bytes behind, "
            f"replay lag {after['replay_lag_ms']} ms"
        )
        if ARGS.http:
            pages = http_pages(ARGS.rounds)
            print(f"{'over HTTP (median ms / count)':<34} {'router off':>12} {'router on':>12}")
            for label, columns in pages.items():
                if "replica" not in columns:  # measured on the primary only
                    print(f"{label:<34} {columns['primary'] * 1000:>12.1f} {'':>12}")
                elif "server" in label:
                    print(f"  {label:<32} {columns['primary']:>12,} {columns['replica']:>12,}")
                else:
                    print(
                        f"{label:<34} {columns['primary'] * 1000:>12.1f} "
                        f"{columns['replica'] * 1000:>12.1f}"
                    )
    if ARGS.output:
        with open(ARGS.output, "w") as out:
            json.dump(
                {
                    "dossiers": total,
                    "fact_rows": fact_rows,
                    "seconds": figures,
                    "replica_seconds": replica_figures,
                    "replication": state,
                    "pages": pages,
                },
                out,
            )


if __name__ == "__main__":
    main()
