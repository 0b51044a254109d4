"""The citizen's pages: sign in and out, "My dossiers", one dossier with its timeline, the
online answer to a supplement request and the request to stop.

Who may see and do what is asked of `dossiers.permissions` (own_dossiers, can,
may_request_stop); every change goes through `dossiers.services`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from motcua.accounts.decorators import account_of, citizen_required
from motcua.core import audit
from motcua.dossiers import permissions, services, uploads
from motcua.dossiers.lookup import PUBLIC_ACTIONS, return_place
from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import FINAL, Action, Status

PAGE_SIZE = 20
OTHER_ROWS = 3  # files the citizen may add that are not one of the procedure's documents
SHOW = {
    "open": (gettext_lazy("Still being processed"), sorted(set(Status) - FINAL)),
    "done": (gettext_lazy("Finished dossiers"), sorted(FINAL)),
}
RESULT_STATUSES = frozenset({Status.RESULT_READY, Status.RETURNED})
SUPPLEMENT_STATUSES = frozenset({Status.AWAITING_SUPPLEMENT, Status.INCOMPLETE})


def _safe_next(request, value) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def sign_in(request):
    """The citizen's sign-in page: one button that starts sign-in at the identity provider."""
    next_url = _safe_next(request, request.GET.get("next", ""))
    if account_of(request.user) is not None:
        return HttpResponseRedirect(next_url or reverse("accounts:my_dossiers"))
    start = reverse("accounts:start")
    if next_url:
        start = f"{start}?{urlencode({'next': next_url})}"
    return render(
        request,
        "accounts/sign_in.html",
        {
            "start_url": start,
            "provider_name": getattr(settings, "OIDC_PROVIDER_NAME", "VNeID"),
            "dev_idp": getattr(settings, "MOTCUA_DEV_IDP", False),
            "configured": getattr(settings, "OIDC_CONFIGURED", False),
            "officer": request.user.is_authenticated,
        },
    )


def sign_out(request):
    """GET asks to confirm (a link must not sign anyone out); POST signs out."""
    if request.method == "POST":
        auth.logout(request)
        messages.success(request, _("You have signed out."))
        return redirect("catalog:home")
    return render(request, "accounts/sign_out.html")


# --- My dossiers ------------------------------------------------------------------------------


class ListFilter(forms.Form):
    show = forms.ChoiceField(required=False, choices=[(k, k) for k in SHOW])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


@citizen_required
def my_dossiers(request):
    form = ListFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or ""
    dossiers = permissions.own_dossiers(request.user).select_related(
        "procedure", "return_desk", "performing_agency"
    )
    if show:
        dossiers = dossiers.filter(status__in=SHOW[show][1])
    dossiers = dossiers.order_by(
        F("submitted_at").desc(nulls_last=True), F("received_at").desc(nulls_last=True), "-pk"
    )
    page = Paginator(dossiers, PAGE_SIZE).get_page(data.get("page") or 1)
    return render(
        request,
        "accounts/my_dossiers.html",
        {
            "page": page,
            "show": show,
            "tabs": [("", _("All"))] + [(k, label) for k, (label, _s) in SHOW.items()],
            "account": request.account,
        },
    )


def _own_or_404(user, code) -> Dossier:
    dossier = (
        permissions.own_dossiers(user)
        .select_related("procedure", "applicant", "performing_agency", "return_desk")
        .filter(code=str(code)[:40])
        .first()
    )
    if dossier is None:
        # Not theirs, or no such dossier: the same answer, so codes cannot be probed.
        raise Http404
    return dossier


