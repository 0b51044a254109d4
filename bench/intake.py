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
rates and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

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


def queries_of(create) -> int:
    """The database queries of one create (the session's and the token's included)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        create()
    return len(captured.captured_queries)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="dossiers per measurement")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    province, officer, token = prepare()
    warm = applicants(20, args.seed + 1)
    through_services(province, officer, warm[:10])  # calendars, caches, connection
    through_api(province, officer, token, warm[10:], "warm")
    service_rate = through_services(province, officer, applicants(args.n, args.seed))
    api_rate = through_api(province, officer, token, applicants(args.n, args.seed + 2), "run")
    # What the bench itself reads (the desk, the papers) is read before counting.
    desk, documents = officer.posts.get().desk, province.documents()
    queries = {
        "services.receive": queries_of(
            lambda: through_services(province, officer, one(7), desk, documents)
        ),
        "POST /api/v1/dossiers": queries_of(
            lambda: through_api(province, officer, token, one(8), "count", desk, documents)
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


if __name__ == "__main__":
    main()
