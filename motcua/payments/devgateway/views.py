"""The development payment gateway: a VNPay/MoMo-like gateway served by the portal itself
under /dev/payment-gateway/ when `settings.PAYMENTS["DEV_GATEWAY"]` is on (outside
production). It stands for another system: it keeps its own table and talks to the portal
only over HTTP, with signed messages (docs/payments.md, "The development gateway").

- GET  pay/?<signed request>          the checkout page: the tester chooses what happens
- POST pay/<number>/                  success, failure, cancel, timeout (no answer at all)
                                      or duplicate (success, and the IPN sent twice); then
                                      the IPN (POST to notify_url, retried on failure) and
                                      the browser's redirect to return_url
- POST query/                         the merchant asks what became of an order (signed)
- GET  ""                             the gateway's transactions, with "send the IPN again"
                                      and "late success" (a success after the order expired)
"""

import secrets
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.payments import signing
from motcua.payments.devgateway import protocol
from motcua.payments.models import DevGatewayTransaction as Txn

CHOICES = {
    # choice: (outcome, response code, transaction status, IPN sends)
    "success": (Txn.Outcome.SUCCESS, "00", protocol.PAID, 1),
    "failure": (Txn.Outcome.FAILURE, "51", protocol.FAILED, 1),
    "cancel": (Txn.Outcome.FAILURE, "24", protocol.FAILED, 1),
    "duplicate": (Txn.Outcome.SUCCESS, "00", protocol.PAID, 2),
    "timeout": (Txn.Outcome.TIMEOUT, "", "", 0),
}
MAX_AMOUNT_DIGITS = 15
PROCESSED = gettext_lazy("This transaction has been processed already (code 94).")


def _options() -> dict:
    payments = getattr(settings, "PAYMENTS", {})
    if not payments.get("DEV_GATEWAY"):
        raise Http404("the development gateway is off")
    return payments


def _merchant_secret(merchant: str) -> str | None:
    """The one merchant the gateway serves: the portal's "dev" adapter."""
    dev = _options().get("GATEWAYS", {}).get("dev") or {}
    if dev.get("SECRET") and merchant == dev.get("MERCHANT", "MOTCUA"):
        return dev["SECRET"]
    return None


def _error(request, message: str, status: int = 400):
    return render(request, "payments/devgateway/error.html", {"message": message}, status=status)


def _web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 500


@require_GET
def index(request):
    _options()
    return render(
        request,
        "payments/devgateway/index.html",
        {"transactions": Txn.objects.all()[:50]},
    )


@require_GET
def pay(request):
    _options()
    fields = {k: v for k, v in request.GET.items() if k in (*protocol.PAY_FIELDS, "signature")}
    secret = _merchant_secret(fields.get("merchant", ""))
    if secret is None:
        return _error(request, _("Unknown merchant (code 02)."))
    if not signing.verify(fields, secret):
        return _error(request, _("Invalid signature (code 97)."))
    amount = fields.get("amount", "")
    if (
        fields.get("command") != "pay"
        or not amount.isdigit()
        or len(amount) > MAX_AMOUNT_DIGITS
        or int(amount) <= 0
        or fields.get("currency") != "VND"
        or not fields.get("reference")
        or len(fields["reference"]) > 64
        or not _web_address(fields.get("return_url", ""))
        or not _web_address(fields.get("notify_url", ""))
    ):
        return _error(request, _("Invalid payment request (code 03)."))
    expires = protocol.parse_time(fields.get("expires", ""))
    if expires is not None and expires < timezone.now():
        return _error(request, _("The time allowed for this payment has passed (code 11)."))
    txn = Txn.objects.filter(merchant=fields["merchant"], reference=fields["reference"]).first()
    if txn is None:
        try:
            with transaction.atomic():
                txn = Txn.objects.create(
                    number=f"{timezone.localtime():%y%m%d}{secrets.randbelow(10**8):08d}",
                    merchant=fields["merchant"],
                    reference=fields["reference"],
                    amount=int(amount),
                    order_info=fields.get("order_info", "")[:255],
                    return_url=fields["return_url"],
                    notify_url=fields["notify_url"],
                    expires_at=expires,
                )
        except IntegrityError:
            txn = get_object_or_404(Txn, merchant=fields["merchant"], reference=fields["reference"])
    if txn.amount != int(amount):
        return _error(request, _("This order reference exists with another amount (code 94)."))
    if txn.outcome != Txn.Outcome.OPEN:
        return _error(request, PROCESSED, status=409)
    return render(request, "payments/devgateway/checkout.html", {"txn": txn})


def result_fields(txn: Txn) -> dict:
    """The signed result the gateway sends for a settled transaction (IPN, return, query):
    the same fields each time, so the portal can tell a repeat from news."""
    dev = _options()["GATEWAYS"]["dev"]
    fields = {
        "version": protocol.VERSION,
        "merchant": txn.merchant,
        "reference": txn.reference,
        "amount": txn.amount,
        "currency": "VND",
        "transaction_no": txn.number,
        "response_code": txn.response_code,
        "transaction_status": (
            protocol.PAID if txn.outcome == Txn.Outcome.SUCCESS else protocol.FAILED
        ),
        "bank_code": "NCB",
        "pay_date": protocol.format_time(txn.settled_at or txn.created_at),
    }
    return signing.signed(fields, dev["SECRET"])


