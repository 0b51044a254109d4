"""The applicant's payment pages, the gateways' return and IPN addresses, the receipt.

The applicant of a dossier (its `Applicant.user` is the signed-in citizen) sees what is due
and pays; anyone else gets 404, an anonymous visitor the citizen sign-in. The gateways'
addresses take signed messages only (services.apply_callback).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.accounts.decorators import citizen_required
from motcua.core import audit
from motcua.dossiers.models import Dossier
from motcua.payments import fees, receipts, services, vietqr
from motcua.payments.gateways import Outcome, registry
from motcua.payments.models import Payment, Status


def _own_or_404(request, code: str) -> Dossier:
    """The signed-in applicant's dossier; 404 for every other (audited as a refusal)."""
    dossier = (
        Dossier.objects.select_related("applicant", "procedure", "procedure_version")
        .filter(code=code[:40])
        .first()
    )
    if dossier is None or not services.is_applicant(request.user, dossier):
        if dossier is not None:
            audit.refused(request.user, "payment.view", dossier)
        raise Http404
    return dossier


def _page_context(dossier: Dossier) -> dict:
    due = fees.due(dossier)
    return {
        "dossier": dossier,
        "due": due,
        "payments": dossier.payments.all(),
        "gateways": registry.enabled(),
        "transfer_possible": fees.bank_account(dossier) is not None,
        "pending": dossier.payments.filter(status=Status.PENDING).first(),
    }


@citizen_required
@require_GET
def pay(request, code):
    dossier = _own_or_404(request, code)
    return render(request, "payments/pay.html", _page_context(dossier))


@citizen_required
@require_POST
def start(request, code):
    dossier = _own_or_404(request, code)
    key = request.POST.get("gateway", "")[:32]
    if key not in registry.enabled_keys():
        messages.error(request, _("This payment gateway is not available."))
        return redirect("payments:pay", dossier.code)
    return_url = request.build_absolute_uri(reverse("payments:return", args=[key]))
    notify_url = request.build_absolute_uri(reverse("payments:ipn", args=[key]))
    try:
        _payment, url = services.start_gateway_payment(
            dossier, key, request.user, return_url, notify_url
        )
    except services.PaymentError as error:
        messages.error(request, str(error))
        return redirect("payments:pay", dossier.code)
    return HttpResponseRedirect(url)


@citizen_required
@require_http_methods(["GET", "POST"])
def transfer(request, code):
    """The VietQR code of the amount due; POST: "I have transferred"."""
    dossier = _own_or_404(request, code)
    due = fees.due(dossier)
    account = fees.bank_account(dossier)
    if request.method == "POST":
        try:
            services.claim_transfer(dossier, request.user)
        except services.PaymentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Thank you. The agency will confirm the payment when the transfer arrives."),
            )
        return redirect("payments:pay", dossier.code)
    if not due.payable or account is None:
        return redirect("payments:pay", dossier.code)
    content = vietqr.plain_text(fees.transfer_content(dossier))
    payload = vietqr.payload(account.bank_bin, account.account_number, due.amount, content)
    return render(
        request,
        "payments/transfer.html",
        {
            "dossier": dossier,
            "due": due,
            "account": account,
            "content": content,
            "payload": payload,
            "qr": receipts.qr_data_uri(payload),
            "claimed": dossier.payments.filter(
                channel="bank_transfer", status=Status.PENDING
            ).exists(),
        },
    )


@citizen_required
@require_GET
def result(request, code, reference):
    dossier = _own_or_404(request, code)
    payment = get_object_or_404(dossier.payments, reference=reference[:32])
    return render(
        request,
        "payments/result.html",
        {"dossier": dossier, "payment": payment, "due": fees.due(dossier)},
    )


@citizen_required
@require_GET
def receipt(request, reference):
    payment = get_object_or_404(Payment.objects.select_related("dossier"), reference=reference[:32])
    _own_or_404(request, payment.dossier.code)
    return receipts.response(payment, request.user)


@require_GET
def gateway_return(request, key):
    """The payer's browser back from the gateway. A signed result is applied like the IPN
    (in case the IPN is late); then the payment's page. Without a signature (the payer came
    back on their own) nothing is applied."""
    key = key[:32]
    if key not in registry.enabled_keys():
        raise Http404
    data = request.GET.dict()
    if "signature" not in data:
        payment = (
            Payment.objects.filter(reference=data.get("reference", "")[:32], gateway=key)
            .select_related("dossier")
            .first()
        )
        if payment is None:
            raise Http404
        return redirect("payments:result", payment.dossier.code, payment.reference)
    outcome = services.apply_callback(key, data, source="return")
    if outcome.payment is None or outcome.outcome not in (
        Outcome.CONFIRMED,
        Outcome.CONFLICT,
    ):
        return render(request, "payments/bad_return.html", status=400)
    return redirect("payments:result", outcome.payment.dossier.code, outcome.payment.reference)


@csrf_exempt
@require_POST
def gateway_ipn(request, key):
    """The gateway's server-to-server notification (IPN): always 200 with the gateway's
    answer format; the answer says whether we took it."""
    key = key[:32]
    try:
        gateway = registry.get(key)
    except KeyError:
        raise Http404 from None
    outcome = services.apply_callback(key, request.POST.dict(), source="ipn")
    return JsonResponse(gateway.answer(outcome.outcome))
