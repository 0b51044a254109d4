"""`motcua worker`: runs background tasks from the database queue (django-tasks-db's
`db_worker`); every few seconds it records a heartbeat, which `/readyz` and the metrics read,
and enqueues the periodic jobs that are due (ops/services.py)."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils import timezone

from motcua.ops import health, services
from motcua.ops.models import WorkerHeartbeat

logger = logging.getLogger("motcua.ops")


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str, every: float):
        super().__init__(name="motcua-heartbeat", daemon=True)
        self.worker_id, self.every = worker_id, every
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def beat(self) -> None:
        """Say this worker is alive, and ask for the periodic jobs that are due."""
        close_old_connections()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": timezone.now(),
            },
        )
        services.enqueue_due()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    self.beat()
                except Exception as exc:  # the database is away: try again next time
                    logger.warning("heartbeat failed: %s", type(exc).__name__)
                self.stopped.wait(self.every)
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Run background tasks from the database queue, with a heartbeat (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="stop when the queue is empty")
        parser.add_argument(
            "--no-startup-delay", action="store_true", help="poll at once (default: up to 1 s)"
        )

    def handle(self, *args, interval, batch, no_startup_delay, **options):
        if not health.tasks_need_worker():
            raise CommandError(
                "Tasks run inside each request (MOTCUA_TASKS=immediate): there is nothing for "
                "a worker to do. Set MOTCUA_TASKS=database for the app and the worker."
            )
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[-63:]
        heartbeat = Heartbeat(worker_id, health.ops_setting("HEARTBEAT_SECONDS"))
        heartbeat.beat()  # seen at once, before the first task
        heartbeat.start()
        try:
            call_command(
                "db_worker",
                interval=interval,
                batch=batch,
                startup_delay=not no_startup_delay,
                worker_id=worker_id,
                verbosity=options["verbosity"],
            )
        finally:
            heartbeat.stopped.set()
            heartbeat.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
