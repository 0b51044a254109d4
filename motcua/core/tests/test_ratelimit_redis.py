"""The rate-limit counters in Redis (core/ratelimit.py), against the real Redis server at
127.0.0.1:6379 (docs/lookup.md, "Tests"): counted and taken back by one script each, shared
by every client of the server (as by every web process), stopping at the first counter over
its limit, never recreating a counter whose window ended; and the lookup over them: wrong
passwords add up to the limit, the right one is not counted, the answer reads the database
once. Each test uses a key prefix of its own and deletes its keys."""

import time

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.core import ratelimit
from motcua.core.tests.limits import REDIS_URL, redis_limits
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.dossiers.tests.lookup_pages import shown

ATTACKER, CITIZEN = "203.0.113.50", "198.51.100.50"
HANDSHAKE = {"HELLO", "AUTH", "CLIENT", "SELECT"}  # what a new connection sends first


@pytest.fixture
def prefix(settings):
    """The limits cache in Redis under a prefix of this test's own, emptied afterwards."""
    with redis_limits(settings) as prefix:
        yield prefix


def commands_sent(monkeypatch) -> list[str]:
    """The names of the commands the Redis clients send from now on, in order (on their
    connections: a client's calls and `ratelimit.judging`'s check sent ahead alike)."""
    sent = []
    original = redis.connection.AbstractConnection.send_command

    def send_command(self, *args, **options):
        if args[0] not in HANDSHAKE:
            sent.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_command", send_command)
    return sent


def stored(prefix) -> dict[str, int]:
    server = redis.Redis.from_url(REDIS_URL)
    try:
        return {k.decode(): int(server.get(k)) for k in server.scan_iter(f"{prefix}:*:limit:*")}
    finally:
        server.close()


def test_both_counters_are_counted_by_one_script_and_taken_back_by_another(prefix, monkeypatch):
    sent = commands_sent(monkeypatch)
    rate = ratelimit.Rate(attempts=5, seconds=900)
    now = time.time()
    counted = ratelimit.attempt_all([("a", "client", rate), ("b", "code", rate)], now)
    assert [c.count for c in counted] == [1, 1] and sent == ["EVAL"]
    cache = caches["limits"]
    assert [cache.get(c.cache_key) for c in counted] == [1, 1]  # the cache reads them
    server = redis.Redis.from_url(REDIS_URL)
    ttl = server.ttl(cache.make_and_validate_key(counted[0].cache_key))
    server.close()
    window_left = counted[0].window_ends - now
    assert window_left <= ttl <= window_left + ratelimit.GRACE_SECONDS + 1
    sent.clear()
    ratelimit.forgive_all(counted)
    assert sent == ["EVAL"]
    assert [cache.get(c.cache_key) for c in counted] == [0, 0]


def test_counting_stops_at_the_first_counter_over_its_limit(prefix):
    tight, loose = ratelimit.Rate(attempts=2, seconds=900), ratelimit.Rate(10, 3600)
    counts = [
        [c.count for c in ratelimit.attempt_all([("a", "x", tight), ("b", "y", loose)])]
        for _ in range(4)
    ]
    assert counts == [[1, 1], [2, 2], [3], [4]]  # the second counter is not counted once over
    assert sorted(stored(prefix).values()) == [2, 4]


def test_a_counter_whose_window_ended_is_not_created_again_by_forgiving(prefix):
    counted = ratelimit.attempt("a", "x", ratelimit.Rate(5, 60))
    server = redis.Redis.from_url(REDIS_URL)
    server.delete(caches["limits"].make_and_validate_key(counted.cache_key))  # expired
    server.close()
    ratelimit.forgive_all([counted])
    ratelimit.forgive(counted)
    assert stored(prefix) == {}


def test_two_clients_of_the_server_share_the_counts(prefix, settings, monkeypatch):
    """As two web processes would: each its own connection pool, one count between them."""
    config = settings.CACHES[settings.LIMITS_CACHE]
    one, two = (RedisCache(REDIS_URL, {"KEY_PREFIX": config["KEY_PREFIX"]}) for _ in range(2))
    assert one._cache.get_client(write=True) is not two._cache.get_client(write=True)
    rate = ratelimit.Rate(attempts=3, seconds=900)
    seen = []
    for cache in (one, two, one, two):
        monkeypatch.setattr(ratelimit, "_cache", lambda cache=cache: cache)
        seen.append(ratelimit.attempt_all([("lookup.client", ATTACKER, rate)])[0].count)
    assert seen == [1, 2, 3, 4]  # the fourth is over the limit, whichever client counts it


