"""The only code that changes the personal data store (docs/store.md).

Filling, in the transaction of the event that makes the paper:
- `on_dossier_event` (called by dossiers.services for every event): when a dossier is
  received, or supplemented after receipt, its papers attached as files become the
  applicant's digitised papers (an online dossier's files once the desk has received it);
- `keep_result` (called by results.services when an electronic result is signed): the
  result becomes the applicant's result;
- `backfill`: the same for dossiers made before the store existed (idempotent, in bulk).

Owners: `owned_by(account)` is the one filter saying which items an account sees (its own
dossiers' items, and, once the identity provider verified the identity, the items filed under
its ID number or tax code). The owner hides (deletes) an item with `delete` where the rules
allow (`may_delete`); reuse in a later dossier goes through `chosen`; a data subject's export
is `export`, their correction requests `request_correction` / `answer_correction`."""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.accounts import services as accounts_services
from motcua.core import audit
from motcua.core.text import fold
from motcua.store.models import (
    CorrectionRequest,
    Kind,
    OwnerKind,
    RequestStatus,
    StoreItem,
)

log = logging.getLogger(__name__)

DEFAULTS = {"OWNER_MAY_DELETE": ("paper",), "CORRECTION_RESPONSE_HOURS": 72, "CANDIDATES_MAX": 20}
TEXT_MAX = 2000  # a correction request's fields, a supervisor's answer
OPEN_REQUESTS_MAX = 10  # open correction requests one person may have at a time
MATCH_MIN = 12  # a stored paper's name this long or longer may be part of a document's name
BATCH = 2000  # rows per bulk insert (backfill)
FILLED = "store.items_added"
DELETED = "store.item_deleted"
DOWNLOADED = "store.item_downloaded"
EXPORTED = "store.data_exported"
REQUESTED = "store.correction_requested"
ANSWERED = "store.correction_answered"


class StoreError(Exception):
    """A change the store refuses; the message is for the user."""


class NotAllowed(StoreError):
    pass


def config(name: str):
    return {**DEFAULTS, **getattr(settings, "STORE", {})}[name]


# --- Owners -----------------------------------------------------------------------------------


def number_of(kind: str, id_number: str, tax_code: str) -> str:
    """The identity number an owner is known by: a person's ID number, an organisation's
    tax code."""
    value = tax_code if kind == OwnerKind.ORGANISATION else id_number
    return (value or "").strip()[:14]


def _owner(kind: str, id_number: str, tax_code: str, user_id) -> dict | None:
    """The owner fields of an item for an applicant; None when nobody could ever find it
    (no number and no account)."""
    kind = kind if kind in OwnerKind.values else OwnerKind.PERSON
    number = number_of(kind, id_number, tax_code)
    if not number and not user_id:
        return None
    return {"owner_kind": kind, "owner_number": number, "owner_user_id": user_id}


def owned_by(account) -> Q:
    """The items (and, with `prefix`, other rows) an account owns: those of its own
    dossiers, and those filed under its ID number or tax code once the identity provider
    verified the identity (VNeID level 2) — an unverified claim of a number shows nothing
    filed under it."""
    q = Q(owner_user_id=account.user_id)
    number = number_of(account.kind, account.id_number, account.tax_code)
    if account.identity_verified and number:
        q |= Q(owner_kind=account.kind, owner_number=number)
    return q


def applicants_of(account) -> Q:
    """The same rule, on dossiers.Applicant."""
    q = Q(user_id=account.user_id)
    number = number_of(account.kind, account.id_number, account.tax_code)
    if account.identity_verified and number:
        field = "tax_code" if account.kind == OwnerKind.ORGANISATION else "id_number"
        q |= Q(kind=account.kind, **{field: number})
    return q


def items_of(account) -> QuerySet:
    """The account's items, not deleted, newest first."""
    return (
        StoreItem.objects.filter(owned_by(account), hidden_at__isnull=True)
        .select_related("dossier", "agency", "procedure")
        .order_by("-obtained_at", "-pk")
    )


