"""Reading reports and public pages from a PostgreSQL read replica (docs/scaling.md).

With DATABASE_REPLICA_URL set, the views marked `@reads_from_replica` (the reports, the
dashboard, the index, the public statistics and the public catalogue) read from the
`replica` database; everything else, and every write anywhere, uses `default`. A replica
lags its primary by a moment, so only pages where that cannot mislead are marked: nothing an
officer reads right after changing it, no dossier page, no queue, no lookup.

Even on those pages, who the person is and what they may see is read from the primary: the
session, the user, their groups and permissions, the officers' posts. A session written at
sign-in a moment ago may not have reached the replica yet, and a user row read from a
replica that has not seen a password change fails the session's check, which signs the
person out for good (`django.contrib.auth.get_user` flushes the session).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)

# Apps and models always read from the primary, even inside `reads_from_replica`.
PRIMARY_APPS = frozenset({"sessions", "auth", "axes"})
PRIMARY_MODELS = frozenset({"org.officer"})


def enabled() -> bool:
    return settings.MOTCUA_READ_REPLICA and REPLICA in settings.DATABASES


@contextmanager
def reading_replica():
    """Route the reads inside the block to the replica (when one is configured), as a
    view marked `reads_from_replica` does; for commands and the bench."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reads_from_replica(view):
    """Run the view's reads on the replica (when one is configured)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with reading_replica():
            response = view(request, *args, **kwargs)
            if getattr(response, "render", None) and not response.is_rendered:
                response.render()  # a template response reads while it renders
            return response

    return wrapper


def primary_only(model) -> bool:
    meta = model._meta
    return (
        meta.app_label in PRIMARY_APPS
        or meta.label_lower in PRIMARY_MODELS
        or meta.label_lower == settings.AUTH_USER_MODEL.lower()
    )


class ReplicaRouter:
    """Reads inside `reads_from_replica` go to the replica, except who is signed in and
    what they may see; writes and migrations to the primary only."""

    def db_for_read(self, model, **hints):
        if _reading_replica.get() and enabled() and not primary_only(model):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
