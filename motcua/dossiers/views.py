"""Back office for officers (work queue, dossier page, desk receipt); the public lookup is
in lookup.py.

Every view asks `permissions` what the user may see and do; every change goes through
`services`. The queue is one query per page (no COUNT, no per-row permission check).
"""

from hashlib import sha256
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connections
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure
from motcua.catalog.search import search
from motcua.core import audit
from motcua.core.around import Around, by_key
from motcua.core.numbers import format_vn
from motcua.core.text import fold
from motcua.dossiers import keyset, permissions, queue_html, services, uploads
from motcua.dossiers.models import ACTION_CHOICES as ACTION_LABELS
from motcua.dossiers.models import STATUS_CHOICES, Channel, Delegation, Dossier
from motcua.dossiers.validation import InvalidApplicant
from motcua.dossiers.workflow import OPEN, Action, Status
from motcua.org.constants import Role
from motcua.org.models import Agency, Desk, User
from motcua.postal import services as postal_services
from motcua.postal.templatetags.postal_tags import postal_mark
from motcua.worktime import calendars, core

PAGE_SIZE = 50
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what `reverse` leaves unquoted in a path
MAX_PAGE = 10_000
FIELD_MESSAGES = {
    "required": gettext_lazy("This field is required."),
    "invalid": gettext_lazy("This value is not valid."),
}
URGENCY_CLASS = {
    core.OVERDUE: "overdue",
    core.DUE_SOON: "due-soon",
    core.WITHIN_DEADLINE: "in-time",
}
URGENCY_LABELS = {  # the queue's pill for each class (none: no pill text)
    "overdue": gettext_lazy("Overdue"),
    "due-soon": gettext_lazy("Due soon"),
    "in-time": gettext_lazy("Within deadline"),
    "paused": gettext_lazy("Awaiting supplement"),
    "ready": gettext_lazy("Result ready"),
}


def urgency(dossier, now) -> str:
    """A colour class for the queue, by the one urgency rule (worktime.calendars.urgency,
    DUE_SOON_FRACTION): overdue, due soon or within the deadline. A dossier the desk must
    still check is judged on its check deadline; one awaiting a supplement is paused (its
    clock is stopped), one whose result is ready is done: neither is ever overdue."""
    status = dossier.status
    if status == Status.AWAITING_SUPPLEMENT:
        return "paused"
    if status == Status.INCOMPLETE:
        return "paused"
    if status == Status.RESULT_READY:
        return "ready"
    if status not in OPEN:
        return "none"
    if status == Status.SUBMITTED:
        start, due = dossier.submitted_at, dossier.check_due_at
    else:
        start, due = dossier.received_at, dossier.due_at
    if start is None or due is None:
        return "none"
    try:
        return URGENCY_CLASS[calendars.urgency(start, due, now)]
    except (ValueError, OverflowError):  # an instant beyond the calendar (bad old data)
        return "overdue" if due < now else "in-time"


SORTS = {  # the queue's orders, NULLs last, the id breaking ties (keyset.Sort)
    "due": keyset.Sort([("due_at", False)]),
    # Dossiers the desk must still check first, by their check deadline.
    "check": keyset.Sort([("check_due_at", False), ("due_at", False)]),
    "received": keyset.Sort([("received_at", True)]),
}


# What the queue's rows show, and nothing else: each row's attribute and the column of the
# page's one query it comes from. Read as plain values (no model instances: building six of
# them per row, with their related-object caches, was a good part of a page at a million
# dossiers). A value the template, the pager or the marks read must be here. The names
# are read by primary key for each row (ROW_NAMES), not joined: PostgreSQL planned the
# five joins in 3-5 ms a page, more than running the query; the subqueries, 51 index
# lookups each, cost a quarter less in all (docs/performance.md).
ROW_NAMES = {  # annotation: (model, the row's column, the name's column)
    "procedure_name": ("catalog.Procedure", "procedure_id", "name"),
    "applicant_name": ("dossiers.Applicant", "applicant_id", "full_name"),
    "agency_name": ("org.Agency", "current_agency_id", "name"),
    "step_name": ("dossiers.ProcessStep", "current_step_id", "name"),
    "assignee_name": (settings.AUTH_USER_MODEL, "assignee_id", "full_name"),
    "assignee_username": (settings.AUTH_USER_MODEL, "assignee_id", "username"),
}
ROW_COLUMNS = {
    "pk": "pk",
    "code": "code",
    "status": "status",
    "channel": "channel",
    "submitted_at": "submitted_at",
    "check_due_at": "check_due_at",
    "received_at": "received_at",
    "transfer_due_at": "transfer_due_at",
    "due_at": "due_at",
    "apologised_at": "apologised_at",
    **{name: name for name in ROW_NAMES},
    "assignee_id": "assignee_id",  # the stale mark (reconciliation.is_stale)
    "current_agency_id": "current_agency_id",
    "last_entered_at": "last_entered_at",
    "stop_asked": "stop_asked",  # services.stop_request_exists
    "postal_latest": "postal_latest",  # postal.services.queue_annotations
}


