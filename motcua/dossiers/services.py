"""The only code that changes dossiers.

`receive` (and `submit` for online/postal dossiers) creates a dossier; `act` performs every
later action. Each call is one transaction: the dossier row is locked, the transition is
checked against `workflow`, the permission against `permissions`, the inputs against the
rules of the one-stop mechanism (settings below), one immutable `DossierEvent` is appended,
and side effects (notifications) are queued with it.

The rules that vary by instrument or province are settings (settings.MOTCUA, defaults in
RULES; docs/dossiers.md): how long the desk has to check an online or paper dossier, the
supplement window, how many supplement requests and re-appointments are allowed, when an
unsupplemented dossier may be closed, how far receipts may be back-dated.
"""

from __future__ import annotations

import contextvars
import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import services as catalog_services
from motcua.catalog.constants import Status as ProcedureStatus
from motcua.dossiers import codes, notifications, permissions, uploads, workflow
from motcua.dossiers.models import STATUS_CHOICES as STATUS_LABELS
from motcua.dossiers.models import (
    TRANSFER,
    Applicant,
    Channel,
    Delegation,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    Process,
    ProcessStep,
    SupplementRequest,
    since_arrival,
)
from motcua.dossiers.workflow import Action, Status
from motcua.stats import facts as stats_facts
from motcua.store import services as store_services

SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed by citizens

# Rules of "Life of a dossier" (vn-one-stop-rules.md) that are settings, with their defaults.
RULES = {
    # The desk receives an online dossier, or asks once for a supplement, within 8 working
    # hours; a paper or postal dossier within 1 working day (rule 1).
    "CHECK_HOURS_ONLINE": 8,
    "CHECK_DAYS_PAPER": 1,
    # After receipt the competent unit asks for a supplement once, within 3 working days
    # of receipt (rule 4); later or repeated requests need a reason.
    "SUPPLEMENT_WINDOW_DAYS": 3,
    "SUPPLEMENT_MAX_REQUESTS": 1,
    # A dossier not supplemented within 15 working days may be closed (rule 4).
    "SUPPLEMENT_CLOSE_DAYS": 15,
    # The apology is sent at least 1 working day before the due date, once (rule 5).
    "APOLOGY_LEAD_DAYS": 1,
    "MAX_REAPPOINTMENTS": 1,
    # Sanity bounds on instants given by a caller.
    "MAX_APPOINTMENT_DAYS": 365,
    "CLOCK_TOLERANCE_MINUTES": 5,
    "RECEIPT_BACKDATE_DAYS": 30,
    # An action entered more than this many working days after it happened (a finish or a
    # return typed in days later) needs a reason and is flagged as a late entry
    # (docs/reconciliation.md).
    "LATE_ENTRY_WORKING_DAYS": 1,
    # An open dossier (received or processing) with nothing entered for this many working
    # days is "stale": first in its officer's queue, counted in the reconciliation report.
    "STALE_WORKING_DAYS": 3,
}


def rule(name: str):
    """A rule's value: settings.MOTCUA[name], or its default."""
    return (getattr(settings, "MOTCUA", None) or {}).get(name, RULES[name])


class DossierError(Exception):
    """A request the rules refuse; the message is for the officer or applicant."""


class NotAllowed(DossierError):
    pass


class InvalidFile(DossierError):
    """An attached file of a type, content or size that is not accepted."""


class IdempotencyConflict(DossierError):
    """The idempotency key was already used for a different request."""


class ReasonRequired(DossierError):
    """The rules allow this only with a reason (a late or repeated request, a late
    apology); the officer is asked for one."""


@dataclass
class Incomplete(DossierError):
    missing: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.missing)


# Names of the files written by the running service call, removed if it fails.
_written_files: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "motcua_written_files", default=None
)


def _removes_files_on_error(function):
    """A failed receipt or action leaves no attached file behind on disk: the rows are
    rolled back with the transaction, the files written meanwhile are deleted."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _written_files.get() is not None:  # nested: the outer call cleans up
            return function(*args, **kwargs)
        written: list[str] = []
        token = _written_files.set(written)
        try:
            return function(*args, **kwargs)
        except BaseException:
            from django.core.files.storage import default_storage

            for name in written:
                default_storage.delete(name)
            raise
        finally:
            _written_files.reset(token)

    return wrapper


def calendar(agency=None):
    from motcua.worktime.calendars import get_calendar

    return get_calendar(agency)


# --- Creation ---------------------------------------------------------------------------------


def lock_counter(agency, day) -> DossierCounter:
    """Lock the agency's sequence counter for `day` (created if missing) until commit.
    Everything that must not race for one agency and day happens after this."""
    counter = DossierCounter.objects.select_for_update().filter(agency=agency, day=day).first()
    if counter is None:
        try:
            with transaction.atomic():
                DossierCounter.objects.create(agency=agency, day=day, last=0)
        except IntegrityError:  # another transaction created it first
            pass
        counter = DossierCounter.objects.select_for_update().get(agency=agency, day=day)
    return counter


def next_code(agency, day, counter: DossierCounter | None = None) -> str:
    """Allocate the agency's next sequence number for `day`; call inside a transaction.
    The counter's row stays locked until the commit (the number is taken by one statement
    that locks, increments and reads it, where the database can return updated rows)."""
    if counter is None:
        number = _take_number(agency, day)
        if number is not None:
            return codes.format_code(agency.code, day, number)
        counter = lock_counter(agency, day)
    DossierCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return codes.format_code(agency.code, day, counter.last)


def _take_number(agency, day) -> int | None:
    """`UPDATE … SET last = last + 1 … RETURNING last` on the agency's counter of `day`
    (created when missing): one statement instead of lock, update and read back. None where
    the database cannot return updated rows (then `lock_counter` does it in three)."""
    if not connection.features.can_return_columns_from_insert:
        return None
    meta = DossierCounter._meta
    quote = connection.ops.quote_name
    table, last = quote(meta.db_table), quote(meta.get_field("last").column)
    sql = (
        f"UPDATE {table} SET {last} = {last} + 1 "
        f"WHERE {quote(meta.get_field('agency').column)} = %s "
        f"AND {quote(meta.get_field('day').column)} = %s RETURNING {last}"
    )
    params = [agency.pk, connection.ops.adapt_datefield_value(day)]
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        try:  # the day's first dossier: create the counter, then take its first number
            with transaction.atomic():
                DossierCounter.objects.create(agency=agency, day=day, last=1)
            return 1
        except IntegrityError:  # another transaction created it first: take the next one
            pass
    raise RuntimeError("The day's counter could neither be read nor created")  # pragma: no cover


def _applicant(data: dict | Applicant) -> Applicant:
    if isinstance(data, Applicant):
        return data
    from motcua.core.text import fold
    from motcua.dossiers.validation import clean_applicant

    cleaned = clean_applicant(data)
    return Applicant.objects.create(**cleaned, name_folded=fold(cleaned["full_name"])[:300])


def check_completeness(procedure, documents: list[dict]) -> list[str]:
    """Names of the mandatory required documents the dossier lacks."""
    given = {d.get("required_document") for d in documents if d.get("required_document")}
    return [d.name for d in procedure.documents.all() if d.mandatory and d.pk not in given]


def performing_agency_for(procedure, desk=None, agency=None):
    """Who performs the procedure: the department for provincial procedures; otherwise the
    People's Committee of the level asked, where the desk is (or the agency given)."""
    from motcua.org.constants import AgencyKind, Level

    if agency is not None:
        return agency
    if procedure.agency_id:
        return procedure.agency
    if desk is None:
        raise DossierError(_("Choose the performing agency for a district or commune procedure."))
    here = desk.agency
    wanted = AgencyKind.DISTRICT_PC if procedure.level == Level.DISTRICT else AgencyKind.COMMUNE_PC
    while here is not None and here.kind != wanted:
        here = here.parent
    if here is None:
        raise DossierError(_("This desk does not belong to an agency that performs the procedure."))
    return here


