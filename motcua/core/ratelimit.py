"""Attempts counted per key in fixed windows, in the cache every process shares.

`attempt(scope, key, rate)` adds one attempt and returns the count in the current window
(this one included); `exceeded` says it is over the rate, `retry_after(now)` how many seconds
remain until the window ends (for the HTTP `Retry-After` header). `forgive(counted)` takes an
attempt back. `judging(attempts)` is what the public lookup holds around its comparison of
the password, before it answers (`judge_all` in one go): refused when a counter is at its
rate, else only a wrong password counted, and refused if its own count went over the rate;
so parallel requests cannot all pass a check made before any of them is counted.

The counters live in `settings.LIMITS_CACHE` (a database table, or Redis: see settings.py);
both count atomically. In the database: `cache.add` then `cache.incr` (core/cache.py);
`attempt_all` and `forgive_all` count and take back several counters in one transaction that
does not wait for the disk (`_together`; the commits were most of the public lookup's time,
docs/performance.md). In Redis: one script per call, run atomically by the server, for all
the counters of a request (`_redis_attempt`, `_redis_forgive`, and `judging`'s check, sent
before the caller's database read and read after it, then its count for a wrong password
only), where Django's cache calls take two to four per counter. The keys and the
stored numbers are the cache's own (`cache.make_key`, plain integers), so `cache.get` reads
them. Keys are stored as a keyed hash, so neither store holds an address or a dossier code in
clear.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction
from django.utils.crypto import salted_hmac

GRACE_SECONDS = 60  # a counter outlives its window a little, for clocks slightly apart
log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The shared counters cannot be reached (Redis down, cache table missing). Callers
    refuse rather than let attempts go uncounted."""


@dataclass(frozen=True)
class Rate:
    attempts: int
    seconds: int

    @classmethod
    def of(cls, pair) -> Rate:
        attempts, seconds = pair
        return cls(int(attempts), max(1, int(seconds)))


@dataclass(frozen=True)
class Counted:
    cache_key: str
    count: int
    rate: Rate
    window_ends: float

    @property
    def exceeded(self) -> bool:
        return self.count > self.rate.attempts

    @property
    def first_refused(self) -> bool:
        """The attempt that first went over the rate in this window."""
        return self.count == self.rate.attempts + 1

    def retry_after(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return max(1, math.ceil(self.window_ends - now))


def _cache():
    return caches[settings.LIMITS_CACHE]


# Redis: count each key in turn (created at 0 with the window's expiry when absent, then
# incremented), stopping after the first over its limit, as calls one after another would.
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[2 * i], 'NX')
  counts[i] = redis.call('INCR', key)
  if counts[i] > tonumber(ARGV[2 * i - 1]) then break end
end
return counts
"""
# Take one back from each key that still exists (a window that ended is not created again).
_FORGIVE = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
return 0
"""


# Redis, sent before the password is compared (`judging`): a counter already at its limit
# refuses (and counts the refused attempt, so that the first refusal of a window is seen
# once); else the counts as they are. ARGV: limit and timeout per key.
_CHECK = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = tonumber(redis.call('GET', key) or '0')
  if counts[i] >= tonumber(ARGV[2 * i - 1]) then
    redis.call('SET', key, 0, 'EX', ARGV[2 * i], 'NX')
    counts[i] = redis.call('INCR', key)
    return counts
  end
end
return counts
"""


def _redis(cache):
    """The Redis client of the limits cache, when it is Django's Redis cache; else None."""
    if isinstance(cache, RedisCache):
        return cache._cache.get_client(write=True)
    return None


def _script_arguments(cache, planned) -> list:
    """A counting script's arguments for `planned`: the number of keys, the keys, then the
    limit and timeout of each (what _COUNT and _CHECK read)."""
    keys = [cache.make_and_validate_key(name) for name, *_ in planned]
    return [len(keys), *keys, *(n for _, rate, _, t in planned for n in (rate.attempts, t))]


def _redis_attempt(cache, client, planned) -> list[Counted]:
    """`planned`: (cache key, rate, window end, timeout) in order; counted in one script."""
    return _counted(planned, client.eval(_COUNT, *_script_arguments(cache, planned)))


def _redis_forgive(cache, client, counted: list[Counted]) -> None:
    keys = [cache.make_and_validate_key(one.cache_key) for one in counted]
    client.eval(_FORGIVE, len(keys), *keys)


def _plan(scope: str, key: str, rate: Rate, now: float) -> tuple[str, Rate, float, int]:
    window = int(now // rate.seconds)
    window_ends = (window + 1) * rate.seconds
    timeout = math.ceil(window_ends - now) + GRACE_SECONDS
    return cache_key(scope, key, rate, window), rate, window_ends, timeout


def cache_key(scope: str, key: str, rate: Rate, window: int) -> str:
    digest = salted_hmac("motcua.ratelimit", key, algorithm="sha256").hexdigest()[:32]
    return f"limit:{scope}:{rate.seconds}:{window}:{digest}"


def attempt(scope: str, key: str, rate: Rate, now: float | None = None) -> Counted:
    """Count one attempt for `key` in `scope` and return the window's count so far."""
    now = time.time() if now is None else now
    name, rate, window_ends, timeout = _plan(scope, key, rate, now)
    try:
        cache = _cache()
        client = _redis(cache)
        if client is not None:
            return _redis_attempt(cache, client, [(name, rate, window_ends, timeout)])[0]
        for _ in range(3):  # the row can expire between add and incr: then start it again
            cache.add(name, 0, timeout)
            try:
                count = cache.incr(name)
            except ValueError:
                continue
            return Counted(name, count, rate, window_ends)
    except Exception as exc:  # whatever the backend raises: its client's or the database's
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)
        raise Unavailable(scope) from exc
    raise Unavailable(scope)


