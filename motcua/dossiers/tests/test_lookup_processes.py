"""The lookup's rate limits hold across processes: the counters live in a cache every web
process shares — the database table by default, the real Redis server when configured — and
are counted atomically, so that processes counting at once lose no attempt (docs/lookup.md).

Forked processes, as several web workers would be; each opens its own database connection
and cache client."""

import multiprocessing
import uuid

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client

from motcua.core import ratelimit
from motcua.core.tests.limits import redis_limits
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.dossiers.tests.lookup_pages import shown

pytestmark = pytest.mark.django_db(transaction=True)
WORKERS = 4
RATE = ratelimit.Rate(attempts=1000, seconds=3600)


@pytest.fixture(params=["database", "redis"])
def limits_cache(request, settings):
    """The limits cache as deployed: the database table, or Redis under a key prefix of
    this test's own (the server is shared), emptied afterwards."""
    if request.param == "database":
        yield request.param
        caches[settings.LIMITS_CACHE].clear()
        return
    with redis_limits(settings):
        yield request.param


def _run(target, *args) -> list:
    """Run `target(barrier, results, *args)` in WORKERS forked processes; their results."""
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    workers = [ctx.Process(target=target, args=(barrier, results, *args)) for _ in range(WORKERS)]
    for w in workers:
        w.start()
    found = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    return found


def _count(barrier, results, key, times) -> None:
    connections.close_all()
    barrier.wait()  # all at once
    counts = [ratelimit.attempt("test", key, RATE).count for _ in range(times)]
    results.put(counts)
    connections.close_all()


def test_processes_counting_at_once_lose_no_attempt(limits_cache):
    key = f"client-{uuid.uuid4().hex}"
    counts = _run(_count, key, 25)
    everything = sorted(c for worker in counts for c in worker)
    # Every attempt got its own number: no two processes read the same count and wrote it back.
    assert everything == list(range(1, WORKERS * 25 + 1))
    assert ratelimit.attempt("test", key, RATE).count == WORKERS * 25 + 1  # seen here too


def _wrong_passwords(barrier, results, code, address, times) -> None:
    connections.close_all()
    barrier.wait()
    client = Client()
    statuses = [
        client.post(
            "/lookup/", {"code": code, "secret": "WRONGPWD"}, REMOTE_ADDR=address
        ).status_code
        for _ in range(times)
    ]
    results.put(statuses)
    connections.close_all()


def test_the_per_client_limit_holds_across_web_processes(limits_cache, client):
    dossier = receive_at_counter(make_province())
    address = "203.0.113.99"
    statuses = _run(_wrong_passwords, dossier.code, address, 5)  # 4 processes × 5 tries
    flat = [s for worker in statuses for s in worker]
    assert flat.count(200) == 10 and flat.count(429) == 10  # 10 per client, wherever counted
    refused = client.post(
        "/lookup/", {"code": dossier.code, "secret": dossier.secret}, REMOTE_ADDR=address
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 15 * 60
    elsewhere = client.post(
        "/lookup/", {"code": dossier.code, "secret": dossier.secret}, REMOTE_ADDR="198.51.100.1"
    )
    assert shown(elsewhere, dossier)
