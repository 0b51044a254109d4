"""Work-queue page latency with many dossiers, on SQLite or PostgreSQL.

Run: .venv/bin/python bench/queue.py [--dossiers 1000000] [--rounds 20]

Builds its own database and keeps it for the next run with the same --dossiers: a SQLite
file var/bench/queue-<N>.sqlite3 (never the development database), or, with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>, that database (created when
missing; its name must contain "bench"). Building is `motcua migrate` and
`motcua seed hanam-2020 --dossiers N` (the demo province, N dossier rows; a million take a
while, see docs/demo-data.md); on PostgreSQL the tables are then ANALYZEd, as autovacuum
would.

Then, for officers of several roles, times GET /office/ (first page, third page, the
overdue filter) with the Django test client and prints, per page: the median and p95
latency, the rows shown, and the number of SQL queries of the request. The queue must be
one query per page whatever the officer and the page, so the query count must be the same
on every line; the last lines show the database's plan of the dossier query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from project_path import ROOT  # first: the import path (see its docstring)


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000, help="dossier rows")
    parser.add_argument("--rounds", type=int, default=20, help="requests per page and officer")
    return parser.parse_args(argv)


ARGS = _arguments() if __name__ == "__main__" else _arguments([])
from bench.benchdb import open_database  # noqa: E402

open_database(ROOT, f"queue-{ARGS.dossiers}")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from motcua.dossiers.models import Dossier  # noqa: E402
from motcua.org.models import User  # noqa: E402

OFFICERS = [  # username, who
    ("motcua.quangtrung", "desk officer, commune"),
    ("chuyenvien.stp", "specialist, department"),
    ("chuyenvien.phuly", "specialist, district office"),
    ("lanhdao.phuly", "leader, district"),
    ("giamsat", "supervisor, province-wide"),
]
PAGES = [("page 1", {}), ("page 3", {"page": "3"}), ("overdue", {"overdue": "on"})]


def build(n: int) -> float:
    """Seconds spent building the database (0 if it already holds n dossiers)."""
    call_command("migrate", verbosity=0)
    if Dossier.objects.exists():
        have = Dossier.objects.count()
        if have != n:
            sys.exit(f"{connection.settings_dict['NAME']} holds {have} dossiers, not {n}.")
        return 0.0
    started = time.monotonic()
    call_command("seed", "hanam-2020", "--dossiers", str(n))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.monotonic() - started


def measure(user, params: dict, rounds: int):
    client = Client()
    client.force_login(user)
    for _ in range(2):
        client.get("/office/", params)  # warm: calendar, template, connection
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/office/", params)
    assert response.status_code == 200, response.status_code
    queries = list(captured.captured_queries)  # the next request clears the log
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.get("/office/", params)
        timings.append(time.perf_counter() - started)
    timings.sort()
    page_sql = [q["sql"] for q in queries if "dossiers_dossier" in q["sql"]]
    return {
        "median": statistics.median(timings),
        "p95": timings[min(len(timings) - 1, int(len(timings) * 0.95))],
        "rows": len(response.context["rows"]),
        "queries": len(queries),
        "sql": page_sql[-1] if page_sql else "",
    }


def plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql)
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    setup_test_environment()  # the test client records the template context
    built = build(ARGS.dossiers)
    total = Dossier.objects.count()
    print(
        f"queue bench: {total:,} dossiers, {connection.vendor} "
        f"({connection.settings_dict['NAME']}); "
        + (f"built in {built:,.0f} s" if built else "database reused")
    )
    print(f"{'officer':<34} {'page':<8} {'median ms':>9} {'p95 ms':>8} {'rows':>5} {'queries':>7}")
    counts, plans = set(), {}
    for username, who in OFFICERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        for label, params in PAGES:
            result = measure(user, params, ARGS.rounds)
            counts.add(result["queries"])
            plans.setdefault(who, result["sql"]) if label == "page 1" else None
            print(
                f"{username + ' (' + who + ')':<34} {label:<8} {result['median'] * 1000:>9.1f} "
                f"{result['p95'] * 1000:>8.1f} {result['rows']:>5} {result['queries']:>7}"
            )
    verdict = "constant" if len(counts) == 1 else "NOT constant"
    print(f"queries per page: {verdict} ({', '.join(map(str, sorted(counts)))})")
    for who, sql in plans.items():
        print(f"plan of the dossier query, {who}:")
        for line in plan(sql)[:12]:
            print(f"  {line}")


if __name__ == "__main__":
    main()
