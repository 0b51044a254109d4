"""The printed forms as PDFs (inline, so the browser shows them and prints).

Who may print is who may see: a dossier's forms are served through
`permissions.visible_dossiers`, as its page is, and a desk's tracking book to the officers
of the desk's agency (`permissions.agency_ids`). Everyone else gets 404. Forms are known by
name (`forms_data`); the file name carries the name, never a number. Each printed form
is a read of personal data and writes an audit row (`_printed`, `_book_printed`).
"""

import functools
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from motcua.core import audit
from motcua.dossiers import forms_data as forms
from motcua.dossiers import links, permissions, printing, services
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.workflow import Action
from motcua.org.models import Desk

BOOK_MAX_DAYS = 366
BOOK_MAX_ROWS = 1500  # about 30 s of WeasyPrint: more must be printed period by period
BOOK_EVENTS = [
    Action.FORWARD,
    Action.APPROVE,
    Action.HAND_OVER,
    Action.REQUEST_SUPPLEMENT,
    Action.APOLOGISE,
    Action.REFUSE,
    Action.WITHDRAW,
]
BOOK_YEARS = (1900, 9998)  # a period outside these years is refused, not converted


def _pdf(template: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(printing.render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _printed(view):
    """Audits a printed dossier form, a read of personal data: "dossier.printed" against the
    dossier, with the form's name, once the PDF is made (a 404 or a redirect writes nothing)."""

    @functools.wraps(view)
    def wrapper(request, code, *args, **kwargs):
        response = view(request, code, *args, **kwargs)
        if response.status_code == 200:
            pk = Dossier.objects.filter(code=code).values_list("pk", flat=True).first()
            audit.record_about(
                "dossier.printed",
                Dossier._meta.label_lower,
                pk,
                request.user,
                code,
                form=view.__name__,
            )
        return response

    return wrapper


def _book_printed(view):
    """Audits a printed tracking book: "desk.book_printed" against the desk, with the period."""

    @functools.wraps(view)
    def wrapper(request, desk_id, *args, **kwargs):
        response = view(request, desk_id, *args, **kwargs)
        if response.status_code == 200:
            audit.record_about(
                "desk.book_printed",
                Desk._meta.label_lower,
                desk_id,
                request.user,
                start=request.GET.get("from", ""),
                end=request.GET.get("to", ""),
            )
        return response

    return wrapper


def _dossier_or_404(user, code, *, received=True) -> Dossier:
    """The dossier if the user may see it (and, for most forms, it has been received)."""
    dossier = (
        permissions.visible_dossiers(user)
        .select_related(
            "procedure",
            "applicant",
            "performing_agency__parent",
            "performing_agency__admin_unit",
            "current_agency",
            "received_desk__agency__parent",
            "received_desk__agency__admin_unit",
            "return_desk",
            "parent__received_desk",
            "parent__current_agency",
        )
        .filter(code=code)
        .first()
    )
    if dossier is None or (received and dossier.received_at is None):
        raise Http404
    return dossier


def _events(dossier) -> list[DossierEvent]:
    return list(
        dossier.events.select_related(
            "actor", "assignee", "step", "agency__parent", "agency__admin_unit"
        )
    )


def _event_or_404(request, events, action):
    """The event the form documents: `?event=<id>`, or the latest of its kind."""
    try:
        wanted = int(request.GET["event"]) if request.GET.get("event") else None
    except ValueError:
        raise Http404 from None
    event = printing.latest(events, action, wanted)
    if event is None:
        raise Http404
    return event


def lookup_url(request, dossier) -> str:
    """The absolute link of the receipt's QR code: the dossier's signed lookup link, which
    carries a token and never the lookup password (docs/lookup.md)."""
    return request.build_absolute_uri(links.link_path(dossier))


@_printed
@never_cache
@login_required
def receipt(request, code):
    """Receipt: Giấy tiếp nhận hồ sơ và hẹn trả kết quả."""
    dossier = _dossier_or_404(request.user, code)
    if dossier.parent_id:  # an inter-agency part: the applicant holds the whole one's receipt
        raise Http404
    context = printing.receipt_context(
        dossier,
        _events(dossier),
        lookup_url(request, dossier),
        request.build_absolute_uri(reverse("dossiers:lookup_form")),
    )
    return _pdf(printing.TEMPLATES[forms.RECEIPT], context, f"{dossier.code}-receipt.pdf")


@_printed
@never_cache
@login_required
def supplement_request(request, code):
    """Supplement request: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."""
    dossier = _dossier_or_404(request.user, code, received=False)  # online ones, too
    event = _event_or_404(request, _events(dossier), Action.REQUEST_SUPPLEMENT)
    context = printing.supplement_context(dossier, event)
    name = forms.SUPPLEMENT_REQUEST
    return _pdf(printing.TEMPLATES[name], context, f"{dossier.code}-{name}.pdf")


@_printed
@never_cache
@login_required
def refusal(request, code):
    """Refusal: Phiếu từ chối tiếp nhận giải quyết hồ sơ."""
    dossier = _dossier_or_404(request.user, code, received=False)  # refused at the check
    event = _event_or_404(request, _events(dossier), Action.REFUSE)
    posts = permissions.posts(event.actor, at=event.at) if event.actor else []
    roles = {role for agency_id, role, _kind in posts if agency_id == event.agency_id}
    context = printing.refusal_context(dossier, event, roles)
    return _pdf(printing.TEMPLATES[forms.REFUSAL], context, f"{dossier.code}-refusal.pdf")


@_printed
@never_cache
@login_required
def control_slip(request, code):
    """Control slip: Phiếu kiểm soát quá trình giải quyết hồ sơ."""
    dossier = _dossier_or_404(request.user, code)
    parts = dossier.parts.select_related("performing_agency").prefetch_related(
        Prefetch("events", queryset=DossierEvent.objects.select_related("actor"))
    )
    calendar = services.calendar(dossier.performing_agency)
    context = printing.control_context(dossier, _events(dossier), calendar, list(parts))
    name = forms.CONTROL_SLIP
    return _pdf(printing.TEMPLATES[name], context, f"{dossier.code}-{name}.pdf")


@_printed
@never_cache
@login_required
def apology(request, code):
    """Apology: Phiếu xin lỗi và hẹn lại ngày trả kết quả."""
    dossier = _dossier_or_404(request.user, code)
    event = _event_or_404(request, _events(dossier), Action.APOLOGISE)
    context = printing.apology_context(dossier, event)
    return _pdf(printing.TEMPLATES[forms.APOLOGY], context, f"{dossier.code}-apology.pdf")


@_printed
@never_cache
@login_required
def stop_notice(request, code):
    """Stop notice: Thông báo dừng giải quyết hồ sơ, from the withdraw event."""
    dossier = _dossier_or_404(request.user, code, received=False)  # withdrawn before receipt
    event = _event_or_404(request, _events(dossier), Action.WITHDRAW)
    context = printing.stop_notice_context(dossier, event)
    name = forms.STOP_NOTICE
    return _pdf(printing.TEMPLATES[name], context, f"{dossier.code}-{name}.pdf")


def _period(request) -> tuple[date, date]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD; by default the current month up to today."""
    today = timezone.localdate()
    start = date.fromisoformat(request.GET["from"]) if request.GET.get("from") else None
    end = date.fromisoformat(request.GET["to"]) if request.GET.get("to") else today
    start = start or end.replace(day=1)
    if start > end or (end - start).days >= BOOK_MAX_DAYS:
        raise ValueError("bad period")
    if start.year < BOOK_YEARS[0] or end.year > BOOK_YEARS[1]:
        raise ValueError("period out of range")  # its bounds could not become instants
    return start, end


@_book_printed
@never_cache
@login_required
def book(request, desk_id):
    """Tracking book (Sổ theo dõi hồ sơ) of one desk for a period, for its agency's
    officers."""
    desk = get_object_or_404(
        Desk.objects.select_related("agency__parent", "agency__admin_unit"), pk=desk_id
    )
    if desk.agency_id not in permissions.agency_ids(request.user):
        raise Http404
    try:
        start, end = _period(request)
    except ValueError:
        return HttpResponseBadRequest(
            _("Give the period as from=YYYY-MM-DD&to=YYYY-MM-DD, at most a year.")
        )
    tz = timezone.get_current_timezone()
    dossiers = (
        permissions.visible_dossiers(request.user)
        .filter(
            received_desk=desk,
            received_at__gte=datetime.combine(start, time.min, tz),
            received_at__lt=datetime.combine(end + timedelta(days=1), time.min, tz),
        )
        .select_related("procedure", "applicant", "performing_agency")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=DossierEvent.objects.filter(action__in=BOOK_EVENTS).select_related(
                    "agency", "assignee"
                ),
                to_attr="book_events",
            ),
            Prefetch(
                "parts",
                queryset=Dossier.objects.select_related("performing_agency").order_by(
                    "chain_position", "id"
                ),
                to_attr="book_parts",
            ),
        )
        .order_by("received_at", "id")
    )
    dossiers = list(dossiers[: BOOK_MAX_ROWS + 1])
    if len(dossiers) > BOOK_MAX_ROWS:
        return HttpResponseBadRequest(
            _("More than %(n)s dossiers in this period: print a shorter one.")
            % {"n": BOOK_MAX_ROWS}
        )
    rows = [
        printing.book_row(n, d, d.book_events, d.book_parts)
        for n, d in enumerate(dossiers, start=1)
    ]
    context = printing.book_context(desk, start, end, rows, timezone.localdate(), request.user)
    name = forms.TRACKING_BOOK
    filename = f"{desk.agency.code}-{name}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return _pdf(printing.TEMPLATES[name], context, filename)
