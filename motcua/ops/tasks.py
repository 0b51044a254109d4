"""The task that runs a periodic job's command (by the job's name: a queued task can only
run what the settings list)."""

from __future__ import annotations

import io
import logging
import time

from django.core.management import call_command
from django_tasks import task

logger = logging.getLogger("motcua.ops")


@task()
def run_job(name: str) -> str:
    from motcua.ops.services import jobs

    job = jobs().get(name)
    if job is None:
        logger.warning("periodic job %s is no longer configured", name)
        return "unknown job"
    out = io.StringIO()
    started = time.monotonic()
    call_command(*job["command"], stdout=out, stderr=out)
    took = round((time.monotonic() - started) * 1000)
    summary = out.getvalue().strip().splitlines()[-1:] or [""]
    logger.info("periodic job %s done in %d ms: %s", name, took, summary[0][:200])
    return summary[0][:200]
