"""`/healthz`, `/readyz` and `/metrics` (docs/operations.md)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from motcua.ops import health, metrics


@never_cache
@require_GET
def healthz(request):
    """The process answers: no database call."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = health.readiness()
    ready = all(c.ok for c in checks)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)


def _may_scrape(request) -> bool:
    """With OPS["METRICS_TOKEN"] set, a scrape presents it as a bearer token; without one,
    only loopback and private addresses may scrape (the monitoring network)."""
    token = settings.OPS["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


@never_cache
@require_GET
def metrics_view(request):
    if not _may_scrape(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
