"""`motcua serve`: the production server started as a real process answers /healthz,
/readyz and /metrics (merged across its workers); it refuses to start when it must not."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)  # the server reads what the test wrote


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    d = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{d['NAME']}"
    host, port = d.get("HOST") or "127.0.0.1", d.get("PORT") or 5432
    return f"postgres://{d['USER']}@{host}:{port}/{d['NAME']}"


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_up(process, base: str, limit_seconds: float = 60) -> None:
    """Poll /healthz until the server answers (gunicorn needs a moment to fork)."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"motcua serve exited: {process.stdout.read()}")
        try:
            if get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("motcua serve did not answer /healthz in time")


def start(tmp_path, workers: int, **environment):
    """`motcua serve` as a process of its own; returns it, its port and its address."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DEBUG": "",
        "MOTCUA_TASKS": "immediate",
        **environment,
    }
    command = [
        sys.executable, "-m", "motcua", "serve", "--port", str(port), "--workers", str(workers)
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return process, port, f"http://127.0.0.1:{port}"


def test_serve_runs_two_workers_that_answer_the_probes_and_metrics(tmp_path):
    process, port, base = start(tmp_path, 2)
    try:
        wait_until_up(process, base)
        status, body = get(f"{base}/readyz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ready"
        for _ in range(20):  # spread over both workers
            assert get(f"{base}/procedures/")[0] == 200
        status, text = get(f"{base}/metrics")
        assert status == 200
        # The counts of all workers merged: at least the 20 catalogue pages.
        served = [
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("django_http_responses_total_by_status_total{")
            and 'status="200"' in line
        ]
        assert sum(served) >= 20, text[:2000]
        assert "motcua_outbox_oldest_pending_seconds" in text
        # Static files come from WhiteNoise, DEBUG off.
        assert get(f"{base}/static/core/site.css")[0] == 200
        assert get(f"{base}/static/core/no-such-file.css")[0] == 404
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert f"serving on http://127.0.0.1:{port}/ with 2 workers" in output
    # Each request logged as one JSON object per line, with its request id.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "motcua.request"]
    assert requests and all(len(line["request_id"]) == 32 for line in requests)


def test_a_worker_replaced_after_its_requests_goes_on_answering(tmp_path):
    # Workers are forked from a master that imported the application (preload): each
    # replacement must open its own database connection and metrics files, not share the
    # master's. One worker replaced after every 2 requests, 12 requests in a row.
    process, _, base = start(tmp_path, 1, MOTCUA_MAX_REQUESTS="2", GUNICORN_LOG_LEVEL="info")
    try:
        wait_until_up(process, base)
        for _ in range(4):
            status, body = get(f"{base}/readyz")  # reads the database and the migrations
            assert status == 200, body
            assert get(f"{base}/lookup/")[0] == 200
            assert get(f"{base}/metrics")[0] == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    booted = {line.rsplit(" ", 1)[-1] for line in output.splitlines() if "Booting worker" in line}
    assert len(booted) >= 4, output[-3000:]  # replaced again and again, each answering


def test_serve_refuses_with_debug_on(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="DEBUG is on"):
        call_command("serve", "--port", str(free_port()))


def test_serve_refuses_with_migrations_not_applied(settings, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    settings.DEBUG = False
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [1, 2])
    with pytest.raises(CommandError, match="2 migrations are not applied"):
        call_command("serve", "--port", str(free_port()))


@pytest.mark.parametrize(
    "args", [["--port", "0"], ["--port", "70000"], ["--workers", "0"], ["--workers", "9999"]]
)
def test_serve_refuses_impossible_numbers(args):
    with pytest.raises(CommandError):
        call_command("serve", *args)
