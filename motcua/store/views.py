"""The owner's pages (`/my/store/`, `/my/data/`) and the supervisors' page of data
subjects' correction requests (`/office/data-requests/`). Every change goes through
services.py; a citizen sees only their own items (services.owned_by)."""

import mimetypes
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from motcua.accounts.decorators import citizen_required
from motcua.core import audit
from motcua.store import services
from motcua.store.models import CorrectionRequest, RequestStatus

PAGE_SIZE = 20


def _attachment(handle, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The owner's store ------------------------------------------------------------------------


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


@citizen_required
def my_store(request):
    form = PageForm(request.GET or None)
    number = form.cleaned_data.get("page") if form.is_valid() else None
    page = Paginator(services.items_of(request.account), PAGE_SIZE).get_page(number or 1)
    for item in page.object_list:
        item.deletable = services.may_delete(item)
    return render(request, "store/my_store.html", {"page": page, "account": request.account})


def _own_item(request, pk):
    item = services.item_of(request.account, pk)
    if item is None:
        audit.refused(request.user, "store.item", item_id=str(pk)[:20])
        raise Http404  # not theirs, or not there: the same answer
    return item


@citizen_required
def download(request, pk):
    item = _own_item(request, pk)
    try:
        handle = item.file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    services.record_download(item, request.user)
    name = PurePath(item.file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return _attachment(handle, name, content_type)


@citizen_required
def delete(request, pk):
    """GET: what deleting means, and a confirmation; POST: deleted (where allowed)."""
    item = _own_item(request, pk)
    allowed = services.may_delete(item)
    status = 200
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            try:
                services.delete(request.account, item.pk, request.user)
            except services.NotAllowed as refused:
                messages.error(request, str(refused))
                status = 400
            else:
                messages.success(request, _("The item was deleted from your store."))
                return redirect("store:my_store")
        else:
            messages.error(request, _("Tick the box to confirm the deletion."))
            status = 400
    return render(request, "store/delete.html", {"item": item, "allowed": allowed}, status=status)


# --- The data subject's page ------------------------------------------------------------------


class CorrectionForm(forms.Form):
    what_is_wrong = forms.CharField(
        label=gettext_lazy("What is wrong"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.TEXT_MAX}),
        help_text=gettext_lazy("Which data, where you saw it (a dossier's code, a page)."),
    )
    should_be = forms.CharField(
        label=gettext_lazy("What it should be"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.TEXT_MAX}),
    )


@citizen_required
def my_data(request):
    account = request.account
    form = CorrectionForm()
    errors: dict = {}
    status = 200
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        try:
            services.request_correction(
                account,
                request.user,
                request.POST.get("what_is_wrong", ""),
                request.POST.get("should_be", ""),
            )
        except services.Invalid as invalid:
            errors = invalid.messages
            status = 400
        else:
            messages.success(request, _("Your request was sent. You will be told the answer."))
            return redirect("store:my_data")
    return render(
        request,
        "store/my_data.html",
        {
            "account": account,
            "form": form,
            "errors": errors,
            "requests": CorrectionRequest.objects.filter(user=request.user).order_by("-pk"),
            "response_hours": services.config("CORRECTION_RESPONSE_HOURS"),
        },
        status=status,
    )


@require_POST
@citizen_required
def export(request):
    archive = services.export(request.account, request.user)
    day = timezone.localdate().strftime("%Y%m%d")
    return _attachment(archive, f"du-lieu-ca-nhan-{day}.zip", "application/zip")


# --- Supervisors: correction requests ---------------------------------------------------------


def _handler_required(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.may_handle(request.user):
            audit.refused(request.user, "store.data_requests")
            return render(request, "store/not_allowed.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


class ShowForm(forms.Form):
    show = forms.ChoiceField(required=False, choices=[("", ""), *RequestStatus.choices])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


@_handler_required
def office_requests(request):
    form = ShowForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or RequestStatus.OPEN
    rows = (
        CorrectionRequest.objects.filter(status=show)
        .select_related("user__account")
        .order_by("due_at" if show == RequestStatus.OPEN else "-answered_at", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(data.get("page") or 1)
    return render(
        request,
        "store/office_requests.html",
        {
            "page": page,
            "show": show,
            "tabs": RequestStatus.choices,
            "now": timezone.now(),
        },
    )


@_handler_required
def office_answer(request, pk):
    request_row = (
        CorrectionRequest.objects.select_related("user__account").filter(pk=pk).first()
        if len(str(pk)) <= 12
        else None
    )
    if request_row is None:
        raise Http404
    errors: dict = {}
    status = 200
    values = {"status": "", "response": ""}
    if request.method == "POST":
        values = {
            "status": request.POST.get("status", ""),
            "response": request.POST.get("response", ""),
        }
        try:
            services.answer_correction(
                request_row.pk, request.user, values["status"], values["response"]
            )
        except services.Invalid as invalid:
            errors = invalid.messages
            status = 400
        except services.NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("The answer was saved and the requester told."))
            return redirect("store:office_requests")
    return render(
        request,
        "store/office_answer.html",
        {
            "row": request_row,
            "errors": errors,
            "values": values,
            "answers": [(v, label) for v, label in RequestStatus.choices if v in services.ANSWERS],
        },
        status=status,
    )