def item_of(account, pk) -> StoreItem | None:
    """One of the account's items (not deleted), or None: not theirs and not there look the
    same."""
    if not str(pk).isdigit() or len(str(pk)) > 12:
        return None
    return items_of(account).filter(pk=int(pk)).first()


# --- Filling the store ------------------------------------------------------------------------


def _paper_item(doc: dict) -> StoreItem | None:
    owner = _owner(doc["kind"], doc["id_number"], doc["tax_code"], doc["user_id"])
    if owner is None:
        return None
    name = doc["required_name"] or doc["name"] or ""
    return StoreItem(
        kind=Kind.PAPER,
        title=(doc["name"] or name)[:1000],
        match_key=fold(name)[:1000],
        document_id=doc["pk"],
        required_document_id=doc["required_document_id"],
        procedure_id=doc["procedure_id"],
        dossier_id=doc["dossier_id"],
        agency_id=doc["agency_id"],
        obtained_at=doc["received_at"],
        **owner,
    )


PAPER_VALUES = {
    "pk": "pk",
    "name": "name",
    "required_document_id": "required_document_id",
    "required_name": "required_document__name",
    "dossier_id": "dossier_id",
    "procedure_id": "dossier__procedure_id",
    "agency_id": "dossier__performing_agency_id",
    "received_at": "dossier__received_at",
    "kind": "dossier__applicant__kind",
    "id_number": "dossier__applicant__id_number",
    "tax_code": "dossier__applicant__tax_code",
    "user_id": "dossier__applicant__user_id",
}


def _papers() -> QuerySet:
    """Documents attached as files that are not in the store yet (nor taken from it), of
    received dossiers (not the parts of inter-agency dossiers: the parent holds the papers)."""
    from motcua.dossiers.models import DossierDocument

    return (
        DossierDocument.objects.filter(
            reused_from__isnull=True,
            store_item__isnull=True,
            dossier__received_at__isnull=False,
            dossier__parent__isnull=True,
        )
        .exclude(file="")
        .exclude(dossier__status__in=("submitted", "incomplete"))
    )


def _rows(queryset: QuerySet, names: dict) -> list[dict]:
    return [dict(zip(names, row, strict=True)) for row in queryset.values_list(*names.values())]


def keep_papers(dossier) -> list[StoreItem]:
    """The received dossier's papers attached as files, into the applicant's store."""
    if dossier.parent_id or not dossier.received_at:
        return []
    items = [
        item
        for doc in _rows(_papers().filter(dossier=dossier), PAPER_VALUES)
        if (item := _paper_item(doc)) is not None
    ]
    if items:
        StoreItem.objects.bulk_create(items)
        audit.record(FILLED, dossier, None, dossier.code, kind=Kind.PAPER, items=len(items))
    return items


def on_dossier_event(dossier, action: str) -> None:
    """Called by dossiers.services for each event, in its transaction: a receipt, a
    supplement after receipt, or any action that attached files to a received dossier
    stores its new papers. Nothing is read for the other events."""
    if dossier.parent_id or not dossier.received_at or dossier.status in ("submitted",):
        return
    if action in ("receive", "supplement") or getattr(dossier, "_documents_changed", False):
        known = getattr(dossier, "all_documents", None)  # a dossier `receive` just created
        if action == "receive" and known is not None and not any(d.file for d in known):
            return  # no paper attached as a file: nothing to keep, nothing to read
        keep_papers(dossier)


def _result_title(procedure) -> str:
    """What a procedure issues: the first line of its "result" text, else its name."""
    first = (procedure.result or "").strip().splitlines()
    return (first[0].strip() if first else "") or procedure.name


def _result_item(row: dict) -> StoreItem | None:
    owner = _owner(row["kind"], row["id_number"], row["tax_code"], row["user_id"])
    if owner is None:
        return None
    title = _result_title(row["procedure"])
    return StoreItem(
        kind=Kind.RESULT,
        title=f"{title} ({row['number']}/{row['year']})"[:1000],
        match_key=fold(title)[:1000],
        result_id=row["pk"],
        procedure_id=row["procedure"].pk,
        dossier_id=row["dossier_id"],
        agency_id=row["agency_id"],
        obtained_at=row["issued_at"],
        **owner,
    )