def process_for(procedure, agency) -> Process | None:
    return (
        Process.objects.filter(procedure=procedure, is_active=True)
        .filter(agency__in=[agency])
        .first()
        or Process.objects.filter(procedure=procedure, is_active=True, agency__isnull=True).first()
    )


def process_hours(procedure, agency=None) -> Decimal:
    """Working hours a process of `procedure` must allot in all: its local time limit, in
    hours of the performing agency's working day."""
    from motcua.catalog.constants import DurationUnit

    amount = Decimal(procedure.local_duration)
    if procedure.duration_unit == DurationUnit.WORKING_HOURS:
        return amount
    day = calendar(agency or procedure.agency).hours.day
    return amount * Decimal(int(day.total_seconds())) / 3600


def _first_step(process: Process | None) -> ProcessStep | None:
    return process.steps.order_by("position").first() if process else None


def first_step_for(procedure, agency) -> ProcessStep | None:
    """`_first_step(process_for(procedure, agency))` in one query: the first step of the
    agency's active process of the procedure, else of the one for every agency."""
    return (
        ProcessStep.objects.filter(process__procedure=procedure, process__is_active=True)
        .filter(Q(process__agency=agency) | Q(process__agency__isnull=True))
        .order_by(F("process__agency").asc(nulls_last=True), "process_id", "position", "id")
        .first()
    )


def _version_in_force(procedure, day):
    """`catalog_services.version_on(procedure, day)`, or what the caller read with the
    procedure for that day (`procedure.intake_version = (day, version or None)`: the API)."""
    known = getattr(procedure, "intake_version", None)
    if known is not None and known[0] == day:
        return known[1]
    return catalog_services.version_on(procedure, day)


def _first_step_at(procedure, agency):
    """`first_step_for(procedure, agency)`, or what the caller read with the procedure for
    that agency (`procedure.intake_first_step = (agency id, step or None)`: the API)."""
    known = getattr(procedure, "intake_first_step", None)
    if known is not None and known[0] == agency.pk:
        return known[1]
    return first_step_for(procedure, agency)


def check_received_at(received_at: datetime, now: datetime | None = None) -> None:
    """Refuse a receipt instant a caller gives that is in the future (beyond the clock
    tolerance) or back-dated beyond RECEIPT_BACKDATE_DAYS. Edges that let a caller give
    the instant (the API) call it; `receive` itself refuses only the future and instants
    before the procedure existed, so that history can be recorded by the seed and tests."""
    now = now or timezone.now()
    if received_at > now + timedelta(minutes=rule("CLOCK_TOLERANCE_MINUTES")):
        raise DossierError(_("The receipt time cannot be in the future."))
    if received_at < now - timedelta(days=rule("RECEIPT_BACKDATE_DAYS")):
        raise DossierError(
            _("A receipt cannot be recorded more than %(days)s days late.")
            % {"days": rule("RECEIPT_BACKDATE_DAYS")}
        )


def _same_request(key: str, fingerprint: str) -> Dossier | None:
    """The dossier an earlier request with this idempotency key created, if any; a
    different request under the same key is a conflict."""
    existing = Dossier.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.idempotency_fingerprint != (fingerprint or ""):
        raise IdempotencyConflict(_("This idempotency key was already used for another request."))
    return existing


def receive(**kwargs) -> Dossier:
    """Receive a complete dossier at a desk (or accept an online/postal submission when
    `submit_only`): see `_create` for the arguments and the rules.

    With an `idempotency_key`, a request that was already made (a retry, or a concurrent
    twin) returns the first request's dossier, and the same key with another
    `idempotency_fingerprint` raises IdempotencyConflict. The key is unique in the database
    and that is what is relied upon: nothing is read for it on the way in; when the
    transaction fails (the insert of a taken key, or any refusal: a retry after the
    procedure was abolished still gets its dossier) it is rolled back whole (the code's
    number included) and the dossier holding the key, if any, is the answer."""
    key = kwargs.get("idempotency_key")
    try:
        return _create(**kwargs)
    except (IntegrityError, DossierError):
        if not key:
            raise
        existing = _same_request(key, kwargs.get("idempotency_fingerprint", ""))
        if existing is None:
            raise
        return existing


