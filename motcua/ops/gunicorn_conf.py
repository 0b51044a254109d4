"""gunicorn's settings under `motcua serve` (passed as `--config python:motcua.ops.gunicorn_conf`).

Requests are logged by motcua's own middleware (one line each, personal data masked), so
gunicorn's access log is off; its error log goes to standard error. Each worker process
writes its Prometheus metrics to PROMETHEUS_MULTIPROC_DIR; a dead worker's files are marked
so that its gauges stop counting."""

import os

accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# A worker that served this many requests is replaced (memory stays flat over long runs).
max_requests = int(os.environ.get("MOTCUA_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# The application is imported once, by the master, and each worker is forked from it: a
# replaced worker starts in milliseconds instead of importing Django and every app again
# (about 2 s of CPU; at the bench's 250 requests/s a worker, every 20 s: the lookup's
# answer served 373 requests/s with those imports, 489 without, docs/performance.md).
# Nothing is connected at import (the database, Redis and the metrics' files are opened by
# each worker on first use), and code changes need a restart, as docs/operations.md
# "Upgrades" does.
preload_app = True
graceful_timeout = 30


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
