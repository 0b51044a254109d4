"""The development postal operator: a VNPost-like operator served by the portal itself under
/dev/post/ when `settings.POSTAL["DEV_OPERATOR"]` is on (outside production). It stands for
another system: it keeps its own table (`DevPostOrder`) and talks to the portal only over
HTTP, with signed messages (docs/postal.md, "The development operator").

- POST api/orders/          create a pickup or delivery order (signed form; JSON answer)
- POST api/orders/cancel/   cancel an order the postman has not taken
- POST api/quote/           the fee of an item, from the operator's price list
- GET  ""                   the operator's console: its orders, and buttons that advance
                            one (accept → tracking number, picked up, in transit,
                            delivered, failed, returned) and send the signed event to the
                            portal's callback address; "send again" repeats the last event
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.payments import signing
from motcua.postal import prices, rules
from motcua.postal.devpost import protocol
from motcua.postal.models import DevPostOrder as Order

# The console's buttons: the status each sends, from the statuses it may follow.
STEPS = {
    "accepted": ("requested",),
    "picked_up": ("accepted",),
    "in_transit": ("picked_up", "failed"),
    "delivered": ("picked_up", "in_transit", "failed"),
    "failed": ("accepted", "picked_up", "in_transit"),
    "returned": ("failed",),
}
TEXT_MAX = 500


def _options() -> dict:
    postal = getattr(settings, "POSTAL", {})
    if not postal.get("DEV_OPERATOR"):
        raise Http404("the development postal operator is off")
    return postal


def _secret(merchant: str) -> str | None:
    dev = _options().get("OPERATORS", {}).get("dev") or {}
    if dev.get("SECRET") and merchant == dev.get("MERCHANT", "MOTCUA"):
        return dev["SECRET"]
    return None


def _answer(fields: dict, secret: str | None):
    fields = {"version": protocol.VERSION, **fields}
    return JsonResponse(signing.signed(fields, secret) if secret else fields)


def _verified(request, names) -> tuple[dict, str | None]:
    fields = {k: v for k, v in request.POST.items() if k in (*names, "signature")}
    secret = _secret(fields.get("merchant", ""))
    if secret is None or not signing.verify(fields, secret):
        return fields, None
    return fields, secret


def _web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 500


def _valid_order(fields: dict) -> bool:
    weight = fields.get("weight", "")
    return (
        fields.get("kind") in protocol.KINDS
        and 0 < len(fields.get("reference", "")) <= 64
        and all(0 < len(fields.get(k, "")) <= TEXT_MAX for k in ("sender", "recipient"))
        and all(
            0 < len(fields.get(k, "")) <= TEXT_MAX for k in ("sender_address", "recipient_address")
        )
        and len(fields.get("phone", "")) <= 20
        and weight.isdigit()
        and len(weight) <= 6
        and _web_address(fields.get("notify_url", ""))
    )


@csrf_exempt
@require_POST
def create(request):
    _options()
    fields, secret = _verified(request, protocol.ORDER_FIELDS)
    if secret is None:
        return _answer({"code": "97"}, None)
    if not _valid_order(fields):
        return _answer({"code": "03", "reference": fields.get("reference", "")[:64]}, secret)
    try:
        fee = prices.PriceList.load().fee(fields.get("area", ""), int(fields["weight"]))
    except prices.NoPrice:
        return _answer({"code": "04", "reference": fields["reference"]}, secret)
    order = Order.objects.filter(merchant=fields["merchant"], reference=fields["reference"]).first()
    if order is None:  # the same reference again (a retry): the same order
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=f"DV{timezone.localtime():%y%m%d}{secrets.randbelow(10**8):08d}",
                    merchant=fields["merchant"],
                    reference=fields["reference"],
                    kind=fields["kind"],
                    sender=fields["sender"],
                    sender_address=fields["sender_address"],
                    recipient=fields["recipient"],
                    recipient_address=fields["recipient_address"],
                    phone=fields.get("phone", ""),
                    area=fields["area"],
                    weight_grams=int(fields["weight"]),
                    fee=fee,
                    notify_url=fields["notify_url"],
                )
        except IntegrityError:
            order = Order.objects.get(merchant=fields["merchant"], reference=fields["reference"])
    answer = {"code": "00", "reference": order.reference, "order_no": order.number}
    return _answer({**answer, "merchant": order.merchant, "fee": order.fee}, secret)


@csrf_exempt
@require_POST
def cancel(request):
    _options()
    fields, secret = _verified(request, protocol.CANCEL_FIELDS)
    if secret is None:
        return _answer({"code": "97"}, None)
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(merchant=fields["merchant"], reference=fields.get("reference", ""))
            .first()
        )
        if order is None:
            return _answer({"code": "01", "reference": fields.get("reference", "")[:64]}, secret)
        if order.status not in ("requested", "accepted", "cancelled"):
            return _answer({"code": "02", "reference": order.reference}, secret)
        order.status = "cancelled"
        order.save(update_fields=["status"])
    return _answer({"code": "00", "reference": order.reference}, secret)


@csrf_exempt
@require_POST
def quote(request):
    _options()
    fields, secret = _verified(request, protocol.QUOTE_FIELDS)
    if secret is None:
        return _answer({"code": "97"}, None)
    weight = fields.get("weight", "")
    try:
        fee = prices.PriceList.load().fee(
            fields.get("area", ""), int(weight) if weight.isdigit() and len(weight) <= 6 else 0
        )
    except prices.NoPrice:
        return _answer({"code": "04"}, secret)
    return _answer({"code": "00", "fee": fee, "area": fields["area"], "weight": weight}, secret)


@require_GET
def console(request):
    _options()
    orders = list(Order.objects.all()[:50])
    for order in orders:
        order.steps = [s for s, after in STEPS.items() if order.status in after]
    return render(request, "postal/devpost/console.html", {"orders": orders})


def event_fields(order: Order, event: dict) -> dict:
    dev = _options()["OPERATORS"]["dev"]
    fields = {
        "version": protocol.VERSION,
        "merchant": order.merchant,
        "reference": order.reference,
        "order_no": order.number,
        "event_id": event["id"],
        "status": event["status"],
        "at": event["at"],
        "tracking_no": order.tracking_number,
        "note": event.get("note", ""),
    }
    return signing.signed(fields, dev["SECRET"])


def send(order: Order, event: dict) -> str:
    """POST the signed event to the portal's callback address, as the real operator would;
    tried DEV_CALLBACK_ATTEMPTS times while it fails. The last answer."""
    options = _options()
    attempts = max(1, int(options.get("DEV_CALLBACK_ATTEMPTS", 3)))
    timeout = float(options.get("HTTP_TIMEOUT_SECONDS", 10))
    fields, answer = event_fields(order, event), ""
    for _attempt in range(attempts):
        try:
            status, body = protocol.post_form(order.notify_url, fields, timeout)
        except OSError as error:
            answer = f"error: {error}"[:200]
            continue
        reply = protocol.json_answer(body) if status == 200 else None
        if reply is not None and "RspCode" in reply:
            answer = f"{reply.get('RspCode')} {reply.get('Message', '')}"[:200]
            break
        answer = f"HTTP {status}"
    Order.objects.filter(pk=order.pk).update(last_answer=answer)
    return answer


@require_POST
def advance(request, number, step):
    """The console's button: the order moves and its event goes to the portal."""
    _options()
    if step not in STEPS:
        return HttpResponseBadRequest("unknown step")
    with transaction.atomic():
        order = get_object_or_404(Order.objects.select_for_update(), number=number[:32])
        if order.status not in STEPS[step]:
            return HttpResponseBadRequest("not possible now")
        if step == rules.ACCEPTED and not order.tracking_number:
            order.tracking_number = f"EB{secrets.randbelow(10**9):09d}VN"  # UPU S10 shape
        event = {
            "id": f"{order.number}-{len(order.events) + 1}",
            "status": step,
            "at": protocol.format_time(timezone.now()),
            "note": request.POST.get("note", "")[:200],
        }
        order.status = step
        order.events = [*order.events, event]
        order.save(update_fields=["status", "tracking_number", "events"])
    send(order, event)
    return HttpResponseRedirect(reverse("devpost:console"))


@require_POST
def resend(request, number):
    """Send the last event again (the duplicate a real operator may send)."""
    _options()
    order = get_object_or_404(Order, number=number[:32])
    if order.events:
        send(order, order.events[-1])
    return HttpResponseRedirect(reverse("devpost:console"))