@_removes_files_on_error
@transaction.atomic
def _create(
    *,
    procedure,
    applicant: dict | Applicant,
    channel: str,
    actor=None,
    desk=None,
    performing_agency=None,
    return_desk=None,
    documents: list[dict] = (),
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    idempotency_fingerprint: str = "",
    fee_amount: int = 0,
    result_delivery: str = "",
    result_address: str = "",
    check_complete: bool = True,
    submit_only: bool = False,
    chain=None,
    check_permission: bool = True,
    accept=None,
) -> Dossier:
    """Receive a complete dossier at a desk (or accept an online/postal submission when
    `submit_only`). Raises Incomplete listing the missing documents: the officer then
    guides the applicant (the supplement request form) and nothing is received.

    A counter receipt by an officer needs a desk officer's post in force at the desk's
    agency. `accept`, when given, is called with the new dossier before it is written and
    may refuse it by raising (the API's check that its token may create it). Files are
    written only once everything else is accepted, and removed again if the transaction
    does not commit. The dossier returned carries `all_documents`: the rows written, which
    are all its documents, so that the hooks of this transaction and the caller need not
    read them back."""
    if procedure.status != ProcedureStatus.ACTIVE:
        raise DossierError(_("This procedure is no longer in force."))
    if channel == Channel.ONLINE and not procedure.channel_online:
        raise DossierError(_("This procedure does not accept online dossiers."))
    now = received_at or timezone.now()
    if now > timezone.now() + timedelta(minutes=rule("CLOCK_TOLERANCE_MINUTES")):
        raise DossierError(_("The receipt time cannot be in the future."))
    result_address = _result_address(result_delivery, result_address)
    version = _version_in_force(procedure, timezone.localdate(now))
    if version is None:
        raise DossierError(_("The procedure was not in force on the day of receipt."))
    agency = performing_agency_for(procedure, desk, performing_agency)
    if check_permission and actor is not None and not submit_only:
        receiving = desk.agency_id if desk is not None else agency.pk
        if not permissions.may_receive_at(actor, receiving):
            raise NotAllowed(_("Only a desk officer in post at this desk may receive dossiers."))
    documents = _checked_files(documents)
    if check_complete and not submit_only:
        missing = check_completeness(procedure, documents)
        if missing:
            raise Incomplete(missing)
    step = _first_step_at(procedure, agency)
    day = timezone.localdate(now)
    applicant = _applicant(applicant)
    status = Status.SUBMITTED if submit_only else Status.RECEIVED
    action = Action.SUBMIT if submit_only else Action.RECEIVE
    dossier = Dossier(
        code="",
        secret="".join(secrets.choice(SECRET_ALPHABET) for _ in range(8)),
        procedure=procedure,
        procedure_version=version,
        applicant=applicant,
        channel=channel,
        status=status,
        received_desk=desk,
        return_desk=return_desk or desk,
        performing_agency=agency,
        current_agency=desk.agency if desk is not None else agency,
        current_step=step,
        submitted_at=now if submit_only else None,
        fee_amount=fee_amount,
        result_delivery=result_delivery or "",
        result_address=result_address,
        idempotency_key=idempotency_key or None,
        idempotency_fingerprint=idempotency_fingerprint or "",
    )
    if submit_only:
        dossier.check_due_at = check_due(dossier, now)
    else:
        start_clock(dossier, now)
    if accept is not None:
        accept(dossier)
    # Its statistics are computed now and inserted with it (docs/statistics.md).
    stats_facts.prepare_new(
        dossier, digitised=bool(documents) and all(d.get("file") for d in documents)
    )
    # The number last: the agency's counter stays locked from here until the commit. A
    # taken idempotency key fails the insert and rolls the whole transaction back (`receive`).
    dossier.code = next_code(agency, day)
    _entered(dossier, now)  # its first event's, written with the row
    dossier.save(force_insert=True)
    dossier.all_documents = _attach(dossier, documents)
    chained = chain is not None and not submit_only
    event = _event(dossier, action, None, status, actor, now, step=step, notify=not chained)
    if chained:
        start_chain(dossier, chain, actor, now)
        notifications.enqueue(event)  # the receipt tells the chain's combined appointment
    return dossier


def _result_address(delivery: str, address: str) -> str:
    """Where the result goes (the applicant's choice; empty: the desk): a postal return
    needs the address, the other choices keep none."""
    from motcua.dossiers.models import ResultDelivery

    if (delivery or "") not in {"", *ResultDelivery.values}:
        raise DossierError(_("Choose where the result is returned."))
    address = " ".join(str(address or "").split())
    if delivery != ResultDelivery.POST:
        return ""
    if not address:
        raise DossierError(_("Give the address the result is to be posted to."))
    if len(address) > 500:
        raise DossierError(_("The postal address may be at most 500 characters."))
    return address


def submit(**kwargs) -> Dossier:
    """An online or postal submission, to be checked by a desk officer."""
    return receive(submit_only=True, **kwargs)


def check_due(dossier: Dossier, arrived_at: datetime) -> datetime:
    """When the desk must receive an online or postal dossier or ask for its supplement:
    8 working hours for online dossiers, 1 working day for paper ones (rule 1)."""
    cal = calendar(dossier.performing_agency)
    if dossier.channel == Channel.ONLINE:
        return cal.due_at(arrived_at, rule("CHECK_HOURS_ONLINE"), "hours")
    return cal.due_at(arrived_at, rule("CHECK_DAYS_PAPER"), "days")


def _intake_cutoff(dossier: Dossier):
    """The cut-off after which a receipt counts from the next working day: the
    procedure's same-day roll-over, and for online dossiers the online cut-off."""
    from motcua.worktime.calendars import intake_cutoff

    return intake_cutoff(getattr(dossier.procedure, "same_day_cutoff", None), dossier.channel)


def deadline_for(dossier: Dossier, pauses=()) -> datetime | None:
    """Receipt plus the procedure's local time limit, supplement intervals applied (the
    limit restarts after a supplement unless the procedure pauses instead)."""
    procedure = dossier.procedure
    return calendar(dossier.performing_agency).due_at(
        dossier.received_at,
        procedure.local_duration,
        procedure.duration_unit,
        pauses=pauses,
        restart_on_supplement=procedure.restart_on_supplement,
        cutoff=_intake_cutoff(dossier),
    )


def start_clock(dossier: Dossier, now: datetime) -> None:
    """Received now: the legal deadline and the appointment, the transfer deadline; no check
    pending. Sets the fields of an unsaved or locked row; saves nothing."""
    dossier.received_at = now
    dossier.due_at = dossier.deadline_at = deadline_for(dossier)
    dossier.transfer_due_at = calendar(dossier.performing_agency).transfer_due(now)
    dossier.check_due_at = None


def _checked_files(documents) -> list[dict]:
    """The documents, each attached file checked (type, content, size) and its content type
    noted for `_attach`; one unacceptable file refuses the whole request."""
    try:
        return [
            {**d, "content_type": uploads.check(d["file"])} if d.get("file") else d
            for d in documents
        ]
    except uploads.UploadRejected as rejected:
        raise InvalidFile(str(rejected)) from rejected


def _attach(dossier: Dossier, documents: list[dict]) -> list[DossierDocument]:
    """Write the documents (one statement) and their files; returns the rows written."""
    rows = [
        DossierDocument(
            dossier=dossier,
            required_document_id=d.get("required_document"),
            name=d.get("name") or "",
            originals=d.get("originals", 0),
            copies=d.get("copies", 0),
            file=d.get("file") or "",
            content_type=d.get("content_type", ""),
            size=getattr(d.get("file"), "size", 0) or 0,
            reused_from_id=d.get("reused_from"),
        )
        for d in documents
    ]
    if not rows:
        return rows
    written = _written_files.get()
    try:
        DossierDocument.objects.bulk_create(rows)  # each file is stored by its field's pre_save
    finally:  # the files stored so far, removed if the transaction fails
        if written is not None:
            written.extend(
                row.file.name
                for row, d in zip(rows, documents, strict=True)
                if d.get("file") and getattr(row.file, "_committed", False)
            )
    dossier._documents_changed = True  # the statistics' "digitised" flag is re-read
    return rows


# --- Every later action -----------------------------------------------------------------------


