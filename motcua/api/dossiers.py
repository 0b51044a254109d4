"""Dossiers, for integrating systems holding a token.

What a token sees is `permissions.visible_dossiers` of its service account (narrowed to the
token's agencies); what it does goes through `services.receive`/`submit`/`act`, which check
`permissions.can`. A dossier the token may not see is answered 404, as if it did not exist.
"""

import base64
import binascii
import hashlib
import json
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import Header, Path, Query, Router
from ninja.responses import Status as Reply

from motcua.api import auth, rows
from motcua.api.errors import CONFLICT, ApiError, documented, invalid, not_found, responses
from motcua.api.prepared import Prepared
from motcua.api.schemas import (
    MAX_ID,
    ActionIn,
    ActionName,
    DossierFilters,
    DossierIn,
    DossierOut,
    DossierPage,
    EventOut,
)
from motcua.catalog.models import Procedure, ProcedureVersion, RequiredDocument
from motcua.core.hostile import has_invalid_characters, safe_file_name
from motcua.dossiers import permissions, services, uploads
from motcua.dossiers.models import ACTION_CHOICES, STATUS_CHOICES, Channel, Dossier, ProcessStep
from motcua.dossiers.workflow import OPEN, Action
from motcua.org.models import Agency, Desk, User
from motcua.stats import facts as stats_facts

router = Router(tags=["dossiers"], auth=auth.TokenAuth())

STATUS_LABELS = dict(STATUS_CHOICES)
ACTION_LABELS = dict(ACTION_CHOICES)
MAX_KEY_LENGTH = 80
NOT_ALLOWED_HERE = _lazy("You may not receive or submit dossiers for this desk or agency.")
DETAIL_RELATED = (
    "procedure",
    "procedure_version",
    "applicant",
    "received_desk",
    "return_desk",
    "performing_agency",
    "current_agency",
    "current_step",
    "assignee",
    "parent",
)


# --- Shapes ----------------------------------------------------------------------------------


def mask_id(value: str) -> str:
    """ "035090001234" → "*********234"."""
    return "*" * max(len(value) - 3, 0) + value[-3:] if value else ""


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


def _agency(agency) -> dict:
    return {"code": agency.code, "name": agency.name}


def _desk(desk) -> dict | None:
    return {"id": desk.pk, "name": desk.name} if desk else None


def _item(d: Dossier) -> dict:
    return {
        "code": d.code,
        "status": d.status,
        "status_label": str(STATUS_LABELS.get(d.status, d.status)),
        "channel": d.channel,
        "procedure": {"code": d.procedure.code, "name": d.procedure.name},
        "applicant": {
            "full_name": d.applicant.full_name,
            "id_number": mask_id(d.applicant.id_number),
        },
        "performing_agency": _agency(d.performing_agency),
        "current_agency": _agency(d.current_agency),
        "submitted_at": _local(d.submitted_at),
        "received_at": _local(d.received_at),
        "due_at": _local(d.due_at),
        "finished_at": _local(d.finished_at),
        "timeliness": d.timeliness,
    }


def _detail(d: Dossier, token, documents=None) -> dict:
    """The dossier in full; `documents`: its documents when in hand (else read)."""
    a = d.applicant
    actions = (
        permissions.allowed_actions(token.user, d)
        if auth.may_act_at(token, d.current_agency_id)
        else []
    )
    return {
        **_item(d),
        "lookup_secret": d.secret,
        "procedure_version": d.procedure_version.number if d.procedure_version_id else None,
        "applicant": {
            "kind": a.kind,
            "full_name": a.full_name,
            "id_number": a.id_number,
            "tax_code": a.tax_code,
            "phone": a.phone,
            "email": a.email,
            "address": a.address,
        },
        "received_desk": _desk(d.received_desk),
        "return_desk": _desk(d.return_desk),
        "current_step": d.current_step.name if d.current_step_id else None,
        "assignee": d.assignee.get_username() if d.assignee_id else None,
        "parent": d.parent.code if d.parent_id else None,
        "deadline_at": _local(d.deadline_at),
        "paused_at": _local(d.paused_at),
        "result_ready_at": _local(d.result_ready_at),
        "result": d.result,
        "fee_amount": d.fee_amount,
        "fee_paid": d.fee_paid,
        "documents": [
            {
                "id": doc.pk,
                "required_document": doc.required_document_id,
                "name": doc.name,
                "originals": doc.originals,
                "copies": doc.copies,
                "file": _file_url(d, doc),
                "content_type": doc.content_type,
                "size": doc.size,
            }
            for doc in (d.documents.order_by("id") if documents is None else documents)
        ],
        "allowed_actions": [str(action) for action in actions],
    }


