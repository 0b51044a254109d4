"""Online application (`/procedures/<code>/apply/`, signed-in citizens) and the supervisors'
form editor (`/office/eforms/`).

The application page is rendered on the server from the procedure's form (eforms/schema.py);
a repeated group gains a row through htmx when scripts run, and by a plain round trip when
they do not (files chosen so far must then be chosen again: the page says so)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.decorators import citizen_required
from motcua.catalog.models import Procedure
from motcua.catalog.search import search
from motcua.core import audit
from motcua.dossiers import permissions
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, ResultDelivery
from motcua.eforms import defaults, reuse, services
from motcua.eforms.messages import definition_messages
from motcua.eforms.models import FormDefinition
from motcua.eforms.schema import MAX_DATE, MIN_DATE, DefinitionError, Field, Form

DELIVERY_LABELS = dict(ResultDelivery.choices)


# --- Laying out a form ------------------------------------------------------------------------


@dataclass
class Cell:
    """One input on the page: the field, its input name, the text in it, its messages."""

    field: Field
    key: str
    value: str = ""
    errors: list[str] = field(default_factory=list)
    locked: bool = False
    min_date: str = ""
    max_date: str = ""


@dataclass
class Row:
    index: int
    cells: list[Cell]


@dataclass
class Block:
    """A field as laid out: a single input (`cell`) or a repeated group (`rows`)."""

    field: Field
    cell: Cell | None = None
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    next_index: int = 0


def _date_bounds(f: Field, today: date) -> tuple[str, str]:
    low, high = MIN_DATE, MAX_DATE
    if f.when == "past":
        high = today
    elif f.when == "future":
        low = today
    return low.isoformat(), high.isoformat()


def _cell(f: Field, key: str, raw, messages, locked=(), today=None) -> Cell:
    low, high = _date_bounds(f, today or timezone.localdate()) if f.kind == "date" else ("", "")
    return Cell(
        f,
        key,
        str(raw.get(key, "") or ""),
        messages.get(key, []),
        key in locked,
        low,
        high,
    )


def _row(group: Field, index: int, raw, messages) -> Row:
    return Row(
        index,
        [_cell(c, f"{group.name}-{index}-{c.name}", raw, messages) for c in group.children],
    )


def layout(form: Form, raw, messages, locked=(), extra: dict | None = None) -> list[dict]:
    """The form's sections with their blocks, filled with `raw` text and `messages`;
    `extra` adds empty rows to groups ({group name: rows})."""
    sections = []
    for section in form.sections:
        blocks = []
        for f in section.fields:
            if not f.is_group:
                blocks.append(Block(f, cell=_cell(f, f.name, raw, messages, locked)))
                continue
            indexes = Form.row_indexes(f, raw.keys()) or list(range(max(f.min_items, 1)))
            for _i in range((extra or {}).get(f.name, 0)):
                if len(indexes) < f.max_items:
                    indexes.append(max(indexes, default=-1) + 1)
            blocks.append(
                Block(
                    f,
                    rows=[_row(f, i, raw, messages) for i in indexes],
                    errors=messages.get(f.name, []),
                    next_index=max(indexes, default=-1) + 1,
                )
            )
        sections.append({"title": section.title, "blocks": blocks})
    return sections


# --- Applying ---------------------------------------------------------------------------------


def apply(request, code):
    """The online application of a procedure; anyone learns here that a procedure is not
    offered online, only a signed-in citizen applies."""
    procedure = get_object_or_404(Procedure.objects.select_related("agency", "sector"), code=code)
    if not services.offered_online(procedure):
        return render(request, "eforms/not_online.html", {"procedure": procedure}, status=404)
    return _apply(request, procedure)


def _answers(post) -> dict[str, str]:
    return {key: post.get(key, "") for key in post if not key.startswith(("csrf", "_"))}


def _removed(raw: dict, target: str) -> dict:
    """The answers without the group row `target` ("group-index")."""
    prefix = f"{target}-"
    return {k: v for k, v in raw.items() if not k.startswith(prefix)}


@citizen_required
def _apply(request, procedure):
    account = request.account
    version_form = services.form_of(services.definition_for(procedure, _version(procedure)))
    values = services.account_values(account)
    locked = version_form.locked(values, account.identity_verified)
    options = services.delivery_options(procedure)
    extra: dict[str, int] = {}
    messages: dict[str, list[str]] = {}
    files_lost = False
    status = 200
    if request.method == "POST":
        raw = _answers(request.POST)
        raw.update(locked)
        token = request.POST.get("_token", "")
        choices = {
            "delivery": request.POST.get("_delivery", ""),
            "address": request.POST.get("_address", ""),
            "agency": request.POST.get("_agency", ""),
            "return_desk": request.POST.get("_return_desk", ""),
        }
        add, remove = request.POST.get("_add", ""), request.POST.get("_remove", "")
        if add or remove:  # a round trip without scripts: one row more or fewer
            if add in version_form.by_name:
                extra[add] = 1
            if remove:
                raw = _removed(raw, remove)
            files_lost = bool(request.FILES)
        else:
            required = list(procedure.documents.all())
            files = {doc.pk: request.FILES.getlist(f"file-{doc.pk}") for doc in required}
            # Choices from the personal data store, once one is plugged in (eforms/reuse.py).
            reused = (
                {doc.pk: request.POST.getlist(f"_reuse-{doc.pk}") for doc in required}
                if reuse.sources()
                else {}
            )
            try:
                dossier = services.apply(
                    procedure,
                    request.user,
                    account,
                    answers=raw,
                    files=files,
                    delivery=choices["delivery"],
                    address=choices["address"],
                    agency_id=choices["agency"],
                    return_desk_id=choices["return_desk"],
                    token=token,
                    reused=reused,
                )
            except services.Refused as refused:
                messages = refused.messages
                files_lost = bool(request.FILES)
                status = 400
            except services.NotOnline:
                return render(
                    request, "eforms/not_online.html", {"procedure": procedure}, status=404
                )
            else:
                return redirect("eforms:sent", code=procedure.code, dossier=dossier.code)
        if not services.TOKEN.fullmatch(token):
            token = secrets.token_urlsafe(24)
    else:
        raw = {**version_form.initial(values), **locked}
        token = secrets.token_urlsafe(24)
        choices = {
            "delivery": options[0],
            "address": account.address,
            "agency": "",
            "return_desk": "",
        }
    where = services.route(procedure, choices["agency"], choices["return_desk"])
    return render(
        request,
        "eforms/apply.html",
        {
            "procedure": procedure,
            "account": account,
            "sections": layout(version_form, raw, messages, locked, extra),
            "form_messages": messages.get("", []),
            "choice_errors": {
                k: messages.get(f"_{k}", []) for k in ("agency", "delivery", "address")
            },
            "has_errors": bool(messages),
            "files_lost": files_lost,
            "token": token,
            "documents": [
                {
                    "document": d,
                    "key": f"doc-{d.pk}",
                    "errors": messages.get(f"doc-{d.pk}", []),
                    # The applicant's stored papers that can stand for it (eforms/reuse.py).
                    "candidates": reuse.candidates_for(account, d),
                    "reused": request.POST.get(f"_reuse-{d.pk}", "")[:20],
                }
                for d in procedure.documents.all()
            ],
            "upload_accept": ",".join(f".{e}" for e in settings.MOTCUA["UPLOAD_EXTENSIONS"]),
            "upload_types": ", ".join(e.upper() for e in settings.MOTCUA["UPLOAD_EXTENSIONS"]),
            "upload_max_mb": settings.MOTCUA["UPLOAD_MAX_BYTES"] // (1024 * 1024),
            "files_per_document": services.FILES_PER_DOCUMENT,
            "delivery_options": [(o, DELIVERY_LABELS[o]) for o in options],
            "post_offered": ResultDelivery.POST in options,
            "choices": choices,
            "agencies": services.agency_choices(procedure),
            "where": where,
            "return_desks": services.desks_of(where.agency) if where.agency else [],
            "verified": account.identity_verified,
        },
        status=status,
    )


def _version(procedure):
    from motcua.catalog import services as catalog_services

    return catalog_services.version_on(procedure, timezone.localdate())


@citizen_required
def row(request, code):
    """One more row of a repeated group (htmx), with the "add" button moved on; or nothing,
    to remove a row."""
    procedure = get_object_or_404(Procedure, code=code)
    if not services.offered_online(procedure):
        raise Http404
    if request.GET.get("remove"):
        return HttpResponse("")
    form = services.form_of(services.definition_for(procedure, _version(procedure)))
    group = form.by_name.get(request.GET.get("group", ""))
    index = request.GET.get("index", "")
    if group is None or not group.is_group or not index.isdigit() or len(index) > 3:
        raise Http404
    index = int(index)
    return render(
        request,
        "eforms/_row.html",
        {
            "procedure": procedure,
            "block": Block(group, next_index=index + 1),
            "row": _row(group, index, {}, {}),
            "oob": True,
        },
    )


@citizen_required
def sent(request, code, dossier):
    """The confirmation: the dossier's code, its lookup password and what happens next."""
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "performing_agency", "return_desk"),
        code=dossier,
        procedure__code=code,
    )
    if not permissions.is_applicant(request.user, dossier):
        raise Http404
    record = dossier.eforms.order_by("-id").first()
    try:
        my_dossier = reverse("accounts:my_dossier", args=[dossier.code])
    except NoReverseMatch:  # a deployment without the citizens' dossier pages
        my_dossier = ""
    return render(
        request,
        "eforms/sent.html",
        {
            "dossier": dossier,
            "record": record,
            "documents": dossier.documents.all(),
            "delivery": DELIVERY_LABELS.get(dossier.result_delivery, ""),
            "my_dossier": my_dossier,
            "check_hours": dossier_services.rule("CHECK_HOURS_ONLINE"),
        },
    )


