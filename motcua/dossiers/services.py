"""The only code that changes dossiers.

`receive` (and `submit` for online/postal dossiers) creates a dossier; `act` performs every
later action. Each call is one transaction: the dossier row is locked, the transition is
checked against `workflow`, the permission against `permissions`, one immutable
`DossierEvent` is appended, and side effects (notifications) are queued after commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import services as catalog_services
from motcua.catalog.constants import Status as ProcedureStatus
from motcua.dossiers import codes, notifications, permissions, tasks, uploads, workflow
from motcua.dossiers.models import (
    Applicant,
    Channel,
    Delegation,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    Process,
    ProcessStep,
)
from motcua.dossiers.workflow import Action, Status

SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed by citizens


class DossierError(Exception):
    """A request the rules refuse; the message is for the officer or applicant."""


class NotAllowed(DossierError):
    pass


class InvalidFile(DossierError):
    """An attached file of a type, content or size that is not accepted."""


@dataclass
class Incomplete(DossierError):
    missing: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.missing)


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
    """Allocate the agency's next sequence number for `day`; call inside a transaction."""
    counter = counter or lock_counter(agency, day)
    DossierCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return codes.format_code(agency.code, day, counter.last)


def _applicant(data: dict | Applicant) -> Applicant:
    if isinstance(data, Applicant):
        return data
    from motcua.dossiers.validation import clean_applicant

    return Applicant.objects.create(**clean_applicant(data))


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


@transaction.atomic
def receive(
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
    fee_amount: int = 0,
    check_complete: bool = True,
    submit_only: bool = False,
    chain=None,
) -> Dossier:
    """Receive a complete dossier at a desk (or accept an online/postal submission when
    `submit_only`). Raises Incomplete listing the missing documents: the officer then
    guides the applicant (form 02) and nothing is received."""
    if idempotency_key:
        existing = Dossier.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if procedure.status != ProcedureStatus.ACTIVE:
        raise DossierError(_("This procedure is no longer in force."))
    if channel == Channel.ONLINE and not procedure.channel_online:
        raise DossierError(_("This procedure does not accept online dossiers."))
    documents = _checked_files(documents)
    if check_complete and not submit_only:
        missing = check_completeness(procedure, documents)
        if missing:
            raise Incomplete(missing)
    now = received_at or timezone.now()
    agency = performing_agency_for(procedure, desk, performing_agency)
    process = process_for(procedure, agency)
    step = _first_step(process)
    day = timezone.localdate(now)
    counter = lock_counter(agency, day)
    if idempotency_key:
        # A retry that waited for the lock now sees the first request's dossier.
        existing = Dossier.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    applicant = _applicant(applicant)
    status = Status.SUBMITTED if submit_only else Status.RECEIVED
    action = Action.SUBMIT if submit_only else Action.RECEIVE
    dossier = Dossier(
        code=next_code(agency, day, counter),
        secret="".join(secrets.choice(SECRET_ALPHABET) for _ in range(8)),
        procedure=procedure,
        procedure_version=catalog_services.version_on(procedure, timezone.localdate(now)),
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
        idempotency_key=idempotency_key or None,
    )
    if not submit_only:
        _start_clock(dossier, now)
    try:
        with transaction.atomic():
            dossier.save()
    except IntegrityError:
        if idempotency_key:  # a concurrent retry won the race: answer with its dossier
            return Dossier.objects.get(idempotency_key=idempotency_key)
        raise
    _attach(dossier, documents)
    _event(dossier, action, None, status, actor, now, step=step)
    if chain is not None and not submit_only:
        start_chain(dossier, chain, actor, now)
    return dossier


def submit(**kwargs) -> Dossier:
    """An online or postal submission, to be checked by a desk officer."""
    return receive(submit_only=True, **kwargs)


def _start_clock(dossier: Dossier, now: datetime) -> None:
    procedure = dossier.procedure
    cal = calendar(dossier.performing_agency)
    due = cal.due_at(now, procedure.local_duration, procedure.duration_unit)
    dossier.received_at = now
    dossier.due_at = dossier.deadline_at = due


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


