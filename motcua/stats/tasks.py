"""The monthly reports task (django_tasks API; docs/statistics.md, "Scheduled reports").

With the "database" backend (django-tasks-db, `motcua db_worker`) each run queues the next
one for 02:00 on the 1st of the next month, so one enqueue starts the cycle. Backends that
cannot defer (the "immediate" one) run it once; use cron and `motcua monthly_reports` then.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from motcua.stats import scheduled

log = logging.getLogger(__name__)

RUN_AT = time(2, 0)  # local time on the 1st


def next_run(now: datetime) -> datetime:
    """02:00 local time on the 1st of the month after `now`'s."""
    today = timezone.localdate(now)
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return timezone.make_aware(datetime.combine(first, RUN_AT))


def schedule_next(now: datetime | None = None):
    """Queue the next monthly run if the backend can defer; None otherwise."""
    run_after = next_run(now or timezone.now())
    if not produce_monthly_reports.get_backend().supports_defer:
        return None
    return produce_monthly_reports.using(run_after=run_after).enqueue()


@task()
def produce_monthly_reports() -> str:
    """Produce the previous month's reports, the province's and each agency's (nothing if
    already stored; what is missing if an earlier run stopped half-way), then queue the
    next run. Returns the month produced, YYYY-MM."""
    now = timezone.now()
    month = scheduled.due_month(timezone.localdate(now))
    try:
        scheduled.produce_month(month, now=now)
    finally:
        try:
            schedule_next(now)
        except Exception:  # the reports are stored; cron or an enqueue by hand restarts it
            log.exception("stats: could not queue the next monthly reports run")
    return f"{month:%Y-%m}"