@_removes_files_on_error
@transaction.atomic
def act(
    dossier: Dossier,
    action: Action | str,
    actor,
    *,
    comment: str = "",
    reason: str = "",
    at: datetime | None = None,
    to_step: ProcessStep | None = None,
    to_user=None,
    to_agency=None,
    new_due_at: datetime | None = None,
    result: str = "",
    documents: list[dict] = (),
    check_permission: bool = True,
    recorded_at: datetime | None = None,
) -> Dossier:
    """Do `action` to `dossier` as `actor`. `comment` is what the applicant or the next
    officer reads (what to supplement, the reasons of a refusal, the delay); `reason` is
    the justification the rules ask for a late or repeated request, a late apology, or a
    late entry.

    `at` is when the action happened, if not now; never before the dossier arrived, never
    in the future. `recorded_at` is when it is entered: the edges where an officer or a
    system states `at` (the action form, the API) give the clock with it. The event then
    keeps both, and an action entered more than LATE_ENTRY_WORKING_DAYS working days (the
    agency's calendar) after it happened needs a `reason` and is flagged `late_entry`.
    Without `recorded_at`, an `at` replays history (the seed, imports, tests): the event
    was recorded when it happened."""
    action = Action(action)
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "received_desk", "performing_agency", "current_step")
        .get(pk=dossier.pk)
    )
    if check_permission and not permissions.can(actor, action, dossier):
        raise NotAllowed(_("You may not do this to this dossier."))
    before = Status(dossier.status)
    try:
        move = workflow.transition(before, action)
    except workflow.IllegalTransition as exc:
        raise DossierError(
            _("Not possible while the dossier is %(status)s.")
            % {"status": dict(STATUS_LABELS).get(before, before)}
        ) from exc
    documents = _checked_files(documents)
    now = at or timezone.now()
    # Also what lets one dossier's event reads skip earlier years (models.since_arrival).
    arrived = dossier.submitted_at or dossier.received_at
    if arrived and now < arrived:
        raise DossierError(_("An action cannot be dated before the dossier arrived."))
    late_entry = _check_entry(dossier, now, at, recorded_at, reason)
    delegated = _delegated(dossier, action, actor)
    handler = HANDLERS.get(action)
    extra = (
        handler(
            dossier,
            now,
            actor=actor,
            to_step=to_step,
            to_user=to_user,
            to_agency=to_agency,
            new_due_at=new_due_at,
            result=result,
            comment=comment,
            reason=reason.strip(),
        )
        if handler
        else {}
    )
    if delegated:
        extra = {**(extra or {}), **delegated}
    if late_entry is not None:
        extra = {**(extra or {}), **late_entry}
    dossier.status = move.after
    if move.finishes and not dossier.finished_at:
        dossier.finished_at = now  # refused, stopped or closed: processing ended here
    recorded_at = recorded_at if at is not None and recorded_at != at else None
    _entered(dossier, recorded_at or now)  # the event's, saved with the row
    dossier.save()
    _attach(dossier, documents)
    _event(
        dossier,
        action,
        before,
        move.after,
        actor,
        now,
        comment=comment,
        step=dossier.current_step,
        data=extra or {},
        recorded_at=recorded_at,
        late_entry=late_entry is not None,
    )
    if dossier.parent_id and move.after == Status.RESULT_READY:
        _return_part(dossier, actor, now)
    return dossier


def entry_delay(agency, happened_at: datetime, recorded_at: datetime) -> float:
    """Working days (the agency's calendar, fractional) from when an action happened to
    when it was entered."""
    cal = calendar(agency)
    return cal.elapsed(happened_at, recorded_at) / cal.hours.day


def _about(field_name: str, error: DossierError) -> DossierError:
    """Name the input a refusal is about (the API reports it as the field)."""
    error.field = field_name
    return error


def _check_entry(dossier, now, at, recorded_at, reason) -> dict | None:
    """Refuse an action dated in the future; for one entered late (more than
    LATE_ENTRY_WORKING_DAYS working days after `at`), require a reason. Returns the event
    data of a late entry, None otherwise."""
    clock = recorded_at if recorded_at is not None else timezone.now()
    if at is not None and now > clock + timedelta(minutes=rule("CLOCK_TOLERANCE_MINUTES")):
        raise _about("at", DossierError(_("An action cannot be dated in the future.")))
    if at is None or recorded_at is None or recorded_at <= at:
        return None
    try:
        delay = entry_delay(dossier.performing_agency, at, recorded_at)
    except (ValueError, OverflowError) as exc:  # an instant beyond the calendar
        raise _about("at", DossierError(_("The date and time it happened is not valid."))) from exc
    allowed = rule("LATE_ENTRY_WORKING_DAYS")
    if delay <= allowed:
        return None
    if not reason.strip():
        message = _(
            "This is entered %(days)s working days after it happened (more than "
            "%(allowed)s): give the reason for the late entry."
        ) % {"days": f"{delay:.1f}".replace(".", ","), "allowed": allowed}
        raise _about("reason", ReasonRequired(message))
    return {"late_entry_reason": reason.strip(), "late_entry_days": round(delay, 2)}


def _delegated(dossier: Dossier, action: Action, actor) -> dict:
    """For a leader's decision by a deputy under a delegation: whose it is (event data)."""
    if action not in (Action.APPROVE, Action.COMPLETE) or not getattr(
        actor, "is_authenticated", False
    ):
        return {}
    delegation = permissions.acting_for(actor, dossier.current_agency_id)
    if delegation is None:
        return {}
    leader = delegation.leader
    return {"on_behalf_of": leader.get_full_name() or leader.username, "delegation": delegation.pk}


def next_step(dossier: Dossier) -> ProcessStep | None:
    """The process step after the one the dossier is at."""
    if dossier.current_step is None:
        return None
    return (
        ProcessStep.objects.filter(
            process=dossier.current_step.process_id, position__gt=dossier.current_step.position
        )
        .order_by("position")
        .first()
    )


def step_agency(dossier: Dossier, step: ProcessStep | None):
    """The agency that does `step` of this dossier's process (the successor in force of a
    closed agency: a dossier transferred in a reorganisation goes on there)."""
    if step is None or step.performer == ProcessStep.Performer.PERFORMING_AGENCY:
        return _in_force(dossier.performing_agency)
    if step.performer == ProcessStep.Performer.RECEIVING_DESK and dossier.received_desk_id:
        return _in_force(dossier.received_desk.agency)
    return _in_force(step.agency or dossier.performing_agency)


def _in_force(agency):
    """`agency`, or its successor if it has closed; no query for an agency with no end."""
    if agency is None or agency.valid_to is None:
        return agency
    from motcua.org.services import successor_on

    return successor_on(agency, timezone.localdate())