def _file_url(dossier: Dossier, document) -> str | None:
    if not document.file:
        return None
    return reverse("api-1:document_file", kwargs={"code": dossier.code, "document_id": document.pk})


def _visible_or_404(token, code: str) -> Dossier:
    dossier = (
        auth.visible_dossiers(token)
        .select_related(*DETAIL_RELATED)
        .filter(code=code.strip().upper())
        .first()
    )
    if dossier is None:
        raise not_found()
    return dossier


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Endpoints -------------------------------------------------------------------------------


CREATE_ERRORS = (400, 401, 403, 409, 413, 422)


@router.post(
    "",
    response=responses({200: DossierOut, 201: DossierOut}, *CREATE_ERRORS),
    openapi_extra=documented(*CREATE_ERRORS),
    summary="Create a dossier",
)
def create_dossier(
    request,
    payload: DossierIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        max_length=MAX_KEY_LENGTH,
        description="Chosen by the client, e.g. a UUID per submission. A retry with the "
        "same key and the same body returns the first dossier (200); the same key with "
        "another body is a 409.",
    ),
):
    """A counter receipt (`services.receive`: the dossier is received and its clock starts)
    or an online or postal submission (`services.submit`: awaiting the desk's check).
    Returns 201 with the dossier; a retry with the same `Idempotency-Key` and body returns
    200 with the dossier the first request created and creates nothing. Whether the token
    may create it is decided before anything is written."""
    token = request.auth
    user = token.user
    key = idempotency_key.strip()
    if not key:
        raise invalid(
            {"Idempotency-Key": "required"}, _("The Idempotency-Key header is required."), 400
        )
    if has_invalid_characters(key):
        raise invalid({"Idempotency-Key": "invalid"}, status=400)
    stored_key = f"api:{user.pk}:{key}"  # keys are the service account's own
    fingerprint = request_fingerprint(payload)
    # The key is not looked up first: it is unique in the database. A retry or a concurrent
    # twin fails to insert it and `services.receive` answers with the first dossier; a
    # retry refused on the way (the procedure abolished since…) is answered here.
    try:
        dossier = _create(token, payload, stored_key, fingerprint)
    except (ApiError, services.DossierError):
        first = (
            Dossier.objects.filter(idempotency_key=stored_key).select_related("procedure").first()
        )
        if first is None:
            raise
        return Reply(200, _detail(_retried(token, first, payload, fingerprint), token))
    if getattr(dossier, "all_documents", None) is None:  # the first request's dossier
        return Reply(200, _detail(_retried(token, dossier, payload, fingerprint), token))
    return Reply(201, _detail(dossier, token, dossier.all_documents))


def _create(token, payload: DossierIn, stored_key: str, fingerprint: str) -> Dossier:
    """Read what the request names, check that the token may create the dossier, and
    create it (one transaction: `services.receive`/`submit`). The answer is built from the
    objects in hand: nothing is read back."""
    received_at = _aware(payload.received_at)
    procedure = _procedure(payload.procedure.strip(), received_at)
    if procedure is None:
        raise invalid({"procedure": "invalid"})
    desk = agency = None
    if payload.desk is not None:
        desk = DESK_QUERY.first(pk=payload.desk)
        if desk is None:
            raise invalid({"desk": "invalid"})
    if payload.agency:
        agency = Agency.objects.filter(code=payload.agency.strip()).first()
        if agency is None:
            raise invalid({"agency": "invalid"})
    if received_at is not None:
        try:  # not in the future, not back-dated beyond MOTCUA["RECEIPT_BACKDATE_DAYS"]
            services.check_received_at(received_at)
        except services.DossierError as refused:
            raise invalid({"received_at": "invalid"}, str(refused)) from None
    _check_may_create(token, procedure, payload.channel, desk, agency)
    documents = _documents(procedure, payload.documents)

    def accept(dossier: Dossier) -> None:  # the check above, once more, on the dossier itself
        if not _may_create(token, dossier):
            raise services.NotAllowed(str(NOT_ALLOWED_HERE))

    create = services.receive if payload.channel == Channel.COUNTER else services.submit
    return create(
        procedure=procedure,
        applicant=payload.applicant.dict(),
        channel=payload.channel,
        actor=token.user,
        desk=desk,
        performing_agency=agency,
        documents=documents,
        received_at=received_at,
        idempotency_key=stored_key,
        idempotency_fingerprint=fingerprint,
        accept=accept,
    )