def notify(txn: Txn) -> str:
    """POST the result to the merchant's IPN address until it answers with a code, at most
    DEV_GATEWAY_IPN_ATTEMPTS times, DEV_GATEWAY_IPN_RETRY_SECONDS apart. The last answer."""
    options = _options()
    attempts = max(1, int(options.get("DEV_GATEWAY_IPN_ATTEMPTS", 3)))
    pause = float(options.get("DEV_GATEWAY_IPN_RETRY_SECONDS", 1))
    timeout = float(options.get("HTTP_TIMEOUT_SECONDS", 10))
    fields = result_fields(txn)
    answer = ""
    for attempt in range(attempts):
        if attempt and pause > 0:
            time.sleep(pause)
        Txn.objects.filter(pk=txn.pk).update(ipn_attempts=txn.ipn_attempts + attempt + 1)
        try:
            status, body = protocol.post_form(txn.notify_url, fields, timeout)
        except OSError as error:
            answer = f"error: {error}"[:200]
            continue
        reply = protocol.json_answer(body) if status == 200 else None
        if reply is not None and "RspCode" in reply:
            answer = f"{reply.get('RspCode')} {reply.get('Message', '')}"[:200]
            break
        answer = f"HTTP {status}"
    txn.refresh_from_db()
    txn.ipn_answer = answer
    txn.save(update_fields=["ipn_answer"])
    return answer


def _return_address(txn: Txn, fields: dict) -> str:
    joiner = "&" if "?" in txn.return_url else "?"
    return f"{txn.return_url}{joiner}{urlencode(fields)}"


@require_POST
def choose(request, number):
    _options()
    txn = get_object_or_404(Txn, number=number)
    choice = request.POST.get("choice", "")
    if choice not in CHOICES:
        return HttpResponseBadRequest("unknown choice")
    with transaction.atomic():
        txn = Txn.objects.select_for_update().get(pk=txn.pk)
        if txn.outcome != Txn.Outcome.OPEN:
            return _error(request, PROCESSED, status=409)
        outcome, code, _status, sends = CHOICES[choice]
        if txn.expires_at and txn.expires_at < timezone.now() and choice != "timeout":
            outcome, code = Txn.Outcome.FAILURE, "11"
        txn.outcome, txn.response_code = outcome, code
        txn.settled_at = timezone.now()
        txn.save(update_fields=["outcome", "response_code", "settled_at"])
    if outcome == Txn.Outcome.TIMEOUT:
        back = _return_address(txn, {"reference": txn.reference})
        return render(request, "payments/devgateway/timeout.html", {"txn": txn, "back": back})
    for _send in range(sends):
        notify(txn)
    return HttpResponseRedirect(_return_address(txn, result_fields(txn)))


@require_POST
def resend(request, number):
    """Send the IPN of a settled transaction again (the duplicate a real gateway may send)."""
    _options()
    txn = get_object_or_404(Txn, number=number)
    if txn.outcome in (Txn.Outcome.SUCCESS, Txn.Outcome.FAILURE):
        notify(txn)
    return HttpResponseRedirect(reverse("devgateway:index"))


@require_POST
def late_success(request, number):
    """The payer's bank confirms after all: an open or timed-out transaction succeeds now,
    whatever its expiry, and the IPN goes out (a late success)."""
    _options()
    with transaction.atomic():
        txn = get_object_or_404(Txn.objects.select_for_update(), number=number)
        if txn.outcome not in (Txn.Outcome.OPEN, Txn.Outcome.TIMEOUT):
            return _error(request, PROCESSED, status=409)
        txn.outcome, txn.response_code, txn.settled_at = Txn.Outcome.SUCCESS, "00", timezone.now()
        txn.save(update_fields=["outcome", "response_code", "settled_at"])
    notify(txn)
    return HttpResponseRedirect(reverse("devgateway:index"))


@csrf_exempt
@require_POST
def query(request):
    """The merchant's status query (querydr): a signed form in, a signed JSON answer out."""
    _options()
    fields = {k: v for k, v in request.POST.items() if k in (*protocol.QUERY_FIELDS, "signature")}
    secret = _merchant_secret(fields.get("merchant", ""))
    if secret is None or not signing.verify(fields, secret) or fields.get("command") != "query":
        return JsonResponse({"response_code": "97", "message": protocol.RESPONSES["97"]})
    txn = Txn.objects.filter(merchant=fields["merchant"], reference=fields.get("reference")).first()
    if txn is None:
        answer = {"merchant": fields["merchant"], "reference": fields.get("reference", "")}
        answer |= {"response_code": "91"}
        return JsonResponse(signing.signed(answer, secret))
    if txn.outcome in (Txn.Outcome.SUCCESS, Txn.Outcome.FAILURE):
        return JsonResponse(result_fields(txn))
    pending = {
        "version": protocol.VERSION,
        "merchant": txn.merchant,
        "reference": txn.reference,
        "amount": txn.amount,
        "currency": "VND",
        "transaction_no": txn.number,
        "response_code": "11" if txn.outcome == Txn.Outcome.TIMEOUT else "01",
        "transaction_status": protocol.PENDING,
    }
    return JsonResponse(signing.signed(pending, secret))