def officers_for(agency, role: str | None, at: datetime | None = None):
    """Users holding a post of `role` (any role if None) in force at `agency`."""
    from motcua.org.models import Officer, User

    day = timezone.localdate(at or timezone.now())
    posts = Officer.objects.valid_on(day).filter(agency=agency)
    if role:
        posts = posts.filter(role=role)
    return User.objects.filter(pk__in=posts.values("user_id"), is_active=True).order_by(
        "full_name", "username"
    )


def forward_targets(dossier: Dossier):
    """The officers a dossier can be forwarded to: those holding the next step's role at
    the next step's agency (any specialist or leader of the agency without a process)."""
    step = next_step(dossier)
    if step is None:
        from motcua.org.constants import Role

        agency = _in_force(dossier.performing_agency)
        return (
            officers_for(agency, None)
            .filter(posts__agency=agency, posts__role__in=[Role.SPECIALIST, Role.LEADER])
            .distinct()
        )
    return officers_for(step_agency(dossier, step), step.role)


def handover_agencies(dossier: Dossier):
    """Agencies a dossier can be handed over to for an opinion: every other agency in force."""
    from motcua.org.models import Agency

    day = timezone.localdate()
    return (
        Agency.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .exclude(pk=dossier.current_agency_id)
        .order_by("name")
    )


def _forward(dossier, now, *, to_step=None, to_user=None, **kwargs):
    step = to_step or next_step(dossier)
    if to_user is not None and not forward_targets(dossier).filter(pk=to_user.pk).exists():
        raise DossierError(_("This officer does not hold the next step's role."))
    dossier.current_step = step
    dossier.current_agency = step_agency(dossier, step)
    dossier.assignee = to_user
    data = {"to_step": step.name if step else "", "to_user": to_user.pk if to_user else None}
    if dossier.status == Status.RECEIVED and dossier.transfer_due_at:
        data["transferred_late"] = now > dossier.transfer_due_at
    return data


def _approve(dossier, now, **kwargs):
    if dossier.current_step is not None and next_step(dossier) is None:
        raise DossierError(_("This is the last step: sign the result instead."))
    return _forward(dossier, now, **kwargs)


def _receive(dossier, now, **kwargs):
    start_clock(dossier, now)
    return {"due_at": dossier.due_at.isoformat()}


def _request_supplement(dossier, now, *, actor=None, comment="", reason="", **kwargs):
    if not comment.strip():
        raise DossierError(_("List the documents to supplement and why."))
    after_receipt = dossier.status != Status.SUBMITTED
    data = {}
    if after_receipt:
        data = _check_supplement_request(dossier, now, reason)
        dossier.paused_at = now
        dossier.pauses = [*dossier.pauses, [now.isoformat(), None]]
        dossier.supplement_count += 1
        # The request goes to the applicant through the desk (rule 4).
        dossier.current_agency = (
            dossier.received_desk.agency if dossier.received_desk_id else dossier.current_agency
        )
    SupplementRequest.objects.create(
        dossier=dossier,
        after_receipt=after_receipt,
        requested_at=now,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        items=comment,
        reason=reason,
        restarts_clock=dossier.procedure.restart_on_supplement,
        deadline_before=dossier.deadline_at if after_receipt else None,
    )
    return data


def supplement_window_ends(dossier: Dossier) -> datetime | None:
    """Until when the competent unit may ask for a supplement without a reason."""
    if not dossier.received_at:
        return None
    cal = calendar(dossier.performing_agency)
    return cal.add(dossier.received_at, rule("SUPPLEMENT_WINDOW_DAYS"), "days")


def _check_supplement_request(dossier, now, reason) -> dict:
    """Once, within the window after receipt (rule 4): a later or a repeated request
    needs a reason, and is recorded as such."""
    data = {}
    if dossier.supplement_count >= rule("SUPPLEMENT_MAX_REQUESTS"):
        if not reason:
            raise ReasonRequired(
                _("The dossier was already sent back for a supplement: give the reason.")
            )
        data["repeated"] = True
    if now > supplement_window_ends(dossier):
        if not reason:
            raise ReasonRequired(
                _(
                    "More than %(days)s working days have passed since receipt: give the "
                    "reason for the late request."
                )
                % {"days": rule("SUPPLEMENT_WINDOW_DAYS")}
            )
        data["late"] = True
    if reason:
        data["reason"] = reason
    return data


def _open_request(dossier) -> SupplementRequest | None:
    return (
        dossier.supplement_requests.filter(supplemented_at__isnull=True, closed_at__isnull=True)
        .order_by("-requested_at", "-id")
        .first()
    )


def end_pause(pauses: list, now: datetime) -> list:
    """The pause intervals with the open one (if any) ended at `now`."""
    pauses = [list(p) for p in pauses]
    if pauses and pauses[-1][1] is None:
        pauses[-1][1] = now.isoformat()
    return pauses


def _supplement(dossier, now, **kwargs):
    request = _open_request(dossier)
    if request is not None:
        request.supplemented_at = now
        request.save(update_fields=["supplemented_at"])
    if dossier.status == Status.INCOMPLETE:
        dossier.check_due_at = check_due(dossier, now)  # the desk checks it again
        return {}
    pauses = dossier.pauses = end_pause(dossier.pauses, now)
    dossier.paused_at = None
    deadline = deadline_for(
        dossier, [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pauses]
    )
    moved = dossier.due_at != dossier.deadline_at  # an apology already moved the appointment
    dossier.deadline_at = deadline
    dossier.due_at = max(dossier.due_at, deadline) if moved else deadline
    dossier.current_agency = step_agency(dossier, dossier.current_step)
    return {"due_at": deadline.isoformat()}


def close_due_at(dossier: Dossier) -> datetime | None:
    """From when a dossier awaiting a supplement may be closed (rule 4)."""
    request = _open_request(dossier)
    if request is None:
        return None
    cal = calendar(dossier.performing_agency)
    return cal.add(request.requested_at, rule("SUPPLEMENT_CLOSE_DAYS"), "days")


def _close(dossier, now, **kwargs):
    due = close_due_at(dossier)
    if due is None or now < due:
        raise DossierError(
            _("A dossier can be closed only %(days)s working days after the supplement request.")
            % {"days": rule("SUPPLEMENT_CLOSE_DAYS")}
        )
    request = _open_request(dossier)
    request.closed_at = now
    request.save(update_fields=["closed_at"])
    dossier.paused_at = None
    dossier.pauses = end_pause(dossier.pauses, now)
    return {}