class QueueRow:
    """One row of the queue: the values of ROW_COLUMNS as attributes, and the labels the
    view sets (`status_label`, `urgency_label`)."""

    __slots__ = (*ROW_COLUMNS, "status_label", "urgency_label")

    def __init__(self, values):
        for name, value in zip(ROW_COLUMNS, values, strict=True):
            setattr(self, name, value)

    @property
    def assignee(self) -> str:
        """As `str(user)`: the full name, else the user name ("" when none is assigned)."""
        return self.assignee_name or self.assignee_username or ""


class QueueFilter(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("All open")), *STATUS_CHOICES]
    )
    q = forms.CharField(required=False, max_length=100)
    mine = forms.BooleanField(required=False)
    overdue = forms.BooleanField(required=False)
    stop_requested = forms.BooleanField(required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("due", gettext_lazy("By appointment")),
            ("check", gettext_lazy("By the desk's check deadline")),
            ("received", gettext_lazy("Newest received")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


# Ids listed in the page's query: a condition an index answers (PostgreSQL combines it with
# the trigram indexes' bitmaps). More procedures (a common word finds a thousand) are, on
# PostgreSQL, one array parameter unnested: planned as one value and checked by a hash (a
# thousand ids planned in 0.7 ms, against 3.7 ms as a list and 5 ms to read the catalogue's
# search text again as a subquery, which SQLite still does).
SEARCH_IDS_MAX = 200


def _ids(queryset) -> list | None:
    """The primary keys of `queryset` when there are few (a condition an index answers:
    PostgreSQL combines such conditions with the trigram indexes' bitmaps), else None."""
    ids = list(queryset.values_list("pk", flat=True)[: SEARCH_IDS_MAX + 1])
    return ids if len(ids) <= SEARCH_IDS_MAX else None


def _ids_or_subquery(queryset):
    ids = _ids(queryset)
    return queryset.values("pk") if ids is None else ids


def _procedures_named(query: str, vendor: str):
    """The procedures the catalogue search finds for `query`, kept in this process for the
    catalogue's generation (catalog/cache.py: officers type the same words all day): a list
    of their ids when there are few, else a subquery (see SEARCH_IDS_MAX)."""
    from motcua.catalog import cache as catalogue_cache
    from motcua.catalog.search import active_phrases

    generation = catalogue_cache.generation()  # read once for the ids and the phrases

    def found():
        return search(Procedure.objects.all(), query, phrases=active_phrases(generation))

    key = f"queue-search:{sha256(fold(query).encode()).hexdigest()}"
    ids = catalogue_cache.kept(
        key, lambda: tuple(found().values_list("pk", flat=True)), generation_value=generation
    )
    if len(ids) <= SEARCH_IDS_MAX:
        return list(ids)
    if vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return found().values("pk")


def matching(dossiers, query: str):
    """Dossiers whose code, applicant's ID number, phone or name (folded, from the start of
    a word), or procedure match the officer's search.

    Each condition is one an index answers on PostgreSQL, so a search that finds few
    dossiers reads few (a name or a word that finds many is read in the queue's order and
    stops at the page): the code and the name through trigram indexes on the open dossiers
    (migration 0014), the applicants found by ID number or phone and the procedures found
    by the catalogue search as lists of ids, read first (the procedures kept per
    catalogue generation). The name is the dossier's own column (Dossier.
    applicant_name_folded): no other table is read per row. A search holding a digit is no
    name; an ID number or a phone names no procedure."""
    from motcua.dossiers.models import Applicant
    from motcua.dossiers.validation import normalise_phone

    q = query.strip()
    folded = fold(q)
    # A code holds no space (lookup.normal_code): a full name is not looked for in the codes.
    condition = Q() if any(c.isspace() for c in q) else Q(code__icontains=q)
    numbers = Q()
    digits = q.replace(" ", "")
    if digits.isdigit() and len(digits) in (9, 12):
        numbers |= Q(id_number=digits)
    phone = normalise_phone(q)
    if phone:
        numbers |= Q(phone=phone)
    if numbers:
        condition |= Q(applicant__in=_ids_or_subquery(Applicant.objects.filter(numbers)))
    if folded:
        if not any(c.isdigit() for c in folded):
            # " " + the name holds " word": the name starts with it or a later word does.
            dossiers = dossiers.alias(applicant_words=Concat(Value(" "), "applicant_name_folded"))
            condition |= Q(applicant_words__contains=f" {folded}")
        if not numbers:
            procedures = _procedures_named(q, connections[dossiers.db].vendor)
            if not isinstance(procedures, list) or procedures:
                condition |= Q(procedure__in=procedures)
    return dossiers.filter(condition) if condition else dossiers.none()


@login_required
def queue(request):
    form = QueueFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    dossiers = permissions.visible_dossiers(request.user)
    dossiers = (
        dossiers.filter(status=data["status"])
        if data.get("status")
        # Listed as in the partial indexes' condition (models.Dossier.Meta), which SQLite
        # matches by its text.
        else dossiers.filter(status__in=sorted(s.value for s in OPEN))
    )
    now = timezone.now()
    if data.get("mine"):
        dossiers = dossiers.filter(assignee=request.user)
    if data.get("overdue"):
        # Overdue: the appointment passed while the clock runs (not paused, not finished).
        # One condition under the open statuses, so the partial indexes still apply.
        dossiers = dossiers.filter(
            Q(status__in=[Status.RECEIVED, Status.PROCESSING], due_at__lt=now)
            | Q(status=Status.SUBMITTED, check_due_at__lt=now)
        )
    if data.get("stop_requested"):  # the applicant asked to stop: the desk must answer
        dossiers = services.with_pending_stop_request(dossiers)
    if data.get("q"):
        dossiers = matching(dossiers, data["q"])
    sort = SORTS[data.get("sort") or "due"]
    page, rows, has_prev, has_next, position, refused = _page_of(
        dossiers, sort, data.get("page") or 1, request.GET
    )
    # Each row's labels from one translation per label and request, not per row (the page
    # draws fifty rows; the template's translations and choice lookups were a good part of it).
    statuses = {value: str(label) for value, label in STATUS_CHOICES}
    pills = {key: str(label) for key, label in URGENCY_LABELS.items()}
    marked = []
    for d in rows:
        colour = urgency(d, now)
        d.status_label, d.urgency_label = statuses.get(d.status, d.status), pills.get(colour, "")
        marked.append((d, colour))
    rows = marked
    # The officer's own stale dossiers first, on the queue's first page: one small query of
    # their own open dossiers (the assignee index), apart from the page's query. Not above a
    # search's results: the officer looks for a dossier, and the rows still say they are
    # stale (each row's mark is worked out from its own values, whatever the page).
    first = page == 1 and position is None and not data.get("q")
    stale = _own_stale(request.user, now, statuses) if first else []
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)

    def page_url(number, **cursor):
        query["page"] = number
        query.update(cursor)
        url = f"?{query.urlencode()}"
        for name in cursor:
            query.pop(name)
        return url

    prev_url = next_url = ""
    if has_prev:
        # Page 1 is the top of the queue as it is now; further back, the page before the first row.
        back = page > 2 and rows
        prev_url = page_url(page - 1, before=keyset.key(sort, rows[0][0])) if back else page_url(1)
    if has_next and rows and page < MAX_PAGE:
        next_url = page_url(page + 1, after=keyset.key(sort, rows[-1][0]))
    stale_ids = _own_stale_ids([d for d, _u in rows], request.user, now)
    stop_ids = services.pending_stop_ids([d for d, _u in rows])
    lines, stale_lines = _lines(rows, stale_ids, stop_ids), _stale_lines(stale)
    rows_only = request.headers.get("HX-Request")
    return render(
        request,
        # htmx (the filters) asks for the rows only; a page link or a reload gets the page.
        "dossiers/_queue_results.html" if rows_only else "dossiers/queue.html",
        {
            "form": form,
            "status_select": "" if rows_only else queue_html.select(form["status"]),
            "sort_select": "" if rows_only else queue_html.select(form["sort"]),
            "rows": rows,
            "page": page,
            "prev_url": prev_url,
            "next_url": next_url,
            "cursor_refused": refused,
            "now": now,
            "stale": stale,
            "lines": lines,
            "rows_html": queue_html.rows(lines),
            "stale_lines": stale_lines,
            "stale_rows": queue_html.stale_rows(stale_lines),
            "stale_days": services.rule("STALE_WORKING_DAYS"),
            "discipline": None if rows_only else _discipline(request.user),
        },
    )


# --- The rows as drawn -------------------------------------------------------------------------
# Each row's cells are worked out here, once, as plain values, and placed in their markup by
# queue_html: the links, dates and conditions of fifty rows and twenty stale ones were most
# of the page's rendering (docs/performance.md).


def shown_at(value, year: bool = True) -> str:
    """As the `date` filter's "H:i d/m/Y" ("H:i d/m" without the year), in local time."""
    if value is None:
        return ""
    try:
        t = timezone.localtime(value)
    except (OverflowError, ValueError):  # at the calendar's end: shown as stored
        t = value
    text = f"{t.hour:02d}:{t.minute:02d} {t.day:02d}/{t.month:02d}"
    return f"{text}/{t.year:04d}" if year else text


def _detail_url():
    """The dossier page's address for a code: the pattern reversed once per request."""
    marker = "motcua-code"
    pattern = reverse("dossiers:detail", args=[marker])
    return lambda code: pattern.replace(marker, quote(code, safe=URL_SAFE))


def _lines(rows, stale_ids: set, stop_ids: set) -> list[dict]:
    url = _detail_url()
    lines = []
    for d, colour in rows:
        check = d.status == Status.SUBMITTED
        appointment = shown_at(d.check_due_at if check else d.due_at) or "–"
        late_risk = colour in ("due-soon", "overdue") and not d.apologised_at
        lines.append(
            {
                "urgency": colour,
                "pill": d.urgency_label,
                "url": url(d.code),
                "code": d.code,
                "postal": postal_mark(d),
                "stop": d.pk in stop_ids,
                "procedure": d.procedure_name,
                "applicant": d.applicant_name,
                "status": d.status_label,
                "step": d.step_name or "",
                "agency": d.agency_name,
                "assignee": d.assignee,
                "check": check,
                "appointment": appointment,
                "stale": d.pk in stale_ids,
                "transfer": shown_at(d.transfer_due_at, year=False)
                if d.status == Status.RECEIVED
                else "",
                "apology": late_risk and d.status in (Status.RECEIVED, Status.PROCESSING),
            }
        )
    return lines


def _stale_lines(stale) -> list[dict]:
    url = _detail_url()
    return [
        {
            "url": url(s.dossier.code),
            "code": s.dossier.code,
            "procedure": s.dossier.procedure_name,
            "applicant": s.dossier.applicant_name,
            "status": s.dossier.status_label,
            "step": s.dossier.step_name or "",
            "last_entry": shown_at(s.last_entry),
            "ago": _("%(days)s working days ago") % {"days": format_vn(s.days)},
        }
        for s in stale
    ]


def _page_of(dossiers, sort, page: int, params):
    """One query for a page of the queue: after (or before) the row named by the `after`
    (`before`) cursor, else at the page number's offset (a typed or bookmarked page).

    Returns (page, rows, has_prev, has_next, position, refused): `position` is the cursor's
    key when one was followed; `refused` says a cursor was not one (garbage, out of range)
    and the first page is shown instead."""
    after, before = params.get("after", ""), params.get("before", "")
    position = keyset.parse(sort, after or before) if after or before else None
    refused = bool(after or before) and position is None
    if refused:
        page = 1
    if position is None:
        offset = (page - 1) * PAGE_SIZE
        rows = _rows(dossiers, sort, False, offset, offset + PAGE_SIZE + 1)
        return page, rows[:PAGE_SIZE], page > 1, len(rows) > PAGE_SIZE, None, refused
    backwards = not after
    dossiers = dossiers.filter(keyset.beyond(sort, position, backwards))
    rows = _rows(dossiers, sort, backwards, 0, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if not backwards:
        return max(page, 2), rows, True, more, position, False
    rows.reverse()
    # Walking back to the top of the queue: that is page 1, whatever the link said.
    return (max(page, 2) if more else 1), rows, more, True, position, False


def _page_rows(ids, order) -> QuerySet:
    """What the page shows of the rows `ids` selects, in `order` (see _rows)."""
    names = {name: by_key(*how) for name, how in ROW_NAMES.items()}
    return (
        Dossier.objects.filter(pk__in=ids)
        .annotate(**names)
        .annotate(stop_asked=services.stop_request_exists())  # the mark, in the page's query
        .annotate(**postal_services.queue_annotations())  # the postal mark and tracking
        .order_by(*order)
        .values_list(*ROW_COLUMNS.values())
    )


# Compiled once per process and order: only the choice of the page's ids is per request.
PAGE_ROWS = Around(lambda ids, key: _page_rows(ids, key[0].order_by(reverse=key[1])))


def _rows(dossiers, sort, reverse: bool, start: int, stop: int) -> list[QueueRow]:
    """The page's rows, in one query: the ids of the page chosen among the dossiers alone
    (an index walk or a sort of the officer's open dossiers, bounded), then those rows with
    what the page shows (procedure, applicant, agency, step, assignee, the stop and postal
    marks). Joined before the limit, a misjudged estimate made PostgreSQL join and mark
    every open dossier of the province before keeping 51. The part around the ids is
    compiled once per process (core/around.py)."""
    page = dossiers.order_by(*sort.order_by(reverse=reverse)).values("pk")[start:stop]
    return [QueueRow(values) for values in PAGE_ROWS.rows(page, (sort, reverse))]


STALE_SHOWN = 20
# What the stale block shows, read as plain values (as the page's rows, ROW_COLUMNS).
STALE_COLUMNS = {
    "code": "code",
    "status": "status",
    "procedure_name": ROW_NAMES["procedure_name"],
    "applicant_name": ROW_NAMES["applicant_name"],
    "step_name": ROW_NAMES["step_name"],
}


def _own_stale_ids(rows, user, now) -> set[int]:
    """Of the page's rows, the officer's own stale dossiers (as the stale block finds them)."""
    from motcua.stats.reconciliation import is_stale

    return {
        d.pk
        for d in rows
        if d.assignee_id == user.pk
        and is_stale(d.status, d.current_agency_id, d.last_entered_at, now)
    }


def _own_stale(user, now, statuses: dict):
    """The officer's own stale dossiers, labelled with `statuses` (the page's translations)."""
    from motcua.stats import reconciliation

    mine = permissions.visible_dossiers(user).filter(assignee=user)
    stale = reconciliation.stale(mine, now, limit=STALE_SHOWN, columns=STALE_COLUMNS)
    for s in stale:
        s.dossier.status_label = statuses.get(s.dossier.status, s.dossier.status)
    return stale


DISCIPLINE_KEPT_SECONDS = 300


def _discipline(user):
    """For a leader: the unit's share of this month's finishes and returns entered in time
    (docs/reconciliation.md); None for other roles. A month's figure over the unit's events,
    kept for DISCIPLINE_KEPT_SECONDS per unit and month in Django's cache: the queue is
    opened all day, the figure moves slowly, and the reconciliation report counts it live."""
    from motcua.stats import reconciliation
    from motcua.stats.forms import default_period
    from motcua.stats.queries import Period

    units = sorted({a for a, role, _ in permissions.posts(user) if role == Role.LEADER})
    if not units:
        return None
    start, end = default_period()
    key = f"motcua.queue.discipline:{start}:{end}:{','.join(map(str, units))}"
    kept = cache.get(key)
    if kept is None:
        kept = (reconciliation.discipline(Period(start, end), frozenset(units)),)
        cache.set(key, kept, timeout=DISCIPLINE_KEPT_SECONDS)
    return {
        "value": kept[0],
        "start": start,
        "end": end,
        "query": f"from={start.isoformat()}&to={end.isoformat()}",
    }


def _visible_or_404(user, code) -> Dossier:
    dossier = (
        permissions.visible_dossiers(user)
        .select_related(
            "procedure",
            "applicant",
            "current_agency",
            "performing_agency",
            "received_desk__agency",
            "return_desk__agency",
            "current_step",
            "assignee",
            "parent",
        )
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise Http404
    return dossier


# How the dossier page lays out the actions an officer may take: one primary button (the
# next thing to do), the others secondary, and the destructive ones behind a confirmation.
PRIMARY = [
    Action.RECEIVE,
    Action.FORWARD,
    Action.APPROVE,
    Action.COMPLETE,
    Action.RETURN_RESULT,
    Action.SUPPLEMENT,
    Action.HAND_BACK,
]
DESTRUCTIVE = frozenset({Action.REFUSE, Action.WITHDRAW, Action.CLOSE})
# Actions an officer may enter after the fact, with when they happened.
DATED_ACTIONS = frozenset({Action.COMPLETE, Action.RETURN_RESULT})
EARLIEST_YEAR = 2000
NEEDS_COMMENT = frozenset(
    {Action.REQUEST_SUPPLEMENT, Action.REFUSE, Action.APOLOGISE, Action.WITHDRAW, Action.CLOSE}
)


def grouped(actions: list[Action]) -> dict:
    primary = next((a for a in PRIMARY if a in actions), None)
    return {
        "primary": primary,
        "secondary": [a for a in actions if a != primary and a not in DESTRUCTIVE],
        "destructive": [a for a in actions if a in DESTRUCTIVE],
    }


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.value, a.value) for a in Action])
    comment = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    to_user = forms.ModelChoiceField(queryset=User.objects.filter(is_active=True), required=False)
    to_agency = forms.ModelChoiceField(queryset=Agency.objects.all(), required=False)
    new_due_at = forms.DateTimeField(
        required=False, input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
    )
    result = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(required=False)
    # When a finish or a return happened, if it is entered later (docs/reconciliation.md).
    at = forms.DateTimeField(
        required=False, input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]
    )

    def clean_at(self):
        value = self.cleaned_data.get("at")
        if value is None:
            return None
        # The wall-clock year first: an aware instant of year 1 or 9999 cannot be compared.
        if not EARLIEST_YEAR <= value.replace(tzinfo=None).year <= timezone.localdate().year:
            raise forms.ValidationError(_("This date and time is not valid."))
        if value > timezone.now():
            raise forms.ValidationError(_("It cannot have happened in the future."))
        return value

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in DESTRUCTIVE and not data.get("confirm"):
            raise forms.ValidationError(_("Tick the box to confirm this action."))
        if data.get("at") is not None and action not in DATED_ACTIONS:
            self.add_error("at", _("Only a finish or a return can be dated earlier."))
        return data