def keep_result(result) -> StoreItem | None:
    """A signed electronic result, into its applicant's store (called by results.services
    in the signing transaction). A part of an inter-agency dossier is not stored: the
    applicant's result is the parent's."""
    from motcua.dossiers.models import Dossier

    dossier = Dossier.objects.select_related("applicant", "procedure").get(pk=result.dossier_id)
    if dossier.parent_id or StoreItem.objects.filter(result_id=result.pk).exists():
        return None
    applicant = dossier.applicant
    item = _result_item(
        {
            "pk": result.pk,
            "number": result.number,
            "year": result.year,
            "dossier_id": dossier.pk,
            "agency_id": result.agency_id,
            "issued_at": result.issued_at,
            "procedure": dossier.procedure,
            "kind": applicant.kind,
            "id_number": applicant.id_number,
            "tax_code": applicant.tax_code,
            "user_id": applicant.user_id,
        }
    )
    if item is not None:
        item.save()
        audit.record(FILLED, dossier, None, dossier.code, kind=Kind.RESULT, items=1)
    return item


def backfill() -> dict[str, int]:
    """Store the papers and signed results of existing dossiers that are not stored yet:
    one pass over each, inserted in bulk; running it again adds nothing."""
    from motcua.catalog.models import Procedure
    from motcua.results.models import ResultDocument
    from motcua.results.models import Status as ResultStatus

    added = {"papers": 0, "results": 0}
    batch: list[StoreItem] = []

    def flush(key):
        if batch:
            with transaction.atomic():
                StoreItem.objects.bulk_create(batch, ignore_conflicts=True)
            added[key] += len(batch)
            batch.clear()

    rows = _papers().order_by("pk").values_list(*PAPER_VALUES.values())
    for row in rows.iterator(chunk_size=BATCH):
        item = _paper_item(dict(zip(PAPER_VALUES, row, strict=True)))
        if item is not None:
            batch.append(item)
        if len(batch) >= BATCH:
            flush("papers")
    flush("papers")
    names = {
        "pk": "pk",
        "number": "number",
        "year": "year",
        "dossier_id": "dossier_id",
        "agency_id": "agency_id",
        "issued_at": "issued_at",
        "procedure_id": "dossier__procedure_id",
        "kind": "dossier__applicant__kind",
        "id_number": "dossier__applicant__id_number",
        "tax_code": "dossier__applicant__tax_code",
        "user_id": "dossier__applicant__user_id",
    }
    results = ResultDocument.objects.filter(
        status=ResultStatus.SIGNED, store_item__isnull=True, dossier__parent__isnull=True
    ).order_by("pk")
    procedures: dict[int, Procedure] = {}
    for row in results.values_list(*names.values()).iterator(chunk_size=BATCH):
        values = dict(zip(names, row, strict=True))
        pid = values.pop("procedure_id")
        if pid not in procedures:
            procedures[pid] = Procedure.objects.only("pk", "name", "result").get(pk=pid)
        item = _result_item({**values, "procedure": procedures[pid]})
        if item is not None:
            batch.append(item)
        if len(batch) >= BATCH:
            flush("results")
    flush("results")
    if added["papers"] or added["results"]:
        audit.record_about(FILLED, "store.storeitem", "", None, "backfill", **added)
    return added


# --- The owner's actions ----------------------------------------------------------------------


def may_delete(item: StoreItem) -> bool:
    """Whether the owner may delete (hide) this kind of item: by default digitised papers;
    results issued by an agency are kept (settings.STORE["OWNER_MAY_DELETE"]) [check]."""
    return item.kind in config("OWNER_MAY_DELETE")


@transaction.atomic
def delete(account, pk, actor) -> StoreItem:
    """The owner deletes one of their items: it leaves their store and can no longer be
    reused. The dossier's own document or result is never touched. Raises LookupError (not
    theirs, or no such item) or NotAllowed (the rules keep this kind)."""
    if not str(pk).isdigit() or len(str(pk)) > 12:
        raise LookupError(pk)
    item = (
        StoreItem.objects.select_for_update()
        .filter(owned_by(account), pk=int(pk), hidden_at__isnull=True)
        .first()
    )
    if item is None:
        raise LookupError(pk)
    if not may_delete(item):
        raise NotAllowed(
            _("A result issued by an agency is kept by law: it cannot be deleted from your store.")
        )
    item.hidden_at = timezone.now()
    item.hidden_by = actor
    item.save(update_fields=["hidden_at", "hidden_by"])
    audit.record(DELETED, item, actor, item.title, kind=item.kind, dossier=item.dossier.code)
    return item