def close_unsupplemented(now: datetime | None = None, limit: int = 500) -> list[str]:
    """Close the dossiers whose supplement did not come within SUPPLEMENT_CLOSE_DAYS
    (the periodic task). Returns their codes."""
    now = now or timezone.now()
    # A cheap upper bound first (calendar days are never fewer than working days).
    candidates = Dossier.objects.filter(
        status__in=[Status.AWAITING_SUPPLEMENT, Status.INCOMPLETE],
        supplement_requests__supplemented_at__isnull=True,
        supplement_requests__closed_at__isnull=True,
        supplement_requests__requested_at__lte=now - timedelta(days=rule("SUPPLEMENT_CLOSE_DAYS")),
    ).distinct()[:limit]
    closed = []
    for dossier in candidates:
        due = close_due_at(dossier)
        if due is not None and due <= now:
            act(
                dossier,
                Action.CLOSE,
                None,
                at=now,
                comment=_("Not supplemented within %(days)s working days.")
                % {"days": rule("SUPPLEMENT_CLOSE_DAYS")},
                check_permission=False,
            )
            closed.append(dossier.code)
    return closed


def _complete(dossier, now, *, result="", **kwargs):
    """Processing finished: the result is signed and ready. Timeliness is judged here, on
    the date processing finished against the legal deadline (rule 6); an apology's new
    appointment does not make a late dossier on time."""
    if dossier.chain_id and dossier.parent_id is None:
        waiting = dossier.parts.exclude(status__in=workflow.FINAL).count()
        if waiting or not dossier.parts.exists():
            raise DossierError(_("The inter-agency parts are not all finished."))
    from motcua.results import services as results  # the signed PDF (docs/results.md)

    results.on_complete(dossier, kwargs.get("actor"), now)
    dossier.finished_at = now
    dossier.timeliness = calendar(dossier.performing_agency).classify_finished(
        dossier.deadline_at, now
    )
    dossier.result = result or dossier.result
    dossier.current_agency = (
        dossier.return_desk.agency
        if dossier.return_desk_id
        else dossier.received_desk.agency
        if dossier.received_desk_id
        else dossier.performing_agency
    )
    dossier.current_step = None
    dossier.assignee = None
    return {"timeliness": dossier.timeliness}


def _return_result(dossier, now, *, actor=None, **kwargs):
    dossier.returned_at = now
    from motcua.dossiers.models import ResultDelivery

    if dossier.result_delivery == ResultDelivery.POST and dossier.parent_id is None:
        # Handed to the postal service: the delivery order to the result address goes to
        # the operator through the outbox (QĐ 45/2016; docs/postal.md).
        from motcua.postal import services as postal

        return postal.on_return_result(dossier, actor, now)
    return {}


def _refuse(dossier, now, *, comment="", **kwargs):
    if not comment.strip():
        raise DossierError(_("Give the reasons for the refusal."))
    dossier.result = comment
    return {}


def _withdraw(dossier, now, *, comment="", **kwargs):
    """The applicant asked to stop: the desk records the request and issues the stop
    notice (rule 7)."""
    if not comment.strip():
        raise DossierError(_("Record the applicant's request to stop (its date and reason)."))
    dossier.paused_at = None
    dossier.pauses = end_pause(dossier.pauses, now)
    request = _open_request(dossier)
    if request is not None:
        request.closed_at = now
        request.save(update_fields=["closed_at"])
    return {}


def apology_due_by(dossier: Dossier) -> datetime | None:
    """The latest instant to send the apology: APOLOGY_LEAD_DAYS working days before the
    appointment (rule 5)."""
    if not dossier.due_at or dossier.apologised_at:
        return None
    cal = calendar(dossier.performing_agency)
    lead = cal.hours.day * rule("APOLOGY_LEAD_DAYS")
    # Step back by calendar days until a full lead of working time lies before the
    # appointment, then forward by the surplus: the exact instant.
    for days_back in range(1, 60):
        candidate = dossier.due_at - timedelta(days=days_back)
        surplus = cal.elapsed(candidate, dossier.due_at) - lead
        if surplus >= timedelta(0):
            return cal.add(candidate, surplus) if surplus else candidate
    return dossier.due_at - lead


def _apologise(dossier, now, *, new_due_at=None, comment="", reason="", **kwargs):
    if dossier.apologised_at is not None and rule("MAX_REAPPOINTMENTS") <= 1:
        raise DossierError(_("The appointment was already moved once; it cannot be moved again."))
    if new_due_at is None or (dossier.due_at and new_due_at <= dossier.due_at):
        raise DossierError(_("The new appointment must be after the current one."))
    latest = dossier.received_at + timedelta(days=rule("MAX_APPOINTMENT_DAYS"))
    if new_due_at > latest:
        raise DossierError(
            _("The new appointment cannot be more than %(days)s days after receipt.")
            % {"days": rule("MAX_APPOINTMENT_DAYS")}
        )
    if not comment.strip():
        raise DossierError(_("Give the reason for the delay."))
    data = {}
    due_by = apology_due_by(dossier)
    if due_by is not None and now > due_by:
        if not reason:
            raise ReasonRequired(
                _(
                    "The apology should have been sent %(days)s working day(s) before the "
                    "appointment: give the reason it is late."
                )
                % {"days": rule("APOLOGY_LEAD_DAYS")}
            )
        data = {"late": True, "reason": reason}
    previous = dossier.due_at
    dossier.due_at = new_due_at
    dossier.apologised_at = now
    return {
        **data,
        "previous_due_at": previous.isoformat() if previous else None,
        "new_due_at": new_due_at.isoformat(),
    }


def _hand_over(dossier, now, *, to_agency=None, to_user=None, **kwargs):
    if to_agency is None:
        raise DossierError(_("Choose the agency to hand the dossier to."))
    if not handover_agencies(dossier).filter(pk=to_agency.pk).exists():
        raise DossierError(_("The dossier cannot be handed over to this agency."))
    if to_user is not None and not officers_for(to_agency, None).filter(pk=to_user.pk).exists():
        raise DossierError(_("This officer does not work at the chosen agency."))
    dossier.current_agency = to_agency
    dossier.assignee = to_user
    return {"to_agency": to_agency.code}


def _hand_back(dossier, now, **kwargs):
    dossier.current_agency = step_agency(dossier, dossier.current_step)
    dossier.assignee = None
    return {}


# --- The reorganisation's transfer ------------------------------------------------------------