@contextlib.contextmanager
def _together():
    """One transaction around several counters when they live in the database; nothing to
    hold together otherwise (Redis counts each key atomically).

    On PostgreSQL the commit does not wait for the disk (`synchronous_commit` off for this
    transaction only): other sessions see the counts at once and the row locks work as
    before; only a crash of the database server could forget the last moment's counts, as a
    restart of Redis forgets them all. The wait was most of a lookup's time."""
    model = getattr(_cache(), "cache_model_class", None)
    if model is None:
        yield
        return
    alias = router.db_for_write(model)
    with transaction.atomic(using=alias):
        connection = connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def attempt_all(attempts, now: float | None = None) -> list[Counted]:
    """`attempt` for each (scope, key, rate), committed together. Stops at the first counter
    over its rate (the later ones are not counted, as with calls one after another)."""
    now = time.time() if now is None else now
    try:
        cache = _cache()
        client = _redis(cache)
        if client is not None:
            return _redis_attempt(cache, client, [_plan(*one, now) for one in attempts])
    except Exception as exc:  # the client's errors: connection refused, timeout, …
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)
        raise Unavailable("redis") from exc
    counted = []
    try:
        with _together():
            for scope, key, rate in attempts:
                counted.append(attempt(scope, key, rate, now))
                if counted[-1].exceeded:
                    break
    except Unavailable:
        raise
    except Exception as exc:  # the commit itself
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)
        raise Unavailable("commit") from exc
    return counted


def judge_all(attempts, failed: bool, now: float | None = None) -> list[Counted]:
    """For each (scope, key, rate), once the secret has been compared: `exceeded` on the
    first counter already at its rate (the attempt is refused, whatever the secret was);
    else a failed attempt is counted on every counter, a successful one on none. The answer
    may be shown only when nothing is exceeded. `judging` in one go."""
    with judging(attempts, now) as judge:
        return judge(failed)


@contextlib.contextmanager
def judging(attempts, now: float | None = None):
    """`judge_all` in two halves, around the caller's own comparison of the secret:

        with ratelimit.judging(attempts) as judge:
            dossier = find(code)  # the secret's one database read
            counted = judge(failed=not matches(dossier, secret))

    The guarantee is `attempt_all`'s: no more than the rate's wrong guesses are ever
    answered, parallel requests included. In Redis, entering sends one script that checks
    every counter (a counter already at its rate refuses, and counts the refused attempt);
    its answer is read by `judge`, so that its round trip overlaps the caller's read instead
    of following it (one wait for the two servers, not two: the Redis round trip was a fifth
    of the lookup's answer under load, docs/performance.md). A failed attempt not refused
    is then counted on every counter by a second script, which stops at the first counter
    over its rate: counted meanwhile by parallel requests, the attempt is refused then, so
    a wrong guess is answered only when its own count is within the rate. A successful
    attempt is counted nowhere. In the database: `attempt_all`, then `forgive_all` for a
    success. Compared first, a refused attempt has read the database: a cheap read the
    rate bounds."""
    now = time.time() if now is None else now
    planned = [_plan(*one, now) for one in attempts]
    try:
        cache = _cache()
        client = _redis(cache)
    except Exception as exc:  # the cache's configuration
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)
        raise Unavailable("cache") from exc
    if client is None:

        def judge_in_database(failed: bool) -> list[Counted]:
            counted = attempt_all(attempts, now)
            if not failed and not any(one.exceeded for one in counted):
                forgive_all(counted)
            return counted

        yield judge_in_database
        return
    pool = client.connection_pool
    connection, pending = None, True  # pending: the check's answer is still to be read
    try:
        try:
            connection = pool.get_connection()
            connection.send_command("EVAL", _CHECK, *_script_arguments(cache, planned))
        except Exception as exc:  # the client's errors: connection refused, timeout, …
            log.error("rate-limit counters unavailable: %s", type(exc).__name__)
            raise Unavailable("redis") from exc

        def judge(failed: bool) -> list[Counted]:
            nonlocal pending
            try:
                counts = connection.read_response()
                pending = False
                checked = _counted(planned, counts)
                if any(one.exceeded for one in checked) or not failed:
                    return checked
                return _redis_attempt(cache, client, planned)
            except Exception as exc:  # the client's errors: connection lost, timeout, …
                log.error("rate-limit counters unavailable: %s", type(exc).__name__)
                raise Unavailable("redis") from exc

        yield judge
    finally:
        if connection is not None:
            if pending:  # never hand back a connection with an answer left unread
                connection.disconnect()
            pool.release(connection)


def _counted(planned, counts) -> list[Counted]:
    return [
        Counted(name, int(count), rate, window_ends)
        for (name, rate, window_ends, _), count in zip(planned, counts, strict=False)
    ]


def forgive_all(counted: list[Counted]) -> None:
    """`forgive` each, committed together (in Redis: one script)."""
    try:
        cache = _cache()
        client = _redis(cache)
        if client is not None:
            _redis_forgive(cache, client, counted)
            return
        with _together():
            for one in counted:
                forgive(one)
    except Exception as exc:  # an attempt left counted is the safe side
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)


def forgive(counted: Counted) -> None:
    """Take back one attempt counted by `attempt`."""
    try:
        cache = _cache()
        client = _redis(cache)
        if client is not None:
            _redis_forgive(cache, client, [counted])
            return
        cache.decr(counted.cache_key)
    except ValueError:  # the window ended meanwhile: nothing to take back
        pass
    except Exception as exc:  # an attempt left counted is the safe side
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)
