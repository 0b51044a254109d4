"""Work-queue page latency with many dossiers, on SQLite or PostgreSQL.

Run: .venv/bin/python bench/queue.py [--dossiers 1000000] [--rounds 100]

Builds its own database and keeps it for the next run with the same --dossiers: a SQLite
file var/bench/queue-<N>.sqlite3 (never the development database), or, with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>, that database (created when
missing; its name must contain "bench"). Building is `motcua migrate` and
`motcua seed hanam-2020 --dossiers N` (the demo province, N dossier rows; a million take a
while, see docs/demo-data.md); on PostgreSQL the tables are then ANALYZEd, as autovacuum
would.

Then, for officers of several roles, times GET /office/ with the Django test client: the
first page, the third page reached by the pager's "Next" links (keyset: after the last row
shown), the third page typed as a number (an offset, for old links), the overdue filter, and
the search by ID number, by phone, by a word of a name, by a full name and by a name that
matches nothing (on PostgreSQL answered by the trigram indexes, migration `dossiers` 0014,
where it once read every open dossier the officer sees); the values searched are those of
one of the officer's open dossiers. Per line: the median and p95 latency (nearest rank over
--rounds requests: of 100, the 95th), p95 as a multiple of a baseline measured in the same
run (the median of a trivial indexed query: one dossier by primary key), the rows shown, the
SQL queries of the request, and PASS or FAIL against the target (p95 <= 50 ms). The queue
must be one query for its rows whatever the officer, the page and the search (checked on
every line; the total also counts the session, the user, the posts, the desks, a search's
catalogue generation (the procedures it finds are then kept per generation), the applicants
an ID number or a phone finds, page 1's own stale dossiers, and a leader's figure when it is
not kept); the last lines show the database's plan of the page's query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import parse_qs

from project_path import ROOT  # first: the import path (see its docstring)


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000, help="dossier rows")
    parser.add_argument(
        "--rounds", type=int, default=100, help="requests per page and officer (p95: 5 slower)"
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="PostgreSQL: seed --base dossiers, then copy them in SQL up to --dossiers",
    )
    parser.add_argument("--base", type=int, default=20_000, help="dossiers seeded (--synthetic)")
    return parser.parse_args(argv)


ARGS = _arguments() if __name__ == "__main__" else _arguments([])
from bench.benchdb import columns, numbered, open_database, percentile  # noqa: E402

open_database(ROOT, f"queue-{ARGS.dossiers}")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from motcua.dossiers.models import Dossier  # noqa: E402
from motcua.ops import memory  # noqa: E402
from motcua.org.models import User  # noqa: E402

OFFICERS = [  # username, who
    ("motcua.quangtrung", "desk officer, commune"),
    ("chuyenvien.stp", "specialist, department"),
    ("chuyenvien.phuly", "specialist, district office"),
    ("lanhdao.phuly", "leader, district"),
    ("giamsat", "supervisor, province-wide"),
]
TARGET_MS = 50.0
CASES = [  # label, how the parameters are found (see cases())
    "page 1",
    "page 3",
    "page 3 #",
    "overdue",
    "ID number",
    "phone",
    "name word",
    "full name",
    "no match",
]


def build(n: int) -> float:
    """Seconds spent building the database (0 if it already holds n dossiers)."""
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache's table, as deployed
    have = Dossier.objects.count()
    if have == n:
        return 0.0
    name = connection.settings_dict["NAME"]
    started = time.monotonic()
    if ARGS.synthetic:
        if connection.vendor != "postgresql":
            sys.exit("--synthetic builds in PostgreSQL's SQL: give a postgres:// DATABASE_URL.")
        if have == 0:
            call_command("seed", "hanam-2020", "--dossiers", str(ARGS.base))
        elif have > n or Dossier.objects.filter(code__startswith=PREFIX).exists():
            sys.exit(f"{name} holds {have} dossiers, some copied: drop it to build again.")
        synthesize(n)
    else:
        if have:
            sys.exit(f"{name} holds {have} dossiers, not {n}.")
        call_command("seed", "hanam-2020", "--dossiers", str(n))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.monotonic() - started


PREFIX = "BENCHQ"  # the codes of the copied dossiers
OPEN_TARGET = 16_000  # open dossiers at a million: the seeded million had about 15,900


def synthesize(n: int) -> None:
    """Grow the seeded database to n dossiers (--synthetic, PostgreSQL): copies of its open
    dossiers, each with its own applicant (its own ID number and phone) and a copy of its
    events (same agency, desk, step,
    assignee and dates), until OPEN_TARGET are open; then copies of its closed dossiers,
    each with its own applicant, up to n. The closed copies carry no events, documents or
    facts (the queue reads none of them); every copy's code starts with PREFIX. A seeded
    million takes hours on a shared 2-core machine; this takes minutes."""
    from motcua.dossiers.workflow import OPEN

    open_ = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN))
    with connection.cursor() as c:
        c.execute("SELECT count(*), count(*) FILTER (WHERE " + open_ + ") FROM dossiers_dossier")
        have, have_open = c.fetchone()
        open_copies = max(0, min(OPEN_TARGET - have_open, n - have))
        c.execute("SET session_replication_role = replica")  # no FK triggers for the load
        for letter, count, where in (
            ("O", open_copies, open_),
            ("C", n - have - open_copies, f"NOT {open_}"),
        ):
            if count > 0:
                started = time.monotonic()
                _copy(c, letter, count, f"parent_id IS NULL AND {where}")
                print(
                    f"  {count:,} copies of {'open' if letter == 'O' else 'closed'} dossiers "
                    f"in {time.monotonic() - started:.0f} s"
                )
        c.execute("SET session_replication_role = DEFAULT")
        for table in ("dossiers_dossier", "dossiers_applicant"):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


def _copy(c, letter: str, count: int, where: str) -> None:
    """`count` copies of the dossiers matching `where`, in turn, with their applicants (and,
    for open ones, their events), under ids after the largest."""
    templates = numbered(c, "bench_t", "dossiers_dossier", where)
    if not templates:
        return
    c.execute("SELECT coalesce(max(id), 0) FROM dossiers_applicant")
    applicant0 = c.fetchone()[0] + 1
    c.execute("SELECT coalesce(max(id), 0) FROM dossiers_dossier")
    dossier0 = c.fetchone()[0] + 1
    series = f"generate_series(0, {count - 1}) g JOIN bench_t t ON t.n = mod(g, {templates})"
    names = [name for name, _ in columns(c, "dossiers_applicant")]
    own = {  # each copy's own ID number and phone (the same prefixes), as people have
        "id_number": "CASE WHEN a.id_number = '' THEN '' ELSE left(a.id_number, 6) || "
        "lpad(mod(g + a.id, 1000000)::text, 6, '0') END",
        "phone": "CASE WHEN a.phone = '' THEN '' ELSE left(a.phone, 4) || "
        "lpad(mod(g * 7 + a.id, 1000000)::text, 6, '0') END",
    }
    c.execute(
        f"INSERT INTO dossiers_applicant (id, {', '.join(names)}) "
        f"SELECT {applicant0} + g, {', '.join(own.get(x, f'a.{x}') for x in names)} "
        f"FROM {series} JOIN dossiers_applicant a ON a.id = t.applicant_id"
    )
    names, values = [], []
    for name, _nullable in columns(c, "dossiers_dossier"):
        names.append(name)
        if name == "code":
            values.append(f"'{PREFIX}{letter}' || lpad(g::text, 9, '0')")
        elif name in ("idempotency_key", "parent_id", "chain_id"):
            values.append("NULL")
        elif name == "applicant_id":
            values.append(f"{applicant0} + g")
        else:
            values.append(f"t.{name}")
    c.execute(
        f"INSERT INTO dossiers_dossier (id, {', '.join(names)}) "
        f"SELECT {dossier0} + g, {', '.join(values)} FROM {series}"
    )
    if letter == "O":
        names = [name for name, _ in columns(c, "dossiers_dossierevent")]
        values = [f"{dossier0} + g" if x == "dossier_id" else f"e.{x}" for x in names]
        c.execute(
            f"INSERT INTO dossiers_dossierevent ({', '.join(names)}) "
            f"SELECT {', '.join(values)} FROM {series} "
            "JOIN dossiers_dossierevent e ON e.dossier_id = t.id"
        )
    c.execute("DROP TABLE bench_t")


def cases(user) -> dict[str, dict]:
    """The parameters of each line for this officer: the third page by following the Next
    links twice; the searches for the applicant of one of the officer's open dossiers."""
    from motcua.dossiers import permissions
    from motcua.dossiers.workflow import OPEN

    client = Client()
    client.force_login(user)
    third = {}
    for _ in range(2):
        link = client.get("/office/", third).context["next_url"]
        third = {k: v[-1] for k, v in parse_qs(link.lstrip("?")).items()} if link else third
    open_ = permissions.visible_dossiers(user).filter(status__in=OPEN)
    sample = (
        open_.exclude(applicant__id_number="")
        .exclude(applicant__phone="")
        .select_related("applicant")
        .order_by("id")
    )
    applicant = sample[sample.count() // 2].applicant if sample.exists() else None
    found = {}
    if applicant is not None:
        found = {
            "ID number": {"q": applicant.id_number},
            "phone": {"q": applicant.phone},
            "name word": {"q": applicant.full_name.split()[-1]},
            "full name": {"q": applicant.full_name},
        }
    return {
        "page 1": {},
        "page 3": third,
        "page 3 #": {"page": "3"},
        "overdue": {"overdue": "on"},
        **found,
        "no match": {"q": "Zyxwv Qqq"},
    }


def warm() -> int:
    """Serve the officers' first pages in turn as many times as a worker serves before it
    freezes what it holds (OPS["GC_FREEZE_AFTER"], ops/memory.py): the bench measures a
    warm worker, as `motcua serve` runs them. Returns the requests served."""
    from django.conf import settings

    clients = []
    for username, _who in OFFICERS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            clients.append(Client())
            clients[-1].force_login(user)
    served = 0
    while clients and served < settings.OPS.get("GC_FREEZE_AFTER", 0):
        clients[served % len(clients)].get("/office/")
        served += 1
    return served


def baseline(rounds: int = 200) -> float:
    """Median seconds of a trivial indexed query: one dossier's code by primary key."""
    pk = Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 1
    timings = []
    for i in range(rounds):
        started = time.perf_counter()
        Dossier.objects.filter(pk=pk - i % 50).values_list("code", flat=True).first()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(user, params: dict, rounds: int):
    client = Client()
    client.force_login(user)
    for _ in range(2):
        client.get("/office/", params)  # warm: calendar, template, connection
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/office/", params)
    assert response.status_code == 200, response.status_code
    queries = list(captured.captured_queries)  # the next request clears the log
    # Timed as served: without the test environment's template instrumentation (it copies
    # every template context for response.context, a good part of a page's rendering).
    teardown_test_environment()
    timings = []
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            client.get("/office/", params)
            timings.append(time.perf_counter() - started)
    finally:
        setup_test_environment()
    timings.sort()
    # The page's rows: the query with the stop mark (the others are the session, the user,
    # the posts, the officer's stale dossiers on page 1, a leader's figure, the catalogue's
    # generation for a search).
    page_sql = [q["sql"] for q in queries if '"stop_asked"' in q["sql"]]
    return {
        "median": statistics.median(timings),
        "p95": percentile(timings, 95),
        "rows": len(response.context["rows"]),
        "queries": len(queries),
        "page_queries": len(page_sql),
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
    warmed = warm()
    base = baseline()
    print(
        f"warm: {warmed} requests first, as a serving worker's first ones (then frozen out "
        f"of the garbage collector: {memory.frozen()}, ops/memory.py)"
    )
    print(
        f"baseline (one dossier by primary key, median): {base * 1000:.2f} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'officer':<34} {'page':<10} {'median ms':>9} {'p95 ms':>8} {'x base':>7} "
        f"{'rows':>5} {'queries':>7}  p95 <= {TARGET_MS:.0f} ms"
    )
    counts, plans, failed, lines = set(), {}, 0, 0
    for username, who in OFFICERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        params_of = cases(user)
        for label in CASES:
            if label not in params_of:
                continue
            result = measure(user, params_of[label], ARGS.rounds)
            counts.add(result["page_queries"])
            if label in ("page 1", "no match"):
                plans[f"{who}, {label}"] = result["sql"]
            p95 = result["p95"] * 1000
            verdict = "PASS" if p95 <= TARGET_MS else "FAIL"
            failed += verdict == "FAIL"
            lines += 1
            print(
                f"{username + ' (' + who + ')':<34} {label:<10} {result['median'] * 1000:>9.1f} "
                f"{p95:>8.1f} {result['p95'] / base:>7.0f} {result['rows']:>5} "
                f"{result['queries']:>7}  {verdict}"
            )
    verdict = "one on every line" if counts == {1} else "NOT one on every line"
    print(f"queries for the page's rows: {verdict} ({', '.join(map(str, sorted(counts)))})")
    print(
        f"p95 <= {TARGET_MS:.0f} ms: "
        + ("PASS on every line" if not failed else f"FAIL on {failed} of {lines} lines")
    )
    for who, sql in plans.items():
        print(f"plan of the dossier query, {who}:")
        for line in plan(sql)[:14]:
            print(f"  {line}")


if __name__ == "__main__":
    main()