@transaction.atomic
def transfer_to_successor(
    dossier: Dossier, to_agency, *, desk=None, at: datetime, reason: str = "", actor=None
) -> DossierEvent | None:
    """Move an open dossier from a closed agency to its successor (the 2025 reorganisation).

    Not a step of the workflow: the status, code, deadlines, performing agency (whose
    statistics of the past periods must not change) and history stay; the dossier is now
    at `to_agency`, its receipt and return desks (when they were the closed agency's) are
    `desk`, and one event says so. None (nothing written) if the dossier is final or
    already there."""
    dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
    if Status(dossier.status) in workflow.FINAL or dossier.current_agency_id == to_agency.pk:
        return None
    before = {
        "from_agency": dossier.current_agency.code,
        "received_desk": dossier.received_desk_id,
        "return_desk": dossier.return_desk_id,
    }
    dossier.current_agency = to_agency
    if desk is not None:
        closed = _desks_of_closed_agencies(dossier, timezone.localdate(at))
        if dossier.received_desk_id is None or dossier.received_desk_id in closed:
            dossier.received_desk = desk
        if dossier.return_desk_id in closed:
            dossier.return_desk = desk
    if dossier.assignee_id is not None:
        from motcua.org.models import Officer

        day = timezone.localdate(at)
        posts = Officer.objects.valid_on(day).filter(agency=to_agency)
        if not posts.filter(user_id=dossier.assignee_id).exists():
            dossier.assignee = None  # the officer did not move with it: the queue takes it
    dossier.save()
    last = dossier.events.order_by("-at", "-id").first()
    at = max(at, last.at) if last is not None else at
    now = timezone.now()
    return _event(
        dossier,
        TRANSFER,
        Status(dossier.status),
        Status(dossier.status),
        actor,
        at,
        comment=reason,
        step=dossier.current_step,
        data={
            **before,
            "to_agency": to_agency.code,
            "received_desk_now": dossier.received_desk_id,
            "return_desk_now": dossier.return_desk_id,
        },
        notify=False,
        recorded_at=now if now != at else None,
    )


def _desks_of_closed_agencies(dossier: Dossier, day) -> set[int]:
    """The dossier's desks whose agency is no longer in force on `day` (a desk lives as
    long as its agency; its row stays, since old dossiers and reports name it)."""
    from motcua.org.models import Desk

    ids = {dossier.received_desk_id, dossier.return_desk_id} - {None}
    return set(
        Desk.objects.filter(pk__in=ids, agency__valid_to__lte=day).values_list("pk", flat=True)
    )


# --- Inter-agency chains -----------------------------------------------------------------------


def start_chain(parent: Dossier, chain, actor, now) -> list[Dossier]:
    """The receiving desk keeps the dossier; the chain's first agencies get their parts."""
    parent.chain = chain
    parent.status = Status.PROCESSING
    # The combined time limit: positions run one after another, links of a position at once.
    cal = calendar(parent.performing_agency)
    longest: dict[int, float] = {}
    for link in chain.links.select_related("procedure"):
        p = link.procedure
        day_hours = cal.hours.day.total_seconds() / 3600
        hours = float(p.local_duration) * (1 if p.duration_unit == "hours" else day_hours)
        longest[link.position] = max(longest.get(link.position, 0), hours)
    parent.due_at = parent.deadline_at = cal.due_at(now, sum(longest.values()), "hours")
    parent.save(update_fields=["chain", "status", "due_at", "deadline_at", "updated_at"])
    _event(
        parent,
        Action.FORWARD,
        Status.RECEIVED,
        Status.PROCESSING,
        actor,
        now,
        comment=_("Inter-agency: %(chain)s") % {"chain": chain.name},
    )
    first = chain.links.order_by("position").values_list("position", flat=True).first()
    return _open_parts(parent, first, actor, now)


def _part_agency(parent: Dossier, link):
    """The agency of a link: named, or the one of the link's level where the dossier is."""
    if link.agency_id:
        return link.agency
    desk = parent.received_desk
    try:
        return performing_agency_for(link.procedure, desk, None)
    except DossierError:
        return parent.performing_agency


def _open_parts(parent: Dossier, position, actor, now) -> list[Dossier]:
    parts = []
    for link in parent.chain.links.filter(position=position).select_related("procedure"):
        agency = _part_agency(parent, link)
        step = _first_step(process_for(link.procedure, agency))
        part = Dossier(
            code=next_code(agency, timezone.localdate(now)),
            secret=parent.secret,
            procedure=link.procedure,
            procedure_version=catalog_services.version_on(link.procedure, timezone.localdate(now)),
            applicant=parent.applicant,
            channel=parent.channel,
            status=Status.RECEIVED,
            parent=parent,
            chain=parent.chain,
            chain_position=position,
            return_desk=parent.return_desk,
            performing_agency=agency,
            current_agency=agency,
            current_step=step,
        )
        start_clock(part, now)
        part.save()
        _event(
            part,
            Action.RECEIVE,
            None,
            Status.RECEIVED,
            actor,
            now,
            step=step,
            comment=_("Inter-agency part of dossier %(code)s") % {"code": parent.code},
        )
        parts.append(part)
    return parts


