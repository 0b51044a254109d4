"""Prometheus metrics: django-prometheus's request, latency and database metrics, plus the
queues that tell an operator something is stuck (read from the database at scrape time).

Under `motcua serve` several worker processes answer requests: each writes its metrics to
PROMETHEUS_MULTIPROC_DIR and a scrape merges them (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

from motcua.ops import health


class QueueCollector:
    """The outbox (messages waiting or failed, the age of the oldest waiting one), the task
    queue and the workers' heartbeats."""

    def collect(self):
        from motcua.outbox.models import Message
        from motcua.outbox.models import Status as MessageStatus

        now = timezone.now()
        waiting = GaugeMetricFamily(
            "motcua_outbox_messages", "Outgoing messages by status and channel",
            labels=["status", "channel"],
        )  # fmt: skip
        rows = Message.objects.values("status", "channel").annotate(n=Count("id"))
        for row in rows.order_by():
            waiting.add_metric([row["status"], row["channel"]], row["n"])
        yield waiting
        oldest = Message.objects.filter(status=MessageStatus.PENDING).aggregate(
            at=Min("created_at")
        )["at"]
        age = GaugeMetricFamily(
            "motcua_outbox_oldest_pending_seconds",
            "Age of the oldest message still waiting to be sent (0: none waiting)",
        )
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0)
        yield age
        if health.tasks_need_worker():
            yield from self._tasks(now)

    def _tasks(self, now):
        from django_tasks_db.models import DBTaskResult

        from motcua.ops.models import WorkerHeartbeat

        ready = GaugeMetricFamily("motcua_tasks_ready", "Background tasks waiting for a worker")
        ready.add_metric([], DBTaskResult.objects.ready().count())
        yield ready
        newest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True)
        last = newest.first()
        heartbeat = GaugeMetricFamily(
            "motcua_worker_heartbeat_age_seconds",
            "Seconds since a task worker was last seen (-1: never)",
        )
        heartbeat.add_metric([], (now - last).total_seconds() if last else -1)
        yield heartbeat


def exposition() -> bytes:
    """The text a scrape reads: the processes' metrics and the queues."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    queues = CollectorRegistry()
    queues.register(QueueCollector())
    return generate_latest(processes) + generate_latest(queues)