# --- Supervisors edit forms -------------------------------------------------------------------


def _editable(user):
    """The online procedures whose form `user` may edit."""
    queryset = Procedure.objects.filter(status="active", channel_online=True)
    if permissions.sees_all(user):
        return queryset
    from motcua.org.constants import Role

    agencies = {
        a for a, role, _k in permissions.posts(user) if role in (Role.SUPERVISOR, Role.ADMIN)
    }
    return queryset.filter(agency_id__in=agencies)


@login_required
def definitions(request):
    """The online procedures a supervisor looks after, and their forms."""
    procedures = _editable(request.user)
    if not permissions.sees_all(request.user) and not procedures.exists():
        audit.refused(request.user, "eform.list")
        raise Http404
    query = request.GET.get("q", "")[:200]
    procedures = search(procedures, query) if query else procedures.order_by("code")
    page = Paginator(procedures.select_related("sector"), 30).get_page(request.GET.get("page"))
    latest = dict(
        FormDefinition.objects.filter(procedure__in=[p.pk for p in page])
        .values("procedure")
        .annotate(last=Max("revision"))
        .values_list("procedure", "last")
    )
    for procedure in page:
        procedure.last_revision = latest.get(procedure.pk)
    return render(request, "eforms/definitions.html", {"page": page, "query": query})