@login_required
def detail(request, code):
    dossier = _visible_or_404(request.user, code)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier))


@login_required
def document(request, code, pk):
    """An attached file, to whoever may see the dossier (never a public media URL)."""
    dossier = _visible_or_404(request.user, code)
    document = get_object_or_404(dossier.documents.exclude(file=""), pk=pk)
    return uploads.response(document, request.user)


def _detail_context(request, dossier, form=None):
    now = timezone.now()
    actions = permissions.allowed_actions(request.user, dossier)
    close_due_at = (
        services.close_due_at(dossier)
        if dossier.status in (Status.AWAITING_SUPPLEMENT, Status.INCOMPLETE)
        else None
    )
    if Action.CLOSE in actions and (close_due_at is None or now < close_due_at):
        actions.remove(Action.CLOSE)  # offered only once the supplement is overdue
    if Action.APOLOGISE in actions and dossier.apologised_at:
        actions.remove(Action.APOLOGISE)  # one re-appointment only
    return {
        "dossier": dossier,
        "events": dossier.events.select_related("actor", "agency", "step", "assignee"),
        "documents": dossier.documents.all(),
        "parts": dossier.parts.select_related("performing_agency", "procedure"),
        "supplements": dossier.supplement_requests.select_related("requested_by"),
        # The applicant's request to stop, made online; the desk answers with `withdraw`.
        "stop_request": services.pending_stop_request(dossier),
        "actions": actions,
        "groups": grouped(actions),
        "targets": services.forward_targets(dossier)
        if {Action.FORWARD, Action.APPROVE} & set(actions)
        else [],
        "agencies": services.handover_agencies(dossier) if Action.HAND_OVER in actions else [],
        "window_ends": services.supplement_window_ends(dossier)
        if Action.REQUEST_SUPPLEMENT in actions
        else None,
        "apology_due_by": services.apology_due_by(dossier) if Action.APOLOGISE in actions else None,
        "close_due_at": close_due_at,
        "form": form,
        "now": now,
        "late_entry_days": services.rule("LATE_ENTRY_WORKING_DAYS"),
        "urgency": urgency(dossier, now),
        "action_labels": dict(ACTION_LABELS),
    }


