"""What the rate-limit tests share: the limits cache in the machine's real Redis."""

import uuid
from contextlib import contextmanager

import redis

REDIS_URL = "redis://127.0.0.1:6379/0"  # the machine's Redis (docs/lookup.md, "Tests")


@contextmanager
def redis_limits(settings):
    """The limits cache in Redis under a key prefix of the test's own (the server is
    shared), its keys deleted afterwards; gives the prefix."""
    prefix = f"motcua-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        settings.LIMITS_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    try:
        yield prefix
    finally:
        server = redis.Redis.from_url(REDIS_URL)
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
        server.close()