def _pretty(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


@login_required
def edit(request, code):
    """A procedure's form: its JSON Schema and UI hints, a preview, its revisions."""
    procedure = get_object_or_404(Procedure.objects.select_related("agency"), code=code)
    if not services.may_edit(request.user, procedure):
        audit.refused(request.user, "eform.edit", procedure)
        raise Http404
    revisions = list(
        FormDefinition.objects.filter(procedure=procedure)
        .select_related("created_by", "procedure_version")
        .order_by("-revision")
    )
    shown = revisions[0] if revisions else None
    wanted = request.GET.get("revision", "")
    if wanted.isdigit():
        shown = next((r for r in revisions if str(r.revision) == wanted), shown)
    if shown is not None:
        schema, ui = shown.schema, shown.ui
    else:
        schema, ui = defaults.builtin()
    texts = {"schema": _pretty(schema), "ui": _pretty(ui), "note": ""}
    problems: list[str] = []
    preview = None
    status = 200
    if request.method == "POST":
        texts = {k: request.POST.get(k, "") for k in ("schema", "ui", "note")}
        try:
            if request.POST.get("do") == "save":
                definition = services.save_definition(
                    procedure, texts["schema"], texts["ui"], request.user, texts["note"]
                )
                flash.success(
                    request,
                    _("Saved revision %(n)s of the form; the next applications use it.")
                    % {"n": definition.revision},
                )
                return redirect("eforms:edit", code=procedure.code)
            _schema, _ui, preview = services.check_definition(texts["schema"], texts["ui"])
        except DefinitionError as error:
            problems = definition_messages(error)
            status = 400
        except (ValueError, services.NotAllowed) as error:
            problems = [str(error)]
            status = 400
    else:
        try:
            preview = Form(schema, ui)
        except DefinitionError as error:  # a built-in or stored form always checks; defensive
            problems = definition_messages(error)
    return render(
        request,
        "eforms/edit.html",
        {
            "procedure": procedure,
            "revisions": revisions,
            "shown": shown,
            "texts": texts,
            "problems": problems,
            "preview": layout(preview, {}, {}) if preview is not None else None,
            "is_builtin": not revisions,
        },
        status=status,
    )
