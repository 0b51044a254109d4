"""The garbage collector in a serving process: once the process is warm, what it keeps for
its whole life leaves the collector's watch.

A full collection walks every object the process holds: the modules, the URL patterns,
the compiled templates, and the working-time calendars of each agency it has served (the
bulk of a worker's memory, docs/demo-data.md). Measured on the work queue in-process (the
test client, 4 officers in turn, a loaded 2-core machine): one full collection every
hundred requests or so, 363 ms; the younger generations another 2 ms a request on average
(docs/performance.md). After OPS["GC_FREEZE_AFTER"] requests, when a worker has loaded the
calendars and caches of the agencies it serves, the process collects once and freezes what
is left (`gc.freeze`): later collections walk only what requests make. What is frozen is
never freed, even if it is dropped later; a worker is replaced after MOTCUA_MAX_REQUESTS
requests anyway (ops/gunicorn_conf.py). 0 turns it off."""

import gc
import threading

from django.conf import settings

_lock = threading.Lock()
_state = {"served": 0, "frozen": False}


def frozen() -> bool:
    return _state["frozen"]


def request_finished(sender=None, **kwargs) -> None:
    """Count a finished request; at the threshold, collect once and freeze (once)."""
    if _state["frozen"]:
        return
    after = settings.OPS.get("GC_FREEZE_AFTER", 0)
    if not after:
        return
    with _lock:
        _state["served"] += 1
        if _state["served"] >= after and not _state["frozen"]:
            gc.collect()
            gc.freeze()
            _state["frozen"] = True
