"""Dossier intake: dossiers received per second through the service layer and the API.

Run: .venv/bin/python bench/intake.py [--n 500]

Uses DATABASE_URL; by default a fresh SQLite file in a temporary directory (never the
development database var/motcua.sqlite3). On PostgreSQL give a database made for the bench,
e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_intake: it is migrated
and emptied first (the bench refuses a database holding agencies unless its name contains
"bench").

Builds a small province (two departments with desks at a service center, a procedure with
its four-step process, officers, an API token), then receives --n counter dossiers with
`services.receive` (one transaction each, as the desk screen does) and --n with
`POST /api/v1/dossiers` through the Django test client (Bearer token, a new Idempotency-Key
per request, JSON in and out), each dossier with its applicant and documents. Prints the
rates, their ratio, the queries of one create on each path (BEGIN and COMMIT included;
`--show-queries` lists them) and the load average (the machine may be shared).

Then (unless `--no-http`) it starts `motcua serve --workers 2` on 127.0.0.1 (as bench/load.py
does) and posts `--http-n` dossiers with one client, then 4 × `--http-n` with 4 concurrent
clients (threads, each with its own HTTP connection). A tenth of the 4 clients' requests
repeat an idempotency key: one key shared by all clients for the same body (a concurrent
retry from another client) or the client's own previous request (a retry). Prints the
rates, the ratio 4 clients / 1 client, and checks that the dossiers created are exactly
the distinct keys accepted (none lost, none twice) and that every answer for a key names
the same dossier.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

import project_path  # noqa: F401 - first: the import path (see its docstring)

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-intake.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

from bench.benchdb import ensure_postgres_database

ensure_postgres_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from motcua.api import services as api_services  # noqa: E402
from motcua.demo.people import People  # noqa: E402
from motcua.dossiers import services  # noqa: E402
from motcua.dossiers.models import Channel, Dossier  # noqa: E402
from motcua.dossiers.tests.factories import make_province  # noqa: E402
from motcua.org.constants import Role  # noqa: E402
from motcua.org.models import Agency  # noqa: E402


def prepare():
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache's table, as deployed
    name = str(connection.settings_dict["NAME"])
    if Agency.objects.exists():
        if "bench" not in name:
            sys.exit(f"{name} holds data and is not a bench database; refusing to empty it.")
        call_command("flush", "--no-input", verbosity=0)
    province = make_province()
    desk_officer = province.officer("justice", Role.DESK_OFFICER)
    token = api_services.issue_token("Bench", desk_officer)[1]
    return province, desk_officer, token


def applicants(n: int, seed: int) -> list[dict]:
    people = People(random.Random(seed))
    return [people.person("phường Quang Trung, thành phố Phủ Lý, tỉnh Hà Nam") for _ in range(n)]


def through_services(province, officer, people: list[dict], desk=None, documents=None) -> float:
    desk = desk or officer.posts.get().desk
    documents = documents or province.documents()
    started = time.perf_counter()
    for person in people:
        services.receive(
            procedure=province.procedure,
            applicant=person,
            channel=Channel.COUNTER,
            actor=officer,
            desk=desk,
            documents=documents,
        )
    return len(people) / (time.perf_counter() - started)


def through_api(
    province, officer, token: str, people: list[dict], prefix: str, desk=None, documents=None
) -> float:
    client = Client()
    desk = desk or officer.posts.get().desk
    documents = [
        {"required_document": d["required_document"], "originals": 1, "copies": 0}
        for d in documents or province.documents()
    ]
    started = time.perf_counter()
    for i, person in enumerate(people):
        body = {
            "procedure": province.procedure.code,
            "applicant": person,
            "channel": "counter",
            "desk": desk.pk,
            "documents": documents,
        }
        response = client.post(
            "/api/v1/dossiers",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{prefix}-{i}"},
        )
        if response.status_code != 201:
            sys.exit(f"API answered {response.status_code}: {response.content[:300]!r}")
    return len(people) / (time.perf_counter() - started)


def one(seed: int) -> list[dict]:
    return applicants(1, seed)


def queries_of(create, show: str = "") -> int:
    """The database queries of one create (the token's included); `show`: list them."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        create()
    if show:
        print(f"-- the queries of one create, {show}")
        for i, query in enumerate(captured.captured_queries, 1):
            print(f"{i:>3} {' '.join(query['sql'].split())[:150]}")
    return len(captured.captured_queries)


# --- Over HTTP: `motcua serve`, one client and four ---------------------------------------


def _bodies(province, desk, documents, people: list[dict]) -> list[str]:
    documents = [
        {"required_document": d["required_document"], "originals": 1, "copies": 0}
        for d in documents
    ]
    return [
        json.dumps(
            {
                "procedure": province.procedure.code,
                "applicant": person,
                "channel": "counter",
                "desk": desk.pk,
                "documents": documents,
            }
        )
        for person in people
    ]


def _client(base: str, token: str, requests: list[tuple[str, str]], answers: list) -> None:
    """Post each (key, body) in turn on one connection; note (key, status, code)."""
    address = urlsplit(base)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        for key, body in requests:
            conn.request(
                "POST",
                "/api/v1/dossiers",
                body.encode(),
                {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                },
            )
            response = conn.getresponse()
            data = response.read()
            code = json.loads(data).get("code") if response.status in (200, 201) else None
            answers.append((key, response.status, code))
    finally:
        conn.close()


def _plan(prefix: str, clients: int, n: int, bodies: list[str]) -> list[list[tuple[str, str]]]:
    """Each client's requests: new keys, and every tenth a repeated one (the key shared by
    all clients, with its one body, or the client's own previous request)."""
    fresh = iter(range(len(bodies)))
    shared_body = bodies[next(fresh)]
    plans = []
    for c in range(clients):
        plan = []
        for i in range(n):
            if clients > 1 and i % 10 == 5:
                plan.append((f"{prefix}-shared-{i}", shared_body) if c % 2 == 0 else plan[-1])
            else:
                j = next(fresh)
                plan.append((f"{prefix}-{j}", bodies[j]))
        plans.append(plan)
    return plans


def through_http(base, token, user_pk, prefix, clients, n, bodies) -> dict:
    plans = _plan(prefix, clients, n, bodies)
    answers: list = []
    threads = [
        threading.Thread(target=_client, args=(base, token, plan, answers)) for plan in plans
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    failed = [a for a in answers if a[1] not in (200, 201)]
    keys = {key for plan in plans for key, _ in plan}
    codes: dict[str, set] = {}
    for key, _, code in answers:
        codes.setdefault(key, set()).add(code)
    created = Dossier.objects.filter(idempotency_key__startswith=f"api:{user_pk}:{prefix}-")
    stored = dict(created.values_list("idempotency_key", "code"))
    accepted = {key for key, status, _ in answers if status in (200, 201)}
    return {
        "requests": len(answers),
        "rate": len(answers) / elapsed,
        "failed": len(failed),
        "created_201": sum(1 for a in answers if a[1] == 201),
        "retried_200": sum(1 for a in answers if a[1] == 200),
        "distinct_keys": len(keys),
        "dossiers": len(stored),
        "exact": (
            not failed
            and accepted == keys
            and len(stored) == len(keys)
            and sum(1 for a in answers if a[1] == 201) == len(keys)
            and all(codes[k] == {stored.get(f"api:{user_pk}:{k}")} for k in keys)
        ),
    }


def over_http(province, officer, token, desk, documents, n: int, seed: int) -> None:
    from bench.load import start_server

    connection.close()  # the server's workers open their own
    server, base = start_server(os.environ["DATABASE_URL"], workers=2)
    try:
        people = applicants(11 + (1 + n) + (1 + 4 * n), seed)
        bodies = _bodies(province, desk, documents, people)
        through_http(base, token, officer.pk, "http-warm", 2, 5, bodies[:11])
        one = bodies[11 : 12 + n]
        one_client = through_http(base, token, officer.pk, "http-one", 1, n, one)
        four = through_http(base, token, officer.pk, "http-four", 4, n, bodies[12 + n :])
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nover HTTP: motcua serve --workers 2 on {base}, {n} dossiers per client")
    print(f"{'clients':<10} {'requests':>8} {'dossiers/s':>10} {'201':>5} {'200':>5} "
          f"{'keys':>5} {'dossiers':>8} {'failed':>6}  exact")  # fmt: skip
    for label, r in (("1", one_client), ("4", four)):
        print(
            f"{label:<10} {r['requests']:>8} {r['rate']:>10,.1f} {r['created_201']:>5} "
            f"{r['retried_200']:>5} {r['distinct_keys']:>5} {r['dossiers']:>8} {r['failed']:>6}"
            f"  {'yes' if r['exact'] else 'NO'}"
        )
    print(f"ratio 4 clients / 1 client: {four['rate'] / one_client['rate']:.2f}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if not (one_client["exact"] and four["exact"]):
        sys.exit("dossiers lost or created twice (see the table)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="dossiers per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-queries", action="store_true", help="list the queries")
    parser.add_argument("--no-http", action="store_true", help="skip the server part")
    parser.add_argument("--http-n", type=int, default=100, help="dossiers per HTTP client")
    args = parser.parse_args(argv)

    province, officer, token = prepare()
    warm = applicants(20, args.seed + 1)
    through_services(province, officer, warm[:10])  # calendars, caches, connection
    through_api(province, officer, token, warm[10:], "warm")
    service_rate = through_services(province, officer, applicants(args.n, args.seed))
    api_rate = through_api(province, officer, token, applicants(args.n, args.seed + 2), "run")
    # What the bench itself reads (the desk, the papers) is read before counting.
    desk, documents = officer.posts.select_related("desk__agency").get().desk, province.documents()
    show = args.show_queries
    queries = {
        "services.receive": queries_of(
            lambda: through_services(province, officer, one(7), desk, documents),
            show and "services.receive",
        ),
        "POST /api/v1/dossiers": queries_of(
            lambda: through_api(province, officer, token, one(8), "count", desk, documents),
            show and "POST /api/v1/dossiers",
        ),
    }
    expected = 2 * args.n + 22
    assert Dossier.objects.count() == expected, Dossier.objects.count()

    print(f"intake bench: {args.n} counter dossiers per path, one after another "
          f"({connection.vendor}, {connection.settings_dict['NAME']})")  # fmt: skip
    print(f"{'path':<28} {'dossiers/s':>10} {'ms/dossier':>11} {'queries':>8}")
    for label, rate in (
        ("services.receive", service_rate),
        ("POST /api/v1/dossiers", api_rate),
    ):
        print(f"{label:<28} {rate:>10,.0f} {1000 / rate:>11.2f} {queries[label]:>8}")
    print(f"ratio API/services: {api_rate / service_rate:.2f}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if not args.no_http:
        over_http(province, officer, token, desk, documents, args.http_n, args.seed + 3)


if __name__ == "__main__":
    main()