def record_download(item: StoreItem, actor) -> None:
    audit.record(DOWNLOADED, item, actor, item.title, kind=item.kind, dossier=item.dossier.code)


# --- Reuse in a later dossier (eforms/reuse.py) -----------------------------------------------


def valid_items(account) -> QuerySet:
    """The account's items that can still be used: not deleted, not expired."""
    today = timezone.localdate()
    return items_of(account).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def stands_for(item: StoreItem, required_document) -> bool:
    """Whether a stored item can stand for a required document: it was given for that very
    document, or it is the paper of the same name (a long name may be part of the
    document's, as "Phiếu lý lịch tư pháp" in "Bản sao Phiếu lý lịch tư pháp")."""
    if item.required_document_id and item.required_document_id == required_document.pk:
        return True
    wanted = fold(required_document.name)
    key = item.match_key
    return bool(key) and (key == wanted or (len(key) >= MATCH_MIN and key in wanted))


def candidates(account, required_document) -> list[StoreItem]:
    """The account's items that can stand for `required_document`, newest first."""
    found = []
    for item in valid_items(account)[:500]:
        if stands_for(item, required_document):
            found.append(item)
            if len(found) >= config("CANDIDATES_MAX"):
                break
    return found


class NotAvailable(StoreError):
    """A chosen item is not the applicant's, or cannot stand for the document."""


def chosen(account, required_document, selection) -> list[ContentFile]:
    """The files of the items the applicant chose for `required_document` (each a
    ContentFile named like the stored file, its `reused_from` the item's id). Raises
    NotAvailable for a value that is not one of the account's candidates (a forged or stale
    choice), so that nothing is submitted."""
    wanted = []
    for value in selection or ():
        value = str(value)
        if not value:
            continue
        if not value.isdigit() or len(value) > 12:
            raise NotAvailable(_("The stored paper you chose is not available."))
        wanted.append(int(value))
    if not wanted:
        return []
    offered = {item.pk: item for item in candidates(account, required_document)}
    files = []
    for pk in dict.fromkeys(wanted):
        item = offered.get(pk)
        if item is None:
            raise NotAvailable(_("The stored paper you chose is not available."))
        files.append(_copy_of(item))
    return files


def _copy_of(item: StoreItem) -> ContentFile:
    try:
        with item.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):  # the stored file is gone: said so, never a 500
        log.error("store: the file of item %s cannot be read", item.pk)
        raise NotAvailable(
            _("The stored paper “%(title)s” can no longer be read: attach a file instead.")
            % {"title": item.title}
        ) from None
    copy = ContentFile(data, name=PurePath(item.file.name).name)
    copy.reused_from = item.pk
    return copy


# --- The data subject's rights (Luật 91/2025/QH15, Nghị định 356/2025/NĐ-CP) ------------------

ACCOUNT_EXPORT = (*accounts_services.ACCOUNT_FIELDS, "created_at", "signed_in_at")
APPLICANT_EXPORT = accounts_services.APPLICANT_FIELDS
DOSSIER_EXPORT = (
    "code",
    "channel",
    "status",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "result",
    "result_delivery",
    "result_address",
    "fee_amount",
    "fee_paid",
)
# The events the applicant sees on "My dossiers" (dossiers.lookup.PUBLIC_ACTIONS), and the
# one whose comment they are shown (what to supplement).
COMMENT_SHOWN = ("request_supplement",)


def _value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _pick(obj, names) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


def _dossiers_of(account) -> QuerySet:
    from motcua.dossiers.models import Applicant, Dossier

    applicants = Applicant.objects.filter(applicants_of(account)).values("pk")
    return (
        Dossier.objects.filter(applicant__in=applicants, parent__isnull=True)
        .select_related("procedure", "performing_agency")
        .order_by("pk")
    )


