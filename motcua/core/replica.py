"""Reading reports and public pages from a PostgreSQL read replica (docs/scaling.md).

With DATABASE_REPLICA_URL set, the views marked `@reads_from_replica` (the reports, the
dashboard, the index, the public statistics and the public catalogue) read from the
`replica` database; everything else, and every write anywhere, uses `default`. A replica
lags its primary by a moment, so only pages where that cannot mislead are marked: nothing an
officer reads right after changing it, no dossier page, no queue, no lookup.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


def enabled() -> bool:
    return settings.MOTCUA_READ_REPLICA and REPLICA in settings.DATABASES


def reads_from_replica(view):
    """Run the view's reads on the replica (when one is configured)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        token = _reading_replica.set(True)
        try:
            response = view(request, *args, **kwargs)
            if getattr(response, "render", None) and not response.is_rendered:
                response.render()  # a template response reads while it renders
            return response
        finally:
            _reading_replica.reset(token)

    return wrapper


class ReplicaRouter:
    """Reads inside `reads_from_replica` go to the replica; writes and migrations to the
    primary only."""

    def db_for_read(self, model, **hints):
        if _reading_replica.get() and enabled():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
