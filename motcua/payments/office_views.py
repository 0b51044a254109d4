"""The desk's side of payments, on the dossier's page (templatetags `payments_panel`):
set the amount of a fee that varies, record cash paid at the counter, confirm or reject a
bank transfer, record a refund; print a receipt. Whoever may see the dossier sees its
payments (`permissions.visible_dossiers`); only a desk officer of its agencies records them
(`services.may_collect`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.core import audit
from motcua.dossiers import permissions
from motcua.dossiers.models import Dossier
from motcua.payments import forms, receipts, services
from motcua.payments.models import Payment


def _visible_or_404(user, code: str) -> Dossier:
    dossier = (
        permissions.visible_dossiers(user)
        .select_related("applicant", "received_desk", "procedure")
        .filter(code=code[:40])
        .first()
    )
    if dossier is None:
        raise Http404
    return dossier


def _collector_or_403(request, code: str, what: str):
    dossier = _visible_or_404(request.user, code)
    if not services.may_collect(request.user, dossier):
        audit.refused(request.user, what, dossier)
        return dossier, render(request, "payments/refused.html", status=403)
    return dossier, None


def _back(dossier: Dossier):
    return redirect(reverse("dossiers:detail", args=[dossier.code]) + "#payments")


def _run(request, dossier, call, done: str):
    try:
        call()
    except services.PaymentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _back(dossier)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def assess(request, code):
    dossier, refused = _collector_or_403(request, code, "payment.assess")
    if refused:
        return refused
    form = forms.AssessForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(dossier)
    data = form.cleaned_data
    return _run(
        request,
        dossier,
        lambda: services.assess_fee(dossier, data["amount"], data["note"], request.user),
        _("The amount due is set."),
    )


@login_required
@require_POST
def cash(request, code):
    dossier, refused = _collector_or_403(request, code, "payment.record_cash")
    if refused:
        return refused
    form = forms.CashForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(
        request,
        dossier,
        lambda: services.record_cash(dossier, request.user, note),
        _("The cash payment is recorded; print its receipt."),
    )


@login_required
@require_POST
def transfer(request, code):
    dossier, refused = _collector_or_403(request, code, "payment.confirm_transfer")
    if refused:
        return refused
    form = forms.TransferForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(dossier)
    return _run(
        request,
        dossier,
        lambda: services.confirm_transfer(
            dossier, form.cleaned_data["bank_reference"], request.user
        ),
        _("The bank transfer is confirmed."),
    )


def _settle_with_note(request, code, reference, refusal, service, done):
    """A desk action on one payment of the dossier, with an optional note."""
    dossier, refused = _collector_or_403(request, code, refusal)
    if refused:
        return refused
    payment = get_object_or_404(dossier.payments, reference=reference[:32])
    form = forms.NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _run(request, dossier, lambda: service(payment, request.user, note), done)


@login_required
@require_POST
def reject(request, code, reference):
    return _settle_with_note(
        request,
        code,
        reference,
        "payment.reject_transfer",
        services.reject_transfer,
        _("The transfer is marked as not received."),
    )


@login_required
@require_POST
def refund(request, code, reference):
    return _settle_with_note(
        request,
        code,
        reference,
        "payment.refund",
        services.record_refund,
        _("The refund is recorded."),
    )


@login_required
@require_GET
def receipt(request, reference):
    payment = get_object_or_404(Payment.objects.select_related("dossier"), reference=reference[:32])
    _visible_or_404(request.user, payment.dossier.code)
    return receipts.response(payment, request.user)