# What `_procedure` reads of the rows beside the procedure (their other fields are deferred).
DOCUMENT_FIELDS = ("id", "procedure_id", "position", "name", "originals", "copies", "mandatory")
DOCUMENT_FIELDS += ("form",)
VERSION_FIELDS = ("id", "procedure_id", "number", "change", "valid_from", "valid_to")
STEP_FIELDS = ("id", "process_id", "position", "name", "role", "performer", "agency_id")
STEP_FIELDS += ("allotted_hours",)


def _procedure_query(code: str, day):
    """The procedure named, with its agency and, in the same statement, what a receipt on
    `day` reads of it: its required documents, whether it has fees, its versions in force
    that day (`catalog.services.version_on`), the steps of its active processes at its own
    agency and for every agency (`services.first_step_for`)."""
    here = OuterRef("pk")
    in_force = ProcedureVersion.objects.filter(procedure=here, valid_from__lte=day)
    in_force = in_force.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    steps = ProcessStep.objects.filter(process__procedure=here, process__is_active=True)
    steps = steps.filter(Q(process__agency=OuterRef("agency")) | Q(process__agency__isnull=True))
    return (
        Procedure.objects.select_related("agency")
        .annotate(
            has_fees=stats_facts.has_fees_annotation(),
            document_rows=rows.rows_of(
                RequiredDocument.objects.filter(procedure=here), *DOCUMENT_FIELDS
            ),
            version_rows=rows.rows_of(in_force, *VERSION_FIELDS),
            step_rows=rows.rows_of(steps, "process__agency", *STEP_FIELDS),
        )
        .filter(code=code)
    )


PROCEDURE_QUERY = Prepared(_procedure_query, code="str", day="date")
DESK_QUERY = Prepared(
    lambda pk: Desk.objects.select_related("agency").filter(pk=pk, is_active=True), pk="int"
)


def _procedure(code: str, received_at: datetime | None) -> Procedure | None:
    """The procedure named (`_procedure_query`, one statement compiled once) with what a
    receipt reads of it in hand: its required documents (as if prefetched), `has_fees`
    (`stats_facts.prepare_new`), and for `services.receive` `intake_version` (the version in
    force on the day of receipt) and `intake_first_step` (the first step of its process at
    its own agency); the services read these themselves if the day or the performing agency
    turn out to be other ones."""
    day = timezone.localdate(received_at or timezone.now())
    procedure = PROCEDURE_QUERY.first(code=code, day=day)
    if procedure is None:
        return None
    documents = rows.instances(
        RequiredDocument, DOCUMENT_FIELDS, rows.load(procedure.document_rows)
    )
    documents.sort(key=lambda d: (d.position, d.pk))  # RequiredDocument's ordering
    for document in documents:
        RequiredDocument.procedure.field.set_cached_value(document, procedure)
    cached = procedure.documents.all()
    cached._result_cache, cached._prefetch_done = documents, True
    procedure._prefetched_objects_cache = {"documents": cached}
    versions = rows.instances(ProcedureVersion, VERSION_FIELDS, rows.load(procedure.version_rows))
    procedure.intake_version = (day, max(versions, key=lambda v: v.number, default=None))
    if procedure.agency_id is not None:
        # `services.first_step_for`'s order: the agency's own process first, then the process,
        # the position, the step.
        found = rows.load(procedure.step_rows)
        first = min(found, key=lambda r: (r[0] is None, r[2], r[3], r[1]), default=None)
        step = rows.instances(ProcessStep, STEP_FIELDS, [first[1:]])[0] if first else None
        procedure.intake_first_step = (procedure.agency_id, step)
    return procedure


