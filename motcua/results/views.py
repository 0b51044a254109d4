"""The public verification page (`/verify/`: upload a PDF, or open a result's QR link) and
the download of a signed result by its applicant or an officer who sees the dossier.

Nothing uploaded is stored: the file is read in memory (or Django's temporary file for a
large one, removed at the end of the request), checked and forgotten.
"""

from __future__ import annotations

import logging
from pathlib import PurePath
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from motcua.core import audit, ratelimit
from motcua.core.security import client_ip
from motcua.dossiers import permissions
from motcua.dossiers.models import Dossier
from motcua.results import links, presentation, services
from motcua.results.keys import config
from motcua.results.models import ResultDocument, Status

TEMPLATE = "results/verify.html"
log = logging.getLogger(__name__)


class UploadForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("PDF file of the result"),
        required=True,
        error_messages={
            "required": gettext_lazy("Choose the PDF file of the result to check."),
            "empty": gettext_lazy("The file is empty."),
            "invalid": gettext_lazy("Choose the PDF file of the result to check."),
        },
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        limit = config("VERIFY_MAX_BYTES")
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; files of at most %(limit)s MB can be checked.")
                % {"size": _megabytes(upload.size), "limit": _megabytes(limit)}
            )
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        if b"%PDF-" not in head:
            raise forms.ValidationError(
                _("“%(name)s” is not a PDF file: choose the result's PDF file.")
                % {"name": PurePath(upload.name or "").name}
            )
        return upload


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _limited(request) -> int | None:
    """Seconds to wait when this client has checked too many files in the window
    (RESULTS["VERIFY_LIMIT_PER_CLIENT"]: reading a PDF and its signatures costs time); None
    otherwise, and when the shared counters are down (checking a file is not worth refusing
    for)."""
    rate = ratelimit.Rate.of(config("VERIFY_LIMIT_PER_CLIENT"))
    try:
        counted = ratelimit.attempt("results.verify", client_ip(request), rate)
    except ratelimit.Unavailable:
        return None
    return counted.retry_after() if counted.exceeded else None


@require_http_methods(["GET", "POST"])
def verify(request):
    """Upload a PDF to check its signature and whether the portal issued it."""
    context = {"max_mb": _megabytes(config("VERIFY_MAX_BYTES"))}
    if request.method == "GET":
        return render(request, TEMPLATE, {**context, "form": UploadForm()})
    limited = _limited(request)
    if limited is not None:
        response = render(
            request,
            TEMPLATE,
            {**context, "form": UploadForm(), "minutes": -(-limited // 60)},
            status=429,
        )
        response["Retry-After"] = str(limited)
        return response
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, TEMPLATE, {**context, "form": form}, status=400)
    data = form.cleaned_data["document"].read()
    examination = services.examine(data)
    return render(
        request,
        TEMPLATE,
        {**context, "form": UploadForm(), "summary": presentation.summary(examination)},
    )


@require_http_methods(["GET"])
def verify_link(request, code, token):
    """A result's QR link: the stored result of the dossier, checked now."""
    context = {"max_mb": _megabytes(config("VERIFY_MAX_BYTES")), "form": UploadForm()}
    verdict = links.check(code, token)
    if verdict == links.EXPIRED:
        context["link_error"] = _(
            "This verification link has expired. Upload the PDF file to check it."
        )
        return render(request, TEMPLATE, context, status=410)
    result = None
    if verdict == links.OK:
        result = (
            ResultDocument.objects.select_related(
                "dossier__procedure", "dossier__applicant", "agency"
            )
            .filter(dossier__code=code)
            .first()
        )
    if result is None:
        context["link_error"] = _(
            "This verification link is not valid. Check that it was copied whole, or upload "
            "the PDF file."
        )
        return render(request, TEMPLATE, context, status=404)
    context["code"] = code
    if result.status != Status.SIGNED:
        context["pending"] = True
        return render(request, TEMPLATE, context)
    context["summary"] = presentation.summary(services.examine_issued(result))
    return render(request, TEMPLATE, context)


def may_download(user, code: str) -> bool:
    """An officer who sees the dossier (dossiers.permissions), or its applicant signed in
    with their own account (not the parts of an inter-agency dossier)."""
    if permissions.visible_dossiers(user).filter(code=code).exists():
        return True
    return Dossier.objects.filter(code=code, applicant__user=user, parent__isnull=True).exists()


def _sign_in(request):
    """Anonymous visitors are mostly applicants following the e-mail's link (officers come
    from the dossier page, signed in): the citizens' sign-in page, which also leads to the
    officers'; the officers' sign-in when the portal has no citizens' accounts."""
    try:
        url = reverse("accounts:sign_in")
    except NoReverseMatch:
        return redirect_to_login(request.get_full_path())
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


@require_http_methods(["GET"])
def download(request, code):
    """The signed PDF; 404 for everyone else, and while it is not signed yet."""
    if not request.user.is_authenticated:
        return _sign_in(request)
    if not may_download(request.user, code):
        dossier = Dossier.objects.filter(code=code).first()
        if dossier is not None:
            audit.refused(request.user, "result.download", dossier)
        raise Http404
    result = (
        ResultDocument.objects.select_related("dossier")
        .filter(dossier__code=code, status=Status.SIGNED)
        .first()
    )
    if result is None:
        raise Http404
    try:
        handle = result.file.open("rb")
    except OSError:
        log.error("results: the stored file of result %s cannot be read", result.pk)
        raise Http404 from None
    services.record_download(result, request.user)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"ket-qua-{result.dossier.code}.pdf",
        content_type="application/pdf",
    )