def export_data(account) -> dict:
    """Everything the portal keeps about the account's owner that they may see: the
    account, the applicants standing for them, their dossiers (with the history and
    documents "My dossiers" shows), their stored items, their correction requests."""
    from motcua.dossiers.lookup import PUBLIC_ACTIONS
    from motcua.dossiers.models import Applicant

    dossiers = []
    for d in _dossiers_of(account).prefetch_related("events", "documents", "supplement_requests"):
        row = _pick(d, DOSSIER_EXPORT)
        row["procedure"] = d.procedure.name
        row["agency"] = d.performing_agency.name
        row["events"] = [
            {
                "action": e.action,
                "at": _value(e.at),
                "status": e.to_status,
                **({"comment": e.comment} if e.action in COMMENT_SHOWN and e.comment else {}),
            }
            for e in sorted(d.events.all(), key=lambda e: (e.at, e.pk))
            if e.action in PUBLIC_ACTIONS
        ]
        row["documents"] = [
            {
                "name": doc.name,
                "originals": doc.originals,
                "copies": doc.copies,
                "file": PurePath(doc.file.name).name if doc.file else "",
                "reused_from_store": doc.reused_from_id is not None,
            }
            for doc in d.documents.all()
        ]
        row["supplement_requests"] = [
            {
                "requested_at": _value(r.requested_at),
                "items": r.items,
                "supplemented_at": _value(r.supplemented_at),
            }
            for r in d.supplement_requests.all()
        ]
        dossiers.append(row)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": _pick(account, ACCOUNT_EXPORT),
        "notification_settings": {
            "email": account.notify_email,
            "sms": account.notify_sms,
            "sms_phone": account.sms_phone,
        },
        "applicants": [
            _pick(a, APPLICANT_EXPORT)
            for a in Applicant.objects.filter(applicants_of(account)).order_by("pk")
        ],
        "dossiers": dossiers,
        "store": [
            {
                "id": item.pk,
                "kind": item.kind,
                "title": item.title,
                "dossier": item.dossier.code,
                "agency": item.agency.name,
                "dated": _value(item.obtained_at),
                "valid_until": _value(item.valid_until),
                "file": f"store/{item.pk}-{PurePath(item.file.name).name}",
            }
            for item in items_of(account)
        ],
        "correction_requests": [
            {
                "requested_at": _value(r.created_at),
                "what_is_wrong": r.what_is_wrong,
                "should_be": r.should_be,
                "status": r.status,
                "answer": r.response,
                "answered_at": _value(r.answered_at),
            }
            for r in CorrectionRequest.objects.filter(user_id=account.user_id).order_by("pk")
        ],
    }


def export(account, actor):
    """The owner's data as a ZIP file (a temporary file, rewound): data.json and the files
    of their stored items. Audited (counts only)."""
    data = export_data(account)
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (returned open: the response closes it)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for item in items_of(account):
            try:
                with item.file.open("rb") as handle:
                    zipped.writestr(
                        f"store/{item.pk}-{PurePath(item.file.name).name}", handle.read()
                    )
            except (OSError, ValueError):
                log.error("store: the file of item %s cannot be read for an export", item.pk)
    archive.seek(0)
    audit.record(
        EXPORTED,
        account,
        actor,
        account.full_name,
        dossiers=len(data["dossiers"]),
        items=len(data["store"]),
    )
    return archive


def _text(value, label: str, errors: dict, key: str) -> str:
    text = str(value or "").strip()
    if not text:
        errors.setdefault(key, []).append(_("Fill in this field."))
    elif len(text) > TEXT_MAX:
        errors.setdefault(key, []).append(
            _("Write at most %(limit)s characters (this has %(length)s).")
            % {"limit": TEXT_MAX, "length": len(text)}
        )
    elif any(ord(c) < 32 and c not in "\r\n\t" for c in text):
        errors.setdefault(key, []).append(
            _("Remove the control characters from %(label)s.") % {"label": label}
        )
    return text


