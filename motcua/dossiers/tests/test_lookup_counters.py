"""The lookup's counters made cheaper without giving anything away (docs/performance.md):
a wrong password is counted on both counters, and committed, before it is answered, a right
one on neither; the database cache's `add` is one statement that never
throws away a live counter, however many other keys arrive (Django's culls a third of the
table over MAX_ENTRIES, live rows included). And the lookup's pages are never kept: each
answer is the asker's own."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone

from motcua.core import ratelimit
from motcua.core.cache import DatabaseCache
from motcua.dossiers import lookup
from motcua.dossiers.tests.factories import make_province, receive_at_counter

pytestmark = pytest.mark.django_db
ATTACKER = "203.0.113.9"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def province():
    return make_province()


@pytest.fixture
def dossier(province):
    return receive_at_counter(province)


@pytest.fixture
def limits():
    # The cache table is no model: a transactional test before this one (whose dossier got
    # the same code) may have left counts in it that no flush removed.
    caches[settings.LIMITS_CACHE].clear()
    yield caches[settings.LIMITS_CACHE]
    caches[settings.LIMITS_CACHE].clear()


def look_up(client, code, secret, address=ATTACKER):
    return client.post("/lookup/", {"code": code, "secret": secret}, REMOTE_ADDR=address)


def counts(code, windows) -> tuple[int, int]:
    """The client's and the code's counts, over the windows the requests fell in."""
    per_client, per_code = lookup.limits()
    cache = caches[settings.LIMITS_CACHE]

    def total(scope, key, rate):
        numbers = {int(moment // rate.seconds) for moment in windows}
        return sum(
            cache.get(ratelimit.cache_key(scope, key, rate, number)) or 0 for number in numbers
        )

    return total("lookup.client", ATTACKER, per_client), total("lookup.code", code, per_code)


def test_a_wrong_password_counts_on_both_counters_and_a_right_one_on_neither(dossier, limits):
    client = Client()
    started = time.time()
    look_up(client, dossier.code, "WRONGPWD")
    assert counts(dossier.code, {started, time.time()}) == (1, 1)
    for _ in range(3):
        assert look_up(client, dossier.code, dossier.secret).status_code == 200
    assert counts(dossier.code, {started, time.time()}) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_counted_and_committed_before_it_is_answered(
    dossier, limits, monkeypatch
):
    seen = []
    original = lookup._form

    def answer(request, form, **context):
        # Another process sees the counts now: nothing of the attempt is still uncommitted.
        seen.append((connection.in_atomic_block, counts(dossier.code, {time.time()})))
        return original(request, form, **context)

    monkeypatch.setattr(lookup, "_form", answer)
    look_up(Client(), dossier.code, "WRONGPWD")
    assert seen == [(False, (1, 1))]


def test_a_flood_of_new_keys_never_throws_away_a_live_counter(limits):
    small = DatabaseCache(
        settings.CACHES[settings.LIMITS_CACHE]["LOCATION"],
        {"OPTIONS": {"MAX_ENTRIES": 3, "CULL_FREQUENCY": 2}},
    )
    small.add("aaa-victim", 0, 600)  # the first row in key order: the first Django would cull
    for _ in range(7):
        small.incr("aaa-victim")
    for n in range(20):  # an attacker's many codes
        small.add(f"zzz-{n:02d}", 0, 600)
    assert small.get("aaa-victim") == 7
    assert all(small.get(f"zzz-{n:02d}") == 0 for n in range(20))


def test_add_takes_an_absent_or_expired_key_only_and_clears_expired_rows(limits):
    assert limits.add("counter", 5, 600) is True
    assert limits.add("counter", 0, 600) is False and limits.get("counter") == 5
    limits.add("forgotten", 1, 600)
    table = connection.ops.quote_name(settings.CACHES[settings.LIMITS_CACHE]["LOCATION"])
    past = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=1))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET expires = %s", [past])
    assert limits.add("counter", 0, 600) is True and limits.get("counter") == 0
    with connection.cursor() as cursor:  # the other expired row went with the new one
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == 1


def test_each_lookup_answer_is_the_askers_own_and_never_kept(province, limits):
    first, second = receive_at_counter(province), receive_at_counter(province)
    client = Client()
    for dossier, other in ((first, second), (second, first), (first, second)):
        page = look_up(client, dossier.code, dossier.secret)
        text = page.content.decode()
        assert dossier.code in text and other.code not in text
        assert page["Cache-Control"].startswith("no-store")
    # The form itself is built for each visitor: each gets a token of their own.
    one, two = Client(), Client()
    tokens = {TOKEN.search(c.get("/lookup/").content.decode())[1] for c in (one, two)}
    assert len(tokens) == 2
