"""/healthz, /readyz and `motcua worker`'s heartbeat: what a load balancer and an operator
rely on (docs/operations.md)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.utils import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks import task

from motcua.ops import health
from motcua.ops.models import WorkerHeartbeat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _migrations_read_afresh():
    health.forget_migrations()
    yield
    health.forget_migrations()


def checks(response) -> dict:
    return {name: c["ok"] for name, c in response.json()["checks"].items()}


def test_healthz_answers_without_the_database(client, monkeypatch):
    monkeypatch.setattr(health, "database", lambda: pytest.fail("healthz read the database"))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_ready_with_tasks_run_in_the_request(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert checks(response) == {"database": True, "migrations": True, "worker": True}


@override_settings(TASKS=DB_TASKS)
@pytest.mark.parametrize(
    "seen_seconds_ago, ready",
    [(None, False), (5, True), (59, True), (61, False), (3600, False)],
)
def test_with_the_database_queue_a_recent_worker_heartbeat_is_needed(
    client, seen_seconds_ago, ready
):
    # HEARTBEAT_STALE_SECONDS is 60 (settings.OPS).
    if seen_seconds_ago is not None:
        now = timezone.now()
        WorkerHeartbeat.objects.create(
            worker_id="w-1",
            host="app-1",
            pid=42,
            started_at=now - timedelta(hours=1),
            seen_at=now - timedelta(seconds=seen_seconds_ago),
        )
    response = client.get("/readyz")
    assert response.status_code == (200 if ready else 503)
    assert checks(response)["worker"] is ready
    assert checks(response)["database"] is True


def test_not_ready_when_a_migration_is_pending(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [object()])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert checks(response)["migrations"] is False
    assert response.json()["checks"]["migrations"]["detail"] == "1 pending"


def test_not_ready_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert checks(response) == {"database": False, "migrations": False, "worker": False}
    assert "refused" not in response.content.decode()  # no driver message leaks out


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_probes_answer_only_get(client, method):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert getattr(client, method)(path).status_code == 405


def test_the_worker_refuses_when_tasks_run_in_the_request():
    with pytest.raises(CommandError, match="MOTCUA_TASKS=database"):
        call_command("worker", batch=True)
    assert not WorkerHeartbeat.objects.exists()


@task()
def heartbeats_seen() -> int:
    """Run by the worker under test: how many workers the heartbeat table shows."""
    return WorkerHeartbeat.objects.count()


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
@override_settings(TASKS=DB_TASKS)
def test_the_worker_runs_queued_tasks_and_beats_while_it_runs():
    from django_tasks_db.models import DBTaskResult

    heartbeats_seen.enqueue()
    call_command("worker", batch=True, no_startup_delay=True, verbosity=0)
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 1  # the worker was seen while it ran the task
    assert not WorkerHeartbeat.objects.exists()  # and it says goodbye when it stops