def _attach(dossier: Dossier, documents: list[dict]) -> None:
    for d in documents:
        upload = d.get("file")
        DossierDocument.objects.create(
            dossier=dossier,
            required_document_id=d.get("required_document"),
            name=d.get("name") or "",
            originals=d.get("originals", 0),
            copies=d.get("copies", 0),
            file=upload or "",
            content_type=d.get("content_type", ""),
            size=getattr(upload, "size", 0) or 0,
        )


# --- Every later action -----------------------------------------------------------------------


@transaction.atomic
def act(
    dossier: Dossier,
    action: Action | str,
    actor,
    *,
    comment: str = "",
    at: datetime | None = None,
    to_step: ProcessStep | None = None,
    to_user=None,
    to_agency=None,
    new_due_at: datetime | None = None,
    result: str = "",
    documents: list[dict] = (),
    check_permission: bool = True,
) -> Dossier:
    action = Action(action)
    documents = _checked_files(documents)
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "received_desk", "performing_agency")
        .get(pk=dossier.pk)
    )
    if check_permission and not permissions.can(actor, action, dossier):
        raise NotAllowed(_("You may not do this to this dossier."))
    before = Status(dossier.status)
    try:
        move = workflow.transition(before, action)
    except workflow.IllegalTransition as exc:
        raise DossierError(
            _("Not possible while the dossier is %(status)s.") % {"status": before}
        ) from exc
    now = at or timezone.now()
    delegated = _delegated(dossier, action, actor)
    handler = HANDLERS.get(action)
    extra = (
        handler(
            dossier,
            now,
            to_step=to_step,
            to_user=to_user,
            to_agency=to_agency,
            new_due_at=new_due_at,
            result=result,
            comment=comment,
        )
        if handler
        else {}
    )
    if delegated:
        extra = {**(extra or {}), **delegated}
    dossier.status = move.after
    if move.finishes and not dossier.finished_at:
        dossier.finished_at = now
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
    )
    if dossier.parent_id and move.after == Status.RESULT_READY:
        _return_part(dossier, actor, now)
    return dossier


def _delegated(dossier: Dossier, action: Action, actor) -> dict:
    """For an approval by a deputy under a delegation: whose approval it is (event data)."""
    if action != Action.APPROVE or not getattr(actor, "is_authenticated", False):
        return {}
    delegation = permissions.acting_for(actor, dossier.current_agency_id)
    if delegation is None:
        return {}
    leader = delegation.leader
    return {"on_behalf_of": leader.get_full_name() or leader.username, "delegation": delegation.pk}


def _next_step(dossier: Dossier) -> ProcessStep | None:
    if dossier.current_step is None:
        return None
    return (
        ProcessStep.objects.filter(
            process=dossier.current_step.process_id, position__gt=dossier.current_step.position
        )
        .order_by("position")
        .first()
    )


def _step_agency(dossier: Dossier, step: ProcessStep | None):
    if step is None or step.performer == ProcessStep.Performer.PERFORMING_AGENCY:
        return dossier.performing_agency
    if step.performer == ProcessStep.Performer.RECEIVING_DESK and dossier.received_desk_id:
        return dossier.received_desk.agency
    return step.agency or dossier.performing_agency


def _forward(dossier, now, *, to_step=None, to_user=None, to_agency=None, **kwargs):
    step = to_step or _next_step(dossier)
    dossier.current_step = step
    dossier.current_agency = to_agency or _step_agency(dossier, step)
    dossier.assignee = to_user
    return {"to_step": step.name if step else "", "to_user": to_user.pk if to_user else None}


def _receive(dossier, now, **kwargs):
    _start_clock(dossier, now)
    return {"due_at": dossier.due_at.isoformat()}


def _request_supplement(dossier, now, *, comment="", **kwargs):
    if not comment.strip():
        raise DossierError(_("List the documents to supplement and why."))
    if dossier.status == Status.SUBMITTED:
        return {}
    dossier.paused_at = now
    dossier.pauses = [*dossier.pauses, [now.isoformat(), None]]
    dossier.current_agency = (
        dossier.received_desk.agency if dossier.received_desk_id else (dossier.current_agency)
    )
    return {}