def optional_url(name: str, **kwargs) -> str:
    """The URL of a page another part of the portal may provide, or "" while it does not."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


class SupplementForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the desk"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StopForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you ask to stop this dossier?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that the dossier will be stopped and not processed."),
    )


def _context(request, dossier, supplement_form=None, stop_form=None, supplement_errors=()):
    status = Status(dossier.status)
    open_request = (
        dossier.supplement_requests.filter(supplemented_at__isnull=True, closed_at__isnull=True)
        .order_by("-requested_at", "-id")
        .first()
        if status in SUPPLEMENT_STATUSES
        else None
    )
    may_supplement = open_request is not None and permissions.can(
        request.user, Action.SUPPLEMENT, dossier
    )
    stop_requested = services.pending_stop_request(dossier)
    may_stop = stop_requested is None and permissions.may_request_stop(request.user, dossier)
    has_fees = dossier.procedure.fees.filter(amount__gt=0).exists()
    # Refusals about a form the page no longer offers (the request was answered, the
    # dossier can no longer be stopped) are shown at the top.
    page_errors = [] if open_request else list(supplement_errors)
    if stop_form is not None and not may_stop:
        page_errors += stop_form.non_field_errors()
    return {
        "page_errors": page_errors,
        "dossier": dossier,
        "events": dossier.events.filter(action__in=PUBLIC_ACTIONS).order_by("at", "id"),
        "return_place": return_place(dossier),
        # The answers of the online application form, if it came through the portal.
        "eform": dossier.eforms.select_related("definition").order_by("-id").first(),
        "documents": dossier.documents.exclude(file="").order_by("uploaded_at", "pk"),
        "open_request": open_request,
        "may_supplement": may_supplement,
        "required_documents": dossier.procedure.documents.all() if may_supplement else [],
        "other_rows": range(1, OTHER_ROWS + 1),
        "supplement_form": supplement_form or SupplementForm(),
        "supplement_errors": supplement_errors,
        "stop_requested": stop_requested,
        "may_stop": may_stop,
        "stop_form": stop_form or StopForm(),
        "result_url": optional_url("results:download", code=dossier.code)
        if status in RESULT_STATUSES
        else "",
        "pay_url": optional_url("payments:pay", code=dossier.code)
        if has_fees and status not in FINAL
        else "",
        "upload_accept": ",".join(f".{e}" for e in settings.MOTCUA["UPLOAD_EXTENSIONS"]),
        "upload_types": ", ".join(f".{e}" for e in settings.MOTCUA["UPLOAD_EXTENSIONS"]),
        "upload_max_mb": settings.MOTCUA["UPLOAD_MAX_BYTES"] // (1024 * 1024),
    }


@citizen_required
def my_dossier(request, code):
    dossier = _own_or_404(request.user, code)
    return render(request, "accounts/my_dossier.html", _context(request, dossier))


def _supplement_documents(request, dossier) -> tuple[list[dict], list[str]]:
    """The files the citizen sent: one per required document of the procedure, and the
    other ones, each with the name the citizen gave it."""
    documents, errors = [], []
    for doc in dossier.procedure.documents.all():
        upload = request.FILES.get(f"file-{doc.pk}")
        if upload:
            documents.append({"required_document": doc.pk, "name": doc.name[:1000], "file": upload})
    for row in range(1, OTHER_ROWS + 1):
        upload = request.FILES.get(f"other-file-{row}")
        name = " ".join(str(request.POST.get(f"other-name-{row}", "")).split())
        if not upload:
            continue
        if not name:
            errors.append(_("Name each other document you attach."))
            continue
        if len(name) > 300:
            errors.append(_("A document's name may be at most 300 characters."))
            continue
        documents.append({"name": name, "file": upload})
    if not documents and not errors:
        errors.append(_("Attach the documents asked for."))
    return documents, errors


@citizen_required
@require_POST
def supplement(request, code):
    """The citizen answers the open supplement request online: same dossier, same code;
    the files are checked as at the desk, and the event names the citizen."""
    dossier = _own_or_404(request.user, code)
    form = SupplementForm(request.POST)
    documents, errors = _supplement_documents(request, dossier)
    if form.is_valid() and not errors:
        try:
            services.act(
                dossier,
                Action.SUPPLEMENT,
                request.user,
                comment=form.cleaned_data["note"],
                documents=documents,
            )
        except services.DossierError as error:
            if isinstance(error, services.NotAllowed):
                audit.refused(request.user, "dossier.supplement", dossier)
            errors.append(str(error))
        else:
            messages.success(
                request,
                _("Your documents were sent. The desk will check the completed dossier."),
            )
            return redirect("accounts:my_dossier", code=dossier.code)
    return render(
        request,
        "accounts/my_dossier.html",
        _context(request, dossier, supplement_form=form, supplement_errors=errors),
        status=400,
    )


@citizen_required
@require_POST
def request_stop(request, code):
    """The citizen asks to stop the dossier; the desk issues the stop notice."""
    dossier = _own_or_404(request.user, code)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            services.request_stop(dossier, request.user, form.cleaned_data["reason"])
        except services.DossierError as error:
            if isinstance(error, services.NotAllowed):
                audit.refused(request.user, "dossier.request_stop", dossier)
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your request to stop was sent to the desk, which will issue the stop notice."),
            )
            return redirect("accounts:my_dossier", code=dossier.code)
    return render(
        request, "accounts/my_dossier.html", _context(request, dossier, stop_form=form), status=400
    )


@citizen_required
def my_document(request, code, pk):
    """A file of the citizen's own dossier (never a public media URL)."""
    dossier = _own_or_404(request.user, code)
    document = get_object_or_404(dossier.documents.exclude(file=""), pk=pk)
    return uploads.response(document, request.user)


# --- Receive notifications ----------------------------------------------------------------------


class NotificationForm(forms.Form):
    notify_email = forms.BooleanField(label=gettext_lazy("By e-mail"), required=False)
    notify_sms = forms.BooleanField(label=gettext_lazy("By text message (SMS)"), required=False)
    sms_phone = forms.CharField(
        label=gettext_lazy("Mobile number for text messages"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "Leave blank to use the number from your identity account. "
            "Example: 0912345678 or +84912345678."
        ),
    )

    def clean_sms_phone(self):
        from motcua.outbox.sms import InvalidPhone, normalise_phone

        value = self.cleaned_data["sms_phone"].strip()
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except InvalidPhone:
            raise forms.ValidationError(
                _("Enter a Vietnamese mobile number, e.g. 0912345678 or +84912345678.")
            ) from None


@citizen_required
def notification_settings(request):
    """The citizen chooses how to hear about their dossiers: e-mail, text message, both or
    neither (the dossier's page and "My dossiers" always show everything)."""
    from motcua.accounts import services as account_services
    from motcua.outbox.sms import enabled as sms_enabled

    account = request.account
    if request.method == "POST":
        form = NotificationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            account_services.set_notification_channels(
                account,
                email=data["notify_email"],
                sms=data["notify_sms"],
                sms_phone=data["sms_phone"],
            )
            messages.success(request, _("Your notification settings were saved."))
            return redirect("accounts:notifications")
    else:
        form = NotificationForm(
            initial={
                "notify_email": account.notify_email,
                "notify_sms": account.notify_sms,
                "sms_phone": account.sms_phone,
            }
        )
    from motcua.outbox.services import mask

    number = account_services.sms_number(account)
    return render(
        request,
        "accounts/notifications.html",
        {
            "form": form,
            "account": account,
            "email": account.email,
            "masked_number": mask(number, "sms") if number else "",
            "sms_enabled": sms_enabled(),
        },
    )