def _return_part(part: Dossier, actor, now) -> None:
    """A part's result goes back through the system to the receiving desk at once."""
    cal = calendar(part.performing_agency)
    part.timeliness = cal.classify_finished(part.deadline_at, now)
    part.status = Status.RETURNED
    part.finished_at = part.returned_at = now  # returned to the receiving desk at once
    part.current_agency = part.parent.current_agency
    part.save()
    _event(
        part,
        Action.RETURN_RESULT,
        Status.RESULT_READY,
        Status.RETURNED,
        actor,
        now,
        comment=_("Result sent to the receiving desk"),
        data={"timeliness": part.timeliness},
    )
    parent = Dossier.objects.select_for_update().get(pk=part.parent_id)
    same_position = parent.parts.filter(chain_position=part.chain_position)
    if same_position.exclude(status__in=workflow.FINAL).exists():
        return
    later = (
        parent.chain.links.filter(position__gt=part.chain_position)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    if later is not None:
        _open_parts(parent, later, actor, now)
    else:
        _event(
            parent,
            Action.HAND_BACK,
            Status(parent.status),
            Status(parent.status),
            actor,
            now,
            comment=_("All inter-agency results received"),
        )


HANDLERS = {
    Action.RECEIVE: _receive,
    Action.FORWARD: _forward,
    Action.APPROVE: _approve,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.SUPPLEMENT: _supplement,
    Action.COMPLETE: _complete,
    Action.RETURN_RESULT: _return_result,
    Action.REFUSE: _refuse,
    Action.APOLOGISE: _apologise,
    Action.HAND_OVER: _hand_over,
    Action.HAND_BACK: _hand_back,
    Action.WITHDRAW: _withdraw,
    Action.CLOSE: _close,
}


def _entered(dossier, entered: datetime, write: bool = False) -> None:
    """Keep `dossier.last_entered_at` the latest entry time of its events. Callers about to
    save the dossier set it first (`write` False), so that `_event` finds it current and
    writes nothing more; otherwise `_event` updates the row."""
    if dossier.last_entered_at is not None and dossier.last_entered_at >= entered:
        return
    dossier.last_entered_at = entered
    if write:
        Dossier.objects.filter(pk=dossier.pk).update(last_entered_at=entered)


def _event(
    dossier,
    action,
    before,
    after,
    actor,
    at,
    *,
    comment="",
    step=None,
    data=None,
    notify=True,
    recorded_at=None,
    late_entry=False,
):
    previous = (
        dossier.events.filter(since_arrival(dossier)).order_by("-at", "-id").first()
        if before is not None
        else None
    )
    used = 0
    if previous is not None and dossier.received_at and before in workflow.RUNNING:
        cal = calendar(dossier.performing_agency)
        used = int(cal.elapsed(max(previous.at, dossier.received_at), at).total_seconds())
    _entered(dossier, recorded_at or at, write=True)
    event = DossierEvent.objects.create(
        dossier=dossier,
        at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=before or "",
        to_status=after,
        agency=dossier.current_agency,
        step=step,
        assignee=dossier.assignee,
        comment=comment,
        working_seconds=max(used, 0),
        data=data or {},
        recorded_at=recorded_at,
        late_entry=late_entry,
    )
    # The personal data store keeps the papers of a received dossier (docs/store.md).
    store_services.on_dossier_event(dossier, action)
    # The statistics' fact table follows the dossier in this same transaction.
    stats_facts.follow(dossier)
    if notify and action in notifications.NOTIFIED and not dossier.parent_id:
        # An outbox row in this transaction, sent after the commit: a rolled-back change
        # tells nobody anything, and a mail outage loses nothing (docs/outbox.md).
        notifications.enqueue(event)
    return event


# --- The applicant's request to stop ---------------------------------------------------------

STOP_REQUESTED = "dossier.stop_requested"
STOP_REASON_MAX = 2000


@transaction.atomic
def request_stop(dossier: Dossier, actor, reason: str):
    """The applicant asks, online, to stop their dossier (rule 7). The request is recorded
    on the dossier's audit trail, where the desk sees it; the desk then issues the stop
    notice with `withdraw`. Nothing else changes until then: the dossier is not stopped by
    the request itself. One pending request per dossier."""
    from motcua.core import audit

    dossier = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
    if not permissions.is_applicant(actor, dossier):
        raise NotAllowed(_("You may not do this to this dossier."))
    if not permissions.may_request_stop(actor, dossier):
        raise DossierError(
            _("Not possible while the dossier is %(status)s.")
            % {"status": dict(STATUS_LABELS).get(dossier.status, dossier.status)}
        )
    reason = (reason or "").strip()
    if not reason:
        raise DossierError(_("Say why you ask to stop the dossier."))
    if len(reason) > STOP_REASON_MAX:
        raise DossierError(
            _("The reason may be at most %(n)s characters.") % {"n": STOP_REASON_MAX}
        )
    if pending_stop_request(dossier) is not None:
        raise DossierError(_("You have already asked to stop this dossier; the desk will answer."))
    return audit.record(
        STOP_REQUESTED, dossier, actor, reason, reason=reason, status=dossier.status
    )


def stop_requests(dossier: Dossier):
    """The applicant's requests to stop the dossier, newest first (audit events)."""
    from motcua.core.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=Dossier._meta.label_lower, object_id=str(dossier.pk), action=STOP_REQUESTED
    ).select_related("actor")


def pending_stop_request(dossier: Dossier):
    """The request to stop the desk has yet to act on: the latest one, while the dossier is
    still stoppable (a stop notice, a refusal or a result ends it). None otherwise."""
    if Status(dossier.status) not in workflow.TRANSITIONS[Action.WITHDRAW]:
        return None
    return stop_requests(dossier).order_by("-at", "-id").first()


def _stop_requested_events():
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from motcua.core.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=Dossier._meta.label_lower,
        object_id=Cast(OuterRef("pk"), CharField()),
        action=STOP_REQUESTED,
    )


def stop_request_exists() -> Exists:
    """For a queryset of dossiers (annotate it as `stop_asked`): the applicant asked to
    stop it; evaluated on the queue's page rows only, on the audit trail's index."""
    return Exists(_stop_requested_events())


def with_pending_stop_request(dossiers):
    """The dossiers whose applicant asked to stop and the desk has not acted yet (the
    queue's filter): still stoppable, with a request on the audit trail. One EXISTS on the
    audit trail's (object type, object id) index per row the other filters kept."""
    return dossiers.filter(
        stop_request_exists(),
        status__in=list(workflow.TRANSITIONS[Action.WITHDRAW]),
    )


def pending_stop_ids(dossiers) -> set[int]:
    """Of a page of dossiers annotated with `stop_asked` (`stop_request_exists`), the ids
    of those with a request to stop the desk has yet to answer (still stoppable)."""
    open_ = workflow.TRANSITIONS[Action.WITHDRAW]
    return {d.pk for d in dossiers if getattr(d, "stop_asked", False) and Status(d.status) in open_}


# --- Delegation -------------------------------------------------------------------------------


@transaction.atomic
def delegate(*, leader, deputy, agency, starts_at, ends_at, reason="", actor=None) -> Delegation:
    """Delegate `leader`'s approval and signing at `agency` to `deputy` for a period.

    The leader must be a leader of the agency and the deputy an officer of it; periods of one
    leader at one agency must not overlap."""
    from motcua.core import audit
    from motcua.org.constants import Role
    from motcua.org.models import Officer

    for instant in (starts_at, ends_at):
        if not 2000 <= instant.year <= 2099:
            raise DossierError(_("A delegation's dates must fall between 2000 and 2099."))
    if ends_at <= starts_at:
        raise DossierError(_("The delegation must end after it starts."))
    if deputy.pk == leader.pk:
        raise DossierError(_("A leader cannot delegate to themselves."))
    day = starts_at.date()
    posts = Officer.objects.valid_on(day).filter(agency=agency)
    if not posts.filter(user=leader, role=Role.LEADER).exists():
        raise NotAllowed(_("Only a leader of the agency can delegate its approval."))
    if not posts.filter(user=deputy).exists():
        raise DossierError(_("The deputy must be an officer of the same agency."))
    overlapping = Delegation.objects.select_for_update().filter(
        leader=leader, agency=agency, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if overlapping.exists():
        raise DossierError(_("This leader already has a delegation in that period."))
    delegation = Delegation.objects.create(
        leader=leader,
        deputy=deputy,
        agency=agency,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
    )
    audit.record(
        "delegation.created",
        delegation,
        actor or leader,
        f"{leader} → {deputy} ({agency})",
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
        reason=reason,
    )
    return delegation


@transaction.atomic
def end_delegation(delegation: Delegation, *, actor, now: datetime | None = None) -> Delegation:
    """End a delegation now (or cancel one not yet started); the record stays."""
    from motcua.core import audit

    now = now or timezone.now()
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if actor.pk != delegation.leader_id and not actor.is_superuser:
        raise NotAllowed(_("Only the leader who gave the delegation can end it."))
    if delegation.ends_at <= now:
        raise DossierError(_("This delegation has already ended."))
    delegation.ends_at = max(now, delegation.starts_at)
    delegation.save(update_fields=["ends_at"])
    audit.record(
        "delegation.ended",
        delegation,
        actor,
        str(delegation),
        ends_at=delegation.ends_at.isoformat(),
    )
    return delegation