class Invalid(StoreError):
    """Input refused: messages by field name; nothing was written."""

    def __init__(self, messages: dict):
        super().__init__("; ".join(m for ms in messages.values() for m in ms))
        self.messages = messages


@transaction.atomic
def request_correction(account, actor, what_is_wrong, should_be) -> CorrectionRequest:
    """A data subject asks for their data to be corrected; answered by a supervisor within
    settings.STORE["CORRECTION_RESPONSE_HOURS"] [check]. Raises Invalid."""
    errors: dict[str, list[str]] = {}
    wrong = _text(what_is_wrong, _("what is wrong"), errors, "what_is_wrong")
    right = _text(should_be, _("what it should be"), errors, "should_be")
    open_now = CorrectionRequest.objects.filter(
        user_id=account.user_id, status=RequestStatus.OPEN
    ).count()
    if open_now >= OPEN_REQUESTS_MAX:
        errors.setdefault("", []).append(
            _("You have %(n)s requests awaiting an answer; wait for them to be answered.")
            % {"n": open_now}
        )
    if errors:
        raise Invalid(errors)
    now = timezone.now()
    request = CorrectionRequest.objects.create(
        user_id=account.user_id,
        what_is_wrong=wrong,
        should_be=right,
        created_at=now,
        due_at=now + timedelta(hours=config("CORRECTION_RESPONSE_HOURS")),
    )
    audit.record(REQUESTED, request, actor, f"#{request.pk}")
    return request


def may_handle(user) -> bool:
    """Who answers data subjects' requests: the province-wide supervisors (and superusers)."""
    from motcua.dossiers import permissions

    return permissions.sees_all(user)


ANSWERS = (RequestStatus.CORRECTED, RequestStatus.REFUSED)


@transaction.atomic
def answer_correction(pk, actor, status, response) -> CorrectionRequest:
    """A supervisor answers a correction request; the requester is told through the outbox
    (e-mail, if the account has an address) in the same transaction. Raises NotAllowed,
    LookupError or Invalid."""
    if not may_handle(actor):
        raise NotAllowed(_("Only a province-wide supervisor may answer these requests."))
    if not str(pk).isdigit() or len(str(pk)) > 12:
        raise LookupError(pk)
    request = CorrectionRequest.objects.select_for_update().filter(pk=int(pk)).first()
    if request is None:
        raise LookupError(pk)
    errors: dict[str, list[str]] = {}
    text = _text(response, _("the answer"), errors, "response")
    if status not in ANSWERS:
        errors.setdefault("status", []).append(_("Choose whether the data was corrected."))
    if request.status != RequestStatus.OPEN:
        errors.setdefault("", []).append(_("This request was already answered."))
    if errors:
        raise Invalid(errors)
    request.status, request.response = status, text
    request.answered_at, request.answered_by = timezone.now(), actor
    request.save(update_fields=["status", "response", "answered_at", "answered_by"])
    audit.record(ANSWERED, request, actor, f"#{request.pk}", status=status)
    _tell_requester(request)
    return request


def _tell_requester(request: CorrectionRequest) -> None:
    from motcua.accounts.models import Account
    from motcua.outbox import services as outbox
    from motcua.outbox.models import Channel

    account = Account.objects.filter(user_id=request.user_id).first()
    if account is None or not account.email:
        return  # the answer is on their "My data" page
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your request to correct your data was answered")
        body = _(
            "Your request of %(date)s to correct your personal data was answered: "
            "%(status)s.\n\n%(answer)s\n\nSee it on the portal: %(url)s"
        ) % {
            "date": timezone.localtime(request.created_at).strftime("%d/%m/%Y"),
            "status": request.get_status_display(),
            "answer": request.response,
            "url": settings.MOTCUA["PUBLIC_URL"].rstrip("/") + "/my/data/",
        }
    outbox.enqueue(
        channel=Channel.EMAIL,
        recipient=account.email,
        subject=subject,
        body=f"{body}\n\n{settings.MOTCUA['PORTAL_NAME']}",
        kind=ANSWERED,
        about=request,
        dedupe_key=f"store.correctionrequest:{request.pk}:answered",
    )