def _supplement(dossier, now, **kwargs):
    if dossier.status == Status.INCOMPLETE:
        return {}
    pauses = [list(p) for p in dossier.pauses]
    pauses[-1][1] = now.isoformat()
    dossier.pauses = pauses
    dossier.paused_at = None
    cal = calendar(dossier.performing_agency)
    procedure = dossier.procedure
    deadline = cal.due_at(
        dossier.received_at,
        procedure.local_duration,
        procedure.duration_unit,
        pauses=[(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pauses],
        restart_on_supplement=procedure.restart_on_supplement,
    )
    moved = dossier.due_at != dossier.deadline_at  # an apology already moved the appointment
    dossier.deadline_at = deadline
    dossier.due_at = max(dossier.due_at, deadline) if moved else deadline
    dossier.current_agency = dossier.performing_agency
    return {"due_at": deadline.isoformat()}


def _complete(dossier, now, *, result="", **kwargs):
    if dossier.chain_id and dossier.parent_id is None:
        waiting = dossier.parts.exclude(status__in=workflow.FINAL).count()
        if waiting or not dossier.parts.exists():
            raise DossierError(_("The inter-agency parts are not all finished."))
    dossier.result_ready_at = now
    dossier.result = result or dossier.result
    dossier.current_agency = (
        dossier.received_desk.agency if dossier.received_desk_id else dossier.performing_agency
    )
    dossier.current_step = None
    dossier.assignee = None
    return {}


def _return_result(dossier, now, **kwargs):
    cal = calendar(dossier.performing_agency)
    ready = dossier.result_ready_at or now
    dossier.timeliness = cal.classify_finished(dossier.deadline_at, ready)
    return {"timeliness": dossier.timeliness}


def _refuse(dossier, now, *, comment="", **kwargs):
    if not comment.strip():
        raise DossierError(_("Give the reasons for the refusal."))
    dossier.result = comment
    return {}


def _apologise(dossier, now, *, new_due_at=None, comment="", **kwargs):
    if new_due_at is None or (dossier.due_at and new_due_at <= dossier.due_at):
        raise DossierError(_("The new appointment must be after the current one."))
    if not comment.strip():
        raise DossierError(_("Give the reason for the delay."))
    previous = dossier.due_at
    dossier.due_at = new_due_at
    return {
        "previous_due_at": previous.isoformat() if previous else None,
        "new_due_at": new_due_at.isoformat(),
    }


def _hand_over(dossier, now, *, to_agency=None, to_user=None, **kwargs):
    if to_agency is None:
        raise DossierError(_("Choose the agency to hand the dossier to."))
    dossier.current_agency = to_agency
    dossier.assignee = to_user
    return {"to_agency": to_agency.code}


def _hand_back(dossier, now, **kwargs):
    dossier.current_agency = dossier.performing_agency
    dossier.assignee = None
    return {}


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
        _start_clock(part, now)
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
    part.finished_at = now
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
    Action.APPROVE: _forward,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.SUPPLEMENT: _supplement,
    Action.COMPLETE: _complete,
    Action.RETURN_RESULT: _return_result,
    Action.REFUSE: _refuse,
    Action.APOLOGISE: _apologise,
    Action.HAND_OVER: _hand_over,
    Action.HAND_BACK: _hand_back,
}


def _event(dossier, action, before, after, actor, at, *, comment="", step=None, data=None):
    previous = dossier.events.order_by("-at", "-id").first() if before is not None else None
    used = 0
    if previous is not None and dossier.received_at and before in workflow.RUNNING:
        cal = calendar(dossier.performing_agency)
        used = int(cal.elapsed(max(previous.at, dossier.received_at), at).total_seconds())
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
    )
    if action in notifications.NOTIFIED and not dossier.parent_id:
        # Side effects wait for the commit: a rolled-back change tells nobody anything.
        transaction.on_commit(lambda: tasks.notify_applicant.enqueue(event.pk))


# --- Delegation -------------------------------------------------------------------------------


@transaction.atomic
def delegate(*, leader, deputy, agency, starts_at, ends_at, reason="", actor=None) -> Delegation:
    """Delegate `leader`'s approval and signing at `agency` to `deputy` for a period.

    The leader must be a leader of the agency and the deputy an officer of it; periods of one
    leader at one agency must not overlap."""
    from motcua.core import audit
    from motcua.org.constants import Role
    from motcua.org.models import Officer

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