def request_fingerprint(payload: DossierIn) -> str:
    """SHA-256 of the request's canonical JSON (validated, defaults filled in, keys sorted):
    two bodies that mean the same request have the same fingerprint."""
    canonical = json.dumps(
        payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _retried(token, first: Dossier, payload: DossierIn, fingerprint: str) -> Dossier:
    """The dossier a retry answers with, or a 409 when the key was used for another request
    (or by a token that may not see the dossier)."""
    dossier = auth.visible_dossiers(token).select_related(*DETAIL_RELATED)
    dossier = dossier.filter(pk=first.pk).first()
    same = (
        first.idempotency_fingerprint == fingerprint
        if first.idempotency_fingerprint
        else first.procedure.code == payload.procedure.strip()  # created before fingerprints
    )
    if dossier is None or not same:
        raise ApiError(409, "conflict", str(CONFLICT))
    return dossier


def _check_may_create(token, procedure, channel: str, desk, agency) -> None:
    """Refuse (403) before anything is written when the token would not see the new dossier
    or, for a counter receipt, may not RECEIVE at the desk (or agency) that receives it."""
    performing = services.performing_agency_for(procedure, desk, agency)
    current = desk.agency if desk is not None else performing
    planned = Dossier(
        procedure=procedure,
        received_desk=desk,
        performing_agency=performing,
        current_agency=current,
        channel=channel,
    )
    seen_at = {current.pk, performing.pk} | ({desk.agency_id} if desk is not None else set())
    allowed = auth.would_see(token, seen_at) and (
        channel != Channel.COUNTER or permissions.can(token.user, Action.RECEIVE, planned)
    )
    if not allowed:
        raise services.NotAllowed(str(NOT_ALLOWED_HERE))


def _documents(procedure, given) -> list[dict]:
    required = {d.pk: d for d in procedure.documents.all()}
    documents, errors = [], {}
    for i, doc in enumerate(given):
        if doc.required_document is not None and doc.required_document not in required:
            errors[f"documents.{i}.required_document"] = "invalid"
            continue
        name = doc.name.strip()
        if not name and doc.required_document is not None:
            name = required[doc.required_document].name
        if not name:
            errors[f"documents.{i}.name"] = "required"
            continue
        upload = _file(doc, f"documents.{i}", errors)
        documents.append(
            {
                "required_document": doc.required_document,
                "name": name,
                "originals": doc.originals,
                "copies": doc.copies,
                "file": upload,
            }
        )
    if errors:
        raise invalid(errors)
    return documents


def _file(doc, prefix: str, errors: dict) -> SimpleUploadedFile | None:
    """The attached file of a document, decoded; its type and size are checked by the
    services (uploads.check), like the desk's scans."""
    if not doc.content_base64 and not doc.file_name:
        return None
    if not (doc.file_name or "").strip():
        errors[f"{prefix}.file_name"] = "required"
        return None
    try:
        content = base64.b64decode(doc.content_base64 or "", validate=True)
    except (binascii.Error, ValueError):
        errors[f"{prefix}.content_base64"] = "invalid"
        return None
    # Stored under a name the file system accepts: at most 200 bytes, extension kept.
    return SimpleUploadedFile(safe_file_name(doc.file_name), content)


def _may_create(token, dossier: Dossier) -> bool:
    """The token must see the new dossier (`auth.would_see`: the rule of `visible_dossiers`
    on the dossier about to be written); a counter receipt is the RECEIVE action, which the
    service account must be allowed at the desk (or agency) that receives it."""
    seen_at = {dossier.current_agency_id, dossier.performing_agency_id}
    if dossier.received_desk is not None:
        seen_at.add(dossier.received_desk.agency_id)
    if not auth.would_see(token, seen_at):
        return False
    if dossier.channel == Channel.COUNTER:
        return permissions.can(token.user, Action.RECEIVE, dossier)
    return True


@router.get(
    "",
    response=responses({200: DossierPage}, 400, 401, 422),
    openapi_extra=documented(400, 401, 422),
    summary="List dossiers",
)
def list_dossiers(request, filters: Query[DossierFilters]):
    """The dossiers the token may see, newest first. One query per page (no total count:
    `has_next` tells whether another page follows)."""
    token = request.auth
    dossiers = auth.visible_dossiers(token).select_related(
        "procedure", "applicant", "performing_agency", "current_agency"
    )
    f = filters
    if f.status:
        dossiers = dossiers.filter(status=f.status)
    if f.procedure:
        dossiers = dossiers.filter(procedure__code=f.procedure.strip())
    if f.received_from:
        dossiers = dossiers.filter(received_at__gte=_day_start(f.received_from))
    if f.received_to:
        dossiers = dossiers.filter(received_at__lt=_day_start(f.received_to + timedelta(days=1)))
    if f.overdue:
        dossiers = dossiers.filter(status__in=OPEN, due_at__lt=timezone.now())
    if f.agency:
        code = f.agency.strip()
        dossiers = dossiers.filter(Q(performing_agency__code=code) | Q(current_agency__code=code))
    page, page_size = f.page, f.page_size
    start = (page - 1) * page_size
    rows = list(dossiers.order_by("-created_at", "-id")[start : start + page_size + 1])
    return {
        "page": page,
        "page_size": page_size,
        "has_next": len(rows) > page_size,
        "items": [_item(d) for d in rows[:page_size]],
    }


@router.get(
    "/{code}",
    response=responses({200: DossierOut}, 400, 401, 404),
    openapi_extra=documented(400, 401, 404),
    summary="One dossier",
)
def get_dossier(request, code: str):
    """The dossier with the applicant's full details and what the token may do now."""
    return _detail(_visible_or_404(request.auth, code), request.auth)


ACT_ERRORS = (400, 401, 403, 404, 409, 413, 422)


@router.post(
    "/{code}/actions/{action}",
    response=responses({200: DossierOut}, *ACT_ERRORS),
    openapi_extra=documented(*ACT_ERRORS),
    summary="Act on a dossier",
)
def act(request, code: str, action: ActionName, payload: ActionIn):
    """Perform a workflow action (`forward`, `approve`, `request_supplement`, `supplement`,
    `complete`, `return_result`, `receive`, `refuse`, `withdraw`, `apologise`, `hand_over`,
    `hand_back`) through `services.act`. Returns the dossier after it."""
    token = request.auth
    dossier = _visible_or_404(token, code)
    try:
        action = Action(action)
    except ValueError:
        raise invalid({"action": "invalid"}, status=400) from None
    # Who may act is checked before the body's files are read (and again by the service,
    # under the dossier's lock).
    if not auth.may_act_at(token, dossier.current_agency_id) or not permissions.can(
        token.user, action, dossier
    ):
        raise services.NotAllowed(_("You may not do this to this dossier."))
    to_user = to_agency = None
    if payload.to_user:
        to_user = User.objects.filter(username=payload.to_user.strip(), is_active=True).first()
        if to_user is None:
            raise invalid({"to_user": "invalid"})
    if payload.to_agency:
        to_agency = Agency.objects.filter(code=payload.to_agency.strip()).first()
        if to_agency is None:
            raise invalid({"to_agency": "invalid"})
    documents = _documents(dossier.procedure, payload.documents)
    happened_at = _aware(payload.at)
    services.act(
        dossier,
        action,
        token.user,
        documents=documents,
        comment=payload.comment,
        reason=payload.reason,
        to_user=to_user,
        to_agency=to_agency,
        new_due_at=_aware(payload.new_due_at),
        result=payload.result,
        # A stated `at` is entered now: a late one needs the reason (docs/reconciliation.md).
        at=happened_at,
        recorded_at=timezone.now() if happened_at is not None else None,
    )
    return _detail(_visible_or_404(token, dossier.code), token)


@router.get(
    "/{code}/documents/{document_id}/file",
    response=responses({200: None}, 400, 401, 404, 422),
    openapi_extra=documented(400, 401, 404, 422),
    summary="An attached file",
    url_name="document_file",
)
def document_file(request, code: str, document_id: int = Path(..., ge=1, le=MAX_ID)):
    """The file attached to one of the dossier's documents, with its content type."""
    dossier = _visible_or_404(request.auth, code)
    attached = dossier.documents.exclude(file="").filter(pk=document_id).first()
    if attached is None:
        raise not_found()
    return uploads.response(attached)


@router.get(
    "/{code}/events",
    response=responses({200: list[EventOut]}, 400, 401, 404),
    openapi_extra=documented(400, 401, 404),
    summary="History",
)
def events(request, code: str):
    """The dossier's immutable history, oldest first."""
    dossier = _visible_or_404(request.auth, code)
    rows = dossier.events.select_related("actor", "agency", "step", "assignee").order_by("at", "id")
    return [
        {
            "at": _local(e.at),
            "action": e.action,
            "action_label": str(ACTION_LABELS.get(e.action, e.action)),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor": e.actor.get_username() if e.actor_id else None,
            "agency": e.agency.code if e.agency_id else None,
            "step": e.step.name if e.step_id else None,
            "assignee": e.assignee.get_username() if e.assignee_id else None,
            "comment": e.comment,
            "working_seconds": e.working_seconds,
            "data": e.data,
        }
        for e in rows
    ]
