"""Attempts counted per key in fixed windows, in the cache every process shares.

`attempt(scope, key, rate)` adds one attempt and returns the count in the current window
(this one included); `exceeded` says it is over the rate, `retry_after(now)` how many seconds
remain until the window ends (for the HTTP `Retry-After` header). `forgive(counted)` takes an
attempt back: the public lookup counts an attempt before checking the password, so that
parallel requests cannot all pass a check made before any of them is counted, and forgives
the right one, so that only wrong passwords add up.

The counters live in `settings.LIMITS_CACHE` (a database table, or Redis: see settings.py);
both count atomically (`cache.add` then `cache.incr`; core/cache.py for the database). Keys
are stored as a keyed hash, so the table holds no address or dossier code in clear.
`attempt_all` and `forgive_all` count and take back several counters at once: in the database,
in one transaction that does not wait for the disk (`_together`; the commits were most of
the public lookup's time, docs/performance.md).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
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


def cache_key(scope: str, key: str, rate: Rate, window: int) -> str:
    digest = salted_hmac("motcua.ratelimit", key, algorithm="sha256").hexdigest()[:32]
    return f"limit:{scope}:{rate.seconds}:{window}:{digest}"


def attempt(scope: str, key: str, rate: Rate, now: float | None = None) -> Counted:
    """Count one attempt for `key` in `scope` and return the window's count so far."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    window_ends = (window + 1) * rate.seconds
    name = cache_key(scope, key, rate, window)
    timeout = math.ceil(window_ends - now) + GRACE_SECONDS
    try:
        cache = _cache()
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


def forgive_all(counted: list[Counted]) -> None:
    """`forgive` each, committed together."""
    try:
        with _together():
            for one in counted:
                forgive(one)
    except Exception as exc:  # an attempt left counted is the safe side
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)


def forgive(counted: Counted) -> None:
    """Take back one attempt counted by `attempt`."""
    try:
        _cache().decr(counted.cache_key)
    except ValueError:  # the window ended meanwhile: nothing to take back
        pass
    except Exception as exc:  # an attempt left counted is the safe side
        log.error("rate-limit counters unavailable: %s", type(exc).__name__)
