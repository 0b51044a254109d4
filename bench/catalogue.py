"""Catalogue search speed on the demo catalogue.

    .venv/bin/python bench/catalogue.py

Loads the demo province into a scratch SQLite database (or uses DATABASE_URL), then
prints queries per second and median/p95 latency of the public search (folded column,
one query), and the ratio against a baseline that folds every name in Python per query.
"""

import os
import statistics
import tempfile
import time

import project_path  # noqa: F401 - first: the import path (see its docstring)

if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.benchdb import percentile  # noqa: E402
from motcua.catalog.constants import Status  # noqa: E402
from motcua.catalog.models import Procedure  # noqa: E402
from motcua.catalog.search import search  # noqa: E402
from motcua.core.text import fold, search_terms  # noqa: E402

QUERIES = [
    "dang ky khai sinh",
    "ĐĂNG KÝ KẾT HÔN",
    "cấp giấy phép",
    "khai tu",
    "xay dung",
    "chung thuc",
    "giay chung nhan quyen su dung dat",
    "thanh lap doanh nghiep",
    "bao hiem y te",
    "ho kinh doanh",
]
ROUNDS = 20


def indexed(query):
    qs = search(Procedure.objects.filter(status=Status.ACTIVE), query)
    return [p.pk for p in qs[:20]]


def naive(query):
    terms = search_terms(query)
    rows = Procedure.objects.filter(status=Status.ACTIVE).values_list("pk", "name", "code")
    hits = [pk for pk, name, code in rows if all(t in fold(f"{code} {name}") for t in terms)]
    return hits[:20]


def measure(fn):
    timings = []
    for _ in range(ROUNDS):
        for q in QUERIES:
            start = time.perf_counter()
            fn(q)
            timings.append(time.perf_counter() - start)
    timings.sort()
    return (
        len(timings) / sum(timings),
        statistics.median(timings),
        percentile(timings, 95),
    )


def main():
    call_command("migrate", verbosity=0)
    if not Procedure.objects.exists():
        with open(os.devnull, "w") as devnull:
            call_command("seed", "hanam-2020", stdout=devnull)
    total = Procedure.objects.count()
    fast, slow = measure(indexed), measure(naive)
    print(f"catalogue: {total} procedures ({django.db.connection.vendor})")
    for label, (qps, median, p95) in (("indexed search", fast), ("naive baseline", slow)):
        print(f"{label}: {qps:8.0f} q/s  median {median * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms")
    print(f"ratio indexed/naive: {fast[0] / slow[0]:.1f}x")


if __name__ == "__main__":
    main()
