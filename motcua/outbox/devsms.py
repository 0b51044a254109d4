"""The development SMS provider: a Vietnamese brandname SMS gateway served by the portal itself
under /dev/sms/ when `settings.MOTCUA_DEV_SMS` is on (outside production), so the HTTP
adapter (outbox/sms.py, `HttpProvider`) is exercised over real HTTP (docs/notifications.md).

- POST send/   the provider's API: our contract's request; answers 200 {"code": "100",
               "message_id"}, or 400/401/422 {"error"} (refused for good), or 503 while the
               provider is "down"
- POST mode/   {"mode": "ok" | "down" | "reject"}: what the provider does with the next
               requests (a tester's or a test's switch)
- GET  ""      the provider's state: its mode and the last messages it accepted

It keeps its state in Django's cache (it stands for another system: no table of ours).
"""

import json
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.outbox import sms

MODES = ("ok", "down", "reject")
MODE_KEY = "motcua.devsms.mode"
SENT_KEY = "motcua.devsms.sent"
KEEP = 50
MAX_BODY = 4096
MAX_TEXT = 612  # four concatenated GSM-7 segments


def api_key() -> str:
    return getattr(settings, "MOTCUA_DEV_SMS_API_KEY", "motcua-dev-sms-key")


def _error(status: int, code: str, description: str) -> JsonResponse:
    return JsonResponse(
        {"code": str(status), "error": code, "description": description}, status=status
    )


@csrf_exempt
@require_POST
def send(request):
    mode = cache.get(MODE_KEY, "ok")
    if mode == "down":
        return _error(503, "SERVICE_UNAVAILABLE", "The gateway is overloaded, try again later.")
    if request.headers.get("Authorization", "") != f"Bearer {api_key()}":
        return _error(401, "UNAUTHORIZED", "Wrong API key.")
    if len(request.body) > MAX_BODY:
        return _error(400, "BAD_REQUEST", "Request too large.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "BAD_REQUEST", "The body is not JSON.")
    if not isinstance(data, dict) or not all(
        isinstance(data.get(f), str) and data.get(f) for f in ("to", "text", "sender", "reference")
    ):
        return _error(400, "BAD_REQUEST", "to, text, sender and reference are required.")
    if not sms.valid_phone("+" + data["to"]) or not data["to"].startswith("84"):
        return _error(422, "INVALID_PHONE", "Not a Vietnamese mobile number.")
    if len(data["text"]) > MAX_TEXT or len(data["sender"]) > 11:
        return _error(422, "INVALID_MESSAGE", "Text or brandname too long.")
    if mode == "reject":
        return _error(422, "BRANDNAME_NOT_REGISTERED", "The brandname is not registered.")
    sent = cache.get(SENT_KEY, [])
    previous = next((m for m in sent if m["reference"] == data["reference"]), None)
    if previous is not None:  # Idempotent: the same reference is one message
        return JsonResponse(
            {"code": "100", "message_id": previous["message_id"], "duplicate": True}
        )
    message_id = secrets.token_hex(8)
    sent = [
        {
            "message_id": message_id,
            "to": data["to"],
            "text": data["text"],
            "sender": data["sender"],
            "reference": data["reference"][:200],
            "received_at": timezone.now().isoformat(timespec="seconds"),
        },
        *sent,
    ][:KEEP]
    cache.set(SENT_KEY, sent, None)
    return JsonResponse({"code": "100", "message_id": message_id})


@csrf_exempt
@require_POST
def set_mode(request):
    try:
        mode = json.loads(request.body or b"{}").get("mode")
    except (ValueError, UnicodeDecodeError, AttributeError):
        mode = None
    if mode not in MODES:
        return HttpResponseBadRequest("mode: ok, down or reject")
    cache.set(MODE_KEY, mode, None)
    return JsonResponse({"mode": mode})


@require_GET
def state(request):
    return JsonResponse({"mode": cache.get(MODE_KEY, "ok"), "messages": cache.get(SENT_KEY, [])})


def reset() -> None:
    cache.delete_many([MODE_KEY, SENT_KEY])
