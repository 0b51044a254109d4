"""The periodic jobs: each is a management command run by the task worker when due
(settings.OPS["SCHEDULE"], docs/operations.md "Periodic jobs")."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.ops import schedule
from motcua.ops.models import ScheduledJob


def jobs() -> dict[str, dict]:
    return settings.OPS["SCHEDULE"]


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue the run of every job that is due (the task row is written in the same
    transaction as the job's next time, so a crash in between loses or repeats nothing).
    A job seen for the first time is due at its next time, not at once."""
    from motcua.ops.tasks import run_job

    now = now or timezone.now()
    tz = timezone.get_default_timezone()
    enqueued = []
    for name, job in jobs().items():
        try:
            with transaction.atomic():
                row, created = ScheduledJob.objects.select_for_update().get_or_create(
                    name=name,
                    defaults={"next_run_at": schedule.next_run(job["timing"], now, tz)},
                )
                if created or row.next_run_at > now:
                    continue
                run_job.enqueue(name)
                row.next_run_at = schedule.next_run(job["timing"], now, tz)
                row.last_enqueued_at = now
                row.save(update_fields=["next_run_at", "last_enqueued_at"])
                enqueued.append(name)
        except IntegrityError:  # another worker created the row at the same moment
            continue
    return enqueued