@login_required
@require_POST
def act(request, code):
    dossier = _visible_or_404(request.user, code)
    form = ActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dossier = services.act(
                dossier,
                data["action"],
                request.user,
                comment=data["comment"],
                reason=data["reason"],
                to_user=data["to_user"],
                to_agency=data["to_agency"],
                new_due_at=data["new_due_at"],
                result=data["result"],
                at=data["at"],
                recorded_at=timezone.now() if data["at"] is not None else None,
            )
        except services.DossierError as error:
            if isinstance(error, services.NotAllowed):
                audit.refused(request.user, f"dossier.{data['action']}", dossier)
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Done: %(action)s.") % {"action": dict(ACTION_LABELS)[Action(data["action"])]},
            )
            return redirect(dossier.get_absolute_url())
    status = 400 if form.errors else 200
    return render(
        request, "dossiers/detail.html", _detail_context(request, dossier, form), status=status
    )


class ReceiveForm(forms.Form):
    procedure = forms.CharField(label=gettext_lazy("Procedure code"), max_length=40)
    kind = forms.ChoiceField(
        label=gettext_lazy("Applicant"),
        choices=[
            ("person", gettext_lazy("Person")),
            ("organisation", gettext_lazy("Organisation")),
        ],
    )
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=300, required=False)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=20, required=False)
    tax_code = forms.CharField(label=gettext_lazy("Tax code"), max_length=20, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    email = forms.CharField(label=gettext_lazy("E-mail"), max_length=200, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=500, required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=Channel.choices, initial=Channel.COUNTER
    )
    # The applicant's wish to hear about the dossier (applicants without an account; an
    # account holder chooses on the portal). Text messages by default: most applicants give
    # a mobile number (docs/notifications.md).
    notify_sms = forms.BooleanField(
        label=gettext_lazy("Send text messages about this dossier to the mobile number"),
        required=False,
        initial=True,
    )
    notify_email = forms.BooleanField(
        label=gettext_lazy("Send e-mails about this dossier to the address"),
        required=False,
        initial=True,
    )

    def clean(self):
        from motcua.outbox.sms import valid_phone

        data = super().clean()
        phone = (data.get("phone") or "").strip()
        if data.get("notify_sms") and phone and not valid_phone(phone):
            self.add_error(
                "notify_sms",
                _("Text messages go to a mobile number only: correct it or untick this."),
            )
        if data.get("notify_sms") and not phone:
            data["notify_sms"] = False  # nowhere to send them: recorded as not wanted
        return data


def _desks_of(user):
    """The desks where the user holds a desk officer's post in force."""
    from motcua.org.models import Officer

    posts = Officer.objects.valid_on(timezone.localdate()).filter(user=user, role=Role.DESK_OFFICER)
    return Desk.objects.filter(pk__in=posts.values("desk_id"), is_active=True)


@login_required
def receive(request):
    """The desk screen: pick the procedure, tick the documents received, record the
    applicant, receive; or see what is missing and guide the applicant."""
    desks = list(_desks_of(request.user).select_related("agency"))
    if not desks:
        raise Http404
    chosen = request.POST.get("desk") or request.GET.get("desk")
    desk = next((d for d in desks if str(d.pk) == chosen), desks[0])
    procedure = None
    code = request.GET.get("procedure") or request.POST.get("procedure")
    if code:
        procedure = Procedure.objects.filter(code=code, status=ProcedureStatus.ACTIVE).first()
    query = request.GET.get("q", "")
    found = (
        search(Procedure.objects.filter(status=ProcedureStatus.ACTIVE), query)[:15]
        if query and procedure is None
        else []
    )
    form = ReceiveForm(request.POST or None, initial={"procedure": code})
    missing = []
    where = _where(procedure, desk, request.POST) if procedure is not None else {}
    if where.get("error"):
        form.add_error(None, where["error"])
    if request.method == "POST" and procedure is not None and form.is_valid():
        documents = []
        for doc in procedure.documents.all():
            scan = request.FILES.get(f"file-{doc.pk}")
            if request.POST.get(f"doc-{doc.pk}") or scan:  # a scan attached is a document received
                documents.append(
                    {
                        "required_document": doc.pk,
                        "name": doc.name,
                        "originals": _small_int(request.POST.get(f"orig-{doc.pk}"), doc.originals),
                        "copies": _small_int(request.POST.get(f"copy-{doc.pk}"), doc.copies),
                        "file": scan,
                    }
                )
        try:
            dossier = services.receive(
                procedure=procedure,
                applicant=form.cleaned_data,
                channel=form.cleaned_data["channel"],
                actor=request.user,
                desk=desk,
                performing_agency=where.get("agency"),
                return_desk=where.get("return_desk"),
                documents=documents,
            )
        except services.Incomplete as incomplete:
            missing = incomplete.missing
        except InvalidApplicant as invalid:
            for field, error in invalid.errors.items():
                form.add_error(field if field in form.fields else None, FIELD_MESSAGES[error])
        except services.DossierError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Received dossier %(code)s.") % {"code": dossier.code})
            return redirect(dossier.get_absolute_url())
    elif request.method == "POST" and procedure is None:
        form.add_error("procedure", _("No procedure in force with this code."))
    return render(
        request,
        "dossiers/receive.html",
        {
            "desk": desk,
            "desks": desks,
            "where": where,
            "procedure": procedure,
            "found": found,
            "query": query,
            "form": form,
            "missing": missing,
            "documents": procedure.documents.all() if procedure else [],
            "upload_accept": ",".join(f".{e}" for e in settings.MOTCUA["UPLOAD_EXTENSIONS"]),
            "upload_max_mb": settings.MOTCUA["UPLOAD_MAX_BYTES"] // (1024 * 1024),
        },
    )


def _where(procedure, desk, data) -> dict:
    """Where a dossier is performed and its result returned, when a desk receives it for
    another area (receipt regardless of administrative boundary): a district or commune
    procedure goes to the People's Committee the officer picks (default: the desk's own);
    the result comes back to the receiving desk or to the performing agency's desk."""
    from motcua.org.constants import AgencyKind, Level

    where: dict = {"agencies": [], "agency": None, "return_desks": [desk], "return_desk": desk}
    if procedure.agency_id:
        where["agency"] = procedure.agency
    else:
        kind = (
            AgencyKind.DISTRICT_PC if procedure.level == Level.DISTRICT else AgencyKind.COMMUNE_PC
        )
        where["agencies"] = list(
            Agency.objects.filter(kind=kind)
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        picked = data.get("performing_agency")
        if picked:
            where["agency"] = next((a for a in where["agencies"] if str(a.pk) == picked), None)
            if where["agency"] is None:
                where["error"] = _("Choose the People's Committee that performs the procedure.")
                return where
        else:
            try:
                where["agency"] = services.performing_agency_for(procedure, desk)
            except services.DossierError:
                where["agency"] = None
    agency = where["agency"]
    if agency is not None and agency.pk != desk.agency_id:
        where["return_desks"] += list(Desk.objects.filter(agency=agency, is_active=True))
    picked = data.get("return_desk")
    if picked:
        where["return_desk"] = next((d for d in where["return_desks"] if str(d.pk) == picked), desk)
    if not procedure.agency_id and agency is None and data:  # a POST with no committee
        where["error"] = _("Choose the People's Committee that performs the procedure.")
    return where


def _small_int(value, default: int) -> int:
    try:
        return max(0, min(99, int(value)))
    except (TypeError, ValueError):
        return default


def mask_name(name: str) -> str:
    """ "Nguyễn Văn An" → "Nguyễn V** A*": enough to recognise, not to identify."""
    words = name.split()
    return " ".join([words[0], *(w[0] + "*" * (len(w) - 1) for w in words[1:])]) if words else ""


# --- Delegation of a leader's approval --------------------------------------------------------


class DelegationForm(forms.Form):
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.none())
    deputy = forms.ModelChoiceField(label=gettext_lazy("Deputy"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(
        label=gettext_lazy("From"), input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until"), input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        led = Agency.objects.filter(
            officers__user=user, officers__role=Role.LEADER, officers__in=_current_posts()
        ).distinct()
        self.fields["agency"].queryset = led
        self.fields["deputy"].queryset = (
            User.objects.filter(posts__agency__in=led, posts__in=_current_posts())
            .exclude(pk=user.pk)
            .distinct()
            .order_by("full_name")
        )
        for field in self.fields.values():
            field.error_messages.update(FIELD_MESSAGES)


def _current_posts():
    from motcua.org.models import Officer

    return Officer.objects.valid_on(timezone.localdate())


@login_required
def delegations(request):
    """A leader delegates approval to a deputy for a period, and sees what is in force."""
    form = DelegationForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.delegate(
                leader=request.user,
                deputy=data["deputy"],
                agency=data["agency"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                actor=request.user,
            )
        except services.DossierError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The delegation is recorded."))
            return redirect("dossiers:delegations")
    rows = (
        Delegation.objects.filter(Q(leader=request.user) | Q(deputy=request.user))
        .select_related("leader", "deputy", "agency")
        .order_by("-starts_at")
    )
    return render(
        request,
        "dossiers/delegations.html",
        {
            "form": form,
            "delegations": rows,
            "now": timezone.now(),
            "can_delegate": form.fields["agency"].queryset.exists(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def end_delegation(request, pk):
    delegation = Delegation.objects.filter(pk=pk, leader=request.user).first()
    if delegation is None:
        raise Http404
    try:
        services.end_delegation(delegation, actor=request.user)
    except services.DossierError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The delegation has ended."))
    return redirect("dossiers:delegations")
