"""Liveness and readiness: what `/healthz` and `/readyz` answer.

Liveness is the process answering at all (no database call, so a load balancer does not
restart every app server when the database blips). Readiness is what serving needs: the
database answers, every migration is applied, and, when tasks go through the database
queue, a task worker was seen recently (the outbox, signatures and reports wait for it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

MIGRATIONS_MEMO_SECONDS = 60
_migrations_ok_at: float | None = None


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def ops_setting(name: str):
    return settings.OPS[name]


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not reachable" here
        return Check("database", False, type(exc).__name__)
    return Check("database", True)


def migrations() -> Check:
    """Every migration applied. A positive answer is kept a minute per process: reading the
    migration graph costs tens of milliseconds and an applied migration stays applied."""
    global _migrations_ok_at
    now = time.monotonic()
    if _migrations_ok_at is not None and now - _migrations_ok_at < MIGRATIONS_MEMO_SECONDS:
        return Check("migrations", True)
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return Check("migrations", False, type(exc).__name__)
    if pending:
        return Check("migrations", False, f"{len(pending)} pending")
    _migrations_ok_at = now
    return Check("migrations", True)


def forget_migrations() -> None:
    global _migrations_ok_at
    _migrations_ok_at = None


def tasks_need_worker() -> bool:
    backend = settings.TASKS["default"]["BACKEND"]
    return backend.startswith("django_tasks_db.")


def worker() -> Check:
    if not tasks_need_worker():
        return Check("worker", True, "tasks run in the request (immediate backend)")
    from motcua.ops.models import WorkerHeartbeat

    stale = timezone.now() - timedelta(seconds=ops_setting("HEARTBEAT_STALE_SECONDS"))
    try:
        seen = WorkerHeartbeat.objects.filter(seen_at__gte=stale).exists()
    except Exception as exc:
        return Check("worker", False, type(exc).__name__)
    return Check("worker", seen, "" if seen else "no heartbeat in time")


def readiness() -> list[Check]:
    db = database()
    if not db.ok:
        return [db, Check("migrations", False, "database"), Check("worker", False, "database")]
    return [db, migrations(), worker()]
