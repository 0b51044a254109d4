"""`motcua serve`: the production server (gunicorn), after checking it may start.

It refuses to start with DEBUG on, with a failing system check (`check --deploy` too in
production, where a warning is enough to refuse) or with migrations not applied; then it
replaces itself with gunicorn serving `motcua.wsgi`, static files by WhiteNoise, JSON logs
(unless LOG_FORMAT says otherwise) and Prometheus metrics merged across its workers."""

from __future__ import annotations

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def port_number(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError(value)
    return port


def worker_count(value: str) -> int:
    count = int(value)
    if not 1 <= count <= 64:
        raise ValueError(value)
    return count


class Command(BaseCommand):
    help = "Serve motcua with gunicorn (production); see docs/operations.md."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("MOTCUA_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=port_number, default=os.environ.get("MOTCUA_PORT", "8000")
        )
        parser.add_argument(
            "--workers",
            type=worker_count,
            default=os.environ.get("MOTCUA_WORKERS", "2"),
            help="worker processes (default 2, or MOTCUA_WORKERS)",
        )
        parser.add_argument(
            "--threads", type=worker_count, default=os.environ.get("MOTCUA_THREADS", "1")
        )
        parser.add_argument("--timeout", type=int, default=60, help="seconds per request")

    def handle(self, *args, host, port, workers, threads, timeout, **options):
        self.check_may_start()
        env = dict(os.environ)
        env.setdefault("LOG_FORMAT", "json")
        env["PROMETHEUS_MULTIPROC_DIR"] = self.metrics_dir(port)
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        argv = [
            sys.executable, "-m", "gunicorn", "motcua.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", str(threads),
            "--timeout", str(max(timeout, 1)), "--config", "python:motcua.ops.gunicorn_conf",
        ]  # fmt: skip
        self.stdout.write(f"motcua: serving on http://{bind}/ with {workers} workers")
        sys.stdout.flush()
        os.execvpe(sys.executable, argv, env)

    def check_may_start(self) -> None:
        if settings.DEBUG:
            raise CommandError(
                "DEBUG is on: `motcua serve` is the production server. Unset DEBUG, or use "
                "`make serve` (the development server) for development."
            )
        production = settings.MOTCUA_PRODUCTION
        call_command("check", deploy=production, fail_level="WARNING" if production else "ERROR")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise CommandError(
                f"{len(pending)} migrations are not applied: run `motcua migrate` first."
            )

    def metrics_dir(self, port: int) -> str:
        """A fresh directory for this server's metrics files (a restart starts at zero)."""
        folder = settings.VAR_DIR / "prometheus" / str(port)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return str(folder)