@pytest.mark.django_db
def test_the_lookup_over_redis_limits_wrong_passwords_and_reads_the_database_once(prefix):
    province = make_province()
    dossier, other = receive_at_counter(province), receive_at_counter(province)
    client = Client()

    def post(code, secret, address):
        return client.post("/lookup/", {"code": code, "secret": secret}, REMOTE_ADDR=address)

    assert post(other.code, other.secret, CITIZEN).status_code == 200  # prepares the statement
    with CaptureQueriesContext(connection) as queries:
        right = post(dossier.code, dossier.secret, CITIZEN)
    assert shown(right, dossier)
    assert len(queries) == 1  # the dossier, its names, desks and events: one statement
    assert all(v == 0 for v in stored(prefix).values())  # the right password is not counted
    answers = [post(dossier.code, f"WRONG{n:03d}", ATTACKER).status_code for n in range(12)]
    assert answers == [200] * 10 + [429] * 2
    assert post(dossier.code, dossier.secret, ATTACKER).status_code == 429
    assert post(dossier.code, dossier.secret, CITIZEN).status_code == 200
    # The code's 10 wrong ones; the attacker's 13, counted before each password was checked
    # (so the right one too, refused); the citizen's right ones taken back.
    assert sorted(v for v in stored(prefix).values() if v) == [10, 13]


@pytest.mark.django_db
def test_a_right_password_asks_redis_once_and_leaves_no_count_a_wrong_one_twice(
    prefix, monkeypatch
):
    province = make_province()
    dossier = receive_at_counter(province)
    sent = commands_sent(monkeypatch)
    client = Client()
    post = {"code": dossier.code, "secret": dossier.secret}
    assert client.post("/lookup/", post, REMOTE_ADDR=CITIZEN).status_code == 200
    assert sent == ["EVAL"] and stored(prefix) == {}  # checked, nothing counted
    sent.clear()
    wrong = {**post, "secret": "WRONG001"}
    assert client.post("/lookup/", wrong, REMOTE_ADDR=CITIZEN).status_code == 200
    assert sent == ["EVAL", "EVAL"] and sorted(stored(prefix).values()) == [
        1,
        1,
    ]  # checked, counted


def test_a_wrong_guess_whose_count_went_over_the_rate_meanwhile_is_refused(prefix):
    """The check is sent before the password is compared; parallel wrong guesses counted
    between the check and the count leave this one over the rate: refused, not answered."""
    rate = ratelimit.Rate(attempts=2, seconds=900)
    now = time.time()
    with ratelimit.judging([("a", "k", rate)], now) as judge:
        for _ in range(2):  # two other requests' wrong guesses, while this one compares
            [other] = ratelimit.judge_all([("a", "k", rate)], failed=True, now=now)
            assert not other.exceeded
        [counted] = judge(failed=True)
    assert counted.exceeded and counted.count == 3 and counted.first_refused
    with ratelimit.judging([("b", "k", rate)], now) as judge:  # a right one meanwhile: answered
        ratelimit.judge_all([("b", "k", rate)], failed=True, now=now)
        [right] = judge(failed=False)
    assert not right.exceeded and right.count == 0


def test_a_check_left_unread_is_never_read_as_the_next_commands_answer(prefix):
    rate = ratelimit.Rate(attempts=5, seconds=900)
    now = time.time()
    with pytest.raises(RuntimeError), ratelimit.judging([("a", "k", rate)], now):
        raise RuntimeError("the database read failed")
    for expected in (1, 2):  # each answer its own, on whichever connection of the pool
        [counted] = ratelimit.judge_all([("a", "k", rate)], failed=True, now=now)
        assert counted.count == expected


def test_judged_at_the_limit_even_the_right_secret_is_refused(prefix):
    rate = ratelimit.Rate(attempts=2, seconds=900)
    now = time.time()
    judged = [ratelimit.judge_all([("a", "k", rate)], failed=True, now=now) for _ in range(2)]
    assert [j[0].count for j in judged] == [1, 2] and not any(j[0].exceeded for j in judged)
    [refused] = ratelimit.judge_all([("a", "k", rate)], failed=False, now=now)
    assert refused.exceeded and refused.first_refused and refused.count == 3
    [again] = ratelimit.judge_all([("a", "k", rate)], failed=False, now=now)
    assert again.exceeded and not again.first_refused


@pytest.mark.django_db
def test_redis_lost_between_the_check_and_its_answer_refuses_with_503(prefix, monkeypatch):
    """The check was sent, the dossier read, then the answer cannot be read (Redis went
    away): the lookup refuses (503, nothing shown) and the next lookup works."""
    province = make_province()
    dossier = receive_at_counter(province)
    client = Client()
    post = {"code": dossier.code, "secret": dossier.secret}
    original = redis.connection.AbstractConnection.read_response

    def lost(self, *args, **kwargs):
        self.disconnect()
        raise redis.ConnectionError("Connection closed by server.")

    monkeypatch.setattr(redis.connection.AbstractConnection, "read_response", lost)
    refused = client.post("/lookup/", post, REMOTE_ADDR=CITIZEN)
    assert refused.status_code == 503 and refused["Retry-After"] == "60"
    assert not shown(refused) and dossier.applicant.full_name not in refused.content.decode()
    monkeypatch.setattr(redis.connection.AbstractConnection, "read_response", original)
    assert shown(client.post("/lookup/", post, REMOTE_ADDR=CITIZEN), dossier)
