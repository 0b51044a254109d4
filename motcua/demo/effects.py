"""What the services do to a dossier, replayed on unsaved rows in memory (for the bulk writer).

`Replay.receive(plan)` and `Replay.act(draft, step)` change an unsaved `Dossier` exactly as
`services.receive`/`submit` and `services.act` change the saved one, and collect the rows
the services would insert with it: its events, supplement requests and documents, and the
parts of an inter-agency chain. Every status move is `workflow.transition`; deadlines,
check and transfer times, the supplement window, the apology's latest date and timeliness
come from the services' public functions (`deadline_for`, `check_due`, `step_agency`,
`supplement_window_ends`, `apology_due_by`, `rule`) and the worktime calendar.

The services' handlers are private (`services._forward` …) and write to the database, so
each action's effect is mirrored here by a small function naming the handler it mirrors.
tests/test_both_ways.py makes plans both ways and compares every stored field: a change to
a handler that is not mirrored here fails there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.text import fold
from motcua.demo.org import Org, chain_hours, part_agency
from motcua.demo.plans import Plan, Step
from motcua.dossiers import services, workflow
from motcua.dossiers.models import Dossier
from motcua.dossiers.validation import clean_applicant
from motcua.dossiers.workflow import Action, Status
from motcua.worktime import calendars

A, S = Action, Status


class Draft:
    """A dossier being made in memory: the unsaved row and the rows that go with it."""

    __slots__ = ("applicant", "dossier", "events", "parent", "parts", "requests", "steps")

    def __init__(self, dossier: Dossier, applicant: dict, steps, parent: Draft | None = None):
        self.dossier, self.applicant, self.steps, self.parent = dossier, applicant, steps, parent
        self.parts: dict[int, Draft] = {}  # by chain position
        self.events: list[list] = []  # EVENT_COLUMNS, without the dossier
        self.requests: list[dict] = []  # SupplementRequest fields by attname

    @property
    def first(self) -> datetime:
        return self.events[0][0]

    @property
    def last(self) -> datetime | None:
        return max((e[0] for e in self.events), default=None)


def as_read(at: datetime | None) -> datetime | None:
    """An instant as `services.act` sees it on the row it reloads: the database gives
    datetimes back in UTC (what the apology's event data records)."""
    return at.astimezone(UTC) if at is not None else None


start_clock = services.start_clock


def _open_request(draft: Draft) -> dict | None:
    """Mirrors `services._open_request`: the latest request neither supplemented nor closed."""
    open_ = [r for r in draft.requests if r["supplemented_at"] is None and r["closed_at"] is None]
    return max(open_, key=lambda r: r["requested_at"], default=None)


class Replay:
    """Receives and acts in memory; subclasses number the dossiers (`code`) and keep the
    drafts (`track`)."""

    def __init__(self, org: Org):
        self.org = org

    def code(self, agency, day) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def track(self, draft: Draft) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # - creation: services.receive / submit -

    def receive(self, plan: Plan) -> Draft:
        org, now, procedure, desk, agency = (
            self.org,
            plan.arrives_at,
            plan.procedure,
            plan.desk,
            plan.agency,
        )
        steps = org.process_steps(procedure, agency)
        step = steps[0] if steps else None
        day = timezone.localdate(now)
        applicant = clean_applicant(plan.applicant)  # the row services.receive creates
        applicant["name_folded"] = fold(applicant["full_name"])[:300]
        status = S.SUBMITTED if plan.submit_only else S.RECEIVED
        version = org.version_on(procedure, day)
        if version is None:  # as services.receive refuses it
            raise services.DossierError("The procedure was not in force on the day of receipt.")
        d = Dossier(
            code=self.code(agency, day),
            secret=plan.secret,
            procedure=procedure,
            procedure_version_id=version,
            channel=plan.channel,
            status=status,
            received_desk=desk,
            return_desk=desk,
            performing_agency=agency,
            current_agency=desk.agency,
            current_step=step,
            submitted_at=now if plan.submit_only else None,
            fee_amount=plan.fee,
            idempotency_key=None,
        )
        draft = Draft(d, applicant, steps)
        self.track(draft)
        if plan.submit_only:
            d.check_due_at = services.check_due(d, now)
        else:
            start_clock(d, now)
        action = A.SUBMIT if plan.submit_only else A.RECEIVE
        self.event(draft, action, None, status, plan.creator, now, step=step)
        if plan.chain is not None and not plan.submit_only:
            self.start_chain(draft, plan.chain, plan.creator, now)
        return draft

    # - every later action: services.act -

    def act(self, draft: Draft, step: Step) -> None:
        d = draft.dossier
        before = Status(d.status)
        move = workflow.transition(before, step.action)
        if d.received_at and step.at < (d.submitted_at or d.received_at):
            raise services.DossierError("An action cannot be dated before the dossier arrived.")
        extra = HANDLERS[step.action](self, draft, step)
        d.status = move.after
        if move.finishes and not d.finished_at:
            d.finished_at = step.at
        self.event(
            draft,
            step.action,
            before,
            move.after,
            step.actor,
            step.at,
            comment=step.comment,
            step=d.current_step,
            data=extra or {},
        )
        if draft.parent is not None and move.after == S.RESULT_READY:
            self.return_part(draft, step.actor, step.at)

    def event(self, draft, action, before, after, actor, at, *, comment="", step=None, data=None):
        """Mirrors `services._event`: the working time since the previous event when the
        clock ran; the agency, step and officer the dossier is at after the action."""
        d, used = draft.dossier, 0
        last = draft.last
        if before is not None and last is not None and d.received_at and before in workflow.RUNNING:
            cal = calendars.get_calendar(d.performing_agency_id)
            used = int(cal.elapsed(max(last, d.received_at), at).total_seconds())
        draft.events.append(
            [
                at,
                actor.pk if getattr(actor, "is_authenticated", False) else None,
                str(action),
                str(before or ""),
                str(after),
                d.current_agency_id,
                step.pk if step is not None else None,
                d.assignee_id,
                comment,
                max(used, 0),
                data or {},
                None,  # recorded_at: the demo records each event when it happens
                False,  # late_entry
            ]
        )

    # - inter-agency chains: services.start_chain, _open_parts, _return_part -

    def start_chain(self, parent: Draft, chain, actor, now) -> None:
        d = parent.dossier
        d.chain = chain
        d.status = S.PROCESSING
        cal = calendars.get_calendar(d.performing_agency_id)
        links = self.org.chains[chain.pk][1]
        d.due_at = d.deadline_at = cal.due_at(now, chain_hours(cal, links), "hours")
        comment = _("Inter-agency: %(chain)s") % {"chain": chain.name}
        self.event(parent, A.FORWARD, S.RECEIVED, S.PROCESSING, actor, now, comment=comment)
        self.open_parts(parent, links[0].position, actor, now)

    def open_parts(self, parent: Draft, position, actor, now) -> None:
        org, p = self.org, parent.dossier
        for link in org.chains[p.chain_id][1]:
            if link.position != position:
                continue
            agency = part_agency(p.received_desk, link, p.performing_agency)
            steps = org.process_steps(link.procedure, agency)
            step = steps[0] if steps else None
            day = timezone.localdate(now)
            d = Dossier(
                code=self.code(agency, day),
                secret=p.secret,
                procedure=link.procedure,
                procedure_version_id=org.version_on(link.procedure, day),
                channel=p.channel,
                status=S.RECEIVED,
                chain=p.chain,
                chain_position=position,
                return_desk=p.return_desk,
                performing_agency=agency,
                current_agency=agency,
                current_step=step,
            )
            part = Draft(d, parent.applicant, steps, parent)
            self.track(part)
            start_clock(d, now)
            parent.parts[position] = part
            comment = _("Inter-agency part of dossier %(code)s") % {"code": p.code}
            self.event(part, A.RECEIVE, None, S.RECEIVED, actor, now, step=step, comment=comment)

    def return_part(self, part: Draft, actor, now) -> None:
        d, parent = part.dossier, part.parent
        cal = calendars.get_calendar(d.performing_agency_id)
        d.timeliness = cal.classify_finished(d.deadline_at, now)
        d.status = S.RETURNED
        d.finished_at = d.returned_at = now
        d.current_agency = parent.dossier.current_agency
        self.event(
            part,
            A.RETURN_RESULT,
            S.RESULT_READY,
            S.RETURNED,
            actor,
            now,
            comment=_("Result sent to the receiving desk"),
            data={"timeliness": d.timeliness},
        )
        position = d.chain_position
        same = [p for p in parent.parts.values() if p.dossier.chain_position == position]
        if any(p.dossier.status not in workflow.FINAL for p in same):
            return
        links = self.org.chains[parent.dossier.chain_id][1]
        later = [link.position for link in links if link.position > position]
        if later:
            self.open_parts(parent, min(later), actor, now)
        else:
            status = Status(parent.dossier.status)
            comment = _("All inter-agency results received")
            self.event(parent, A.HAND_BACK, status, status, actor, now, comment=comment)


# --- The handlers, mirrored ------------------------------------------------------------------


def _next_step(draft: Draft):
    """As `services.next_step`, from the process's steps in memory."""
    current = draft.dossier.current_step
    if current is None:
        return None
    return next((s for s in draft.steps if s.position > current.position), None)


def forward(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._forward` (the officer is one of `services.forward_targets`: the
    planner picks the holder of the next step's role at its agency)."""
    d, target = draft.dossier, _next_step(draft)
    d.current_step = target
    d.current_agency = services.step_agency(d, target)
    d.assignee = step.to_user
    data = {
        "to_step": target.name if target else "",
        "to_user": step.to_user.pk if step.to_user else None,
    }
    if d.status == S.RECEIVED and d.transfer_due_at:
        data["transferred_late"] = step.at > d.transfer_due_at
    return data


def approve(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._approve`: not at the last step (the leader signs there)."""
    if draft.dossier.current_step is not None and _next_step(draft) is None:
        raise services.DossierError("This is the last step: sign the result instead.")
    return forward(replay, draft, step)


def receive(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._receive` (a checked submission)."""
    start_clock(draft.dossier, step.at)
    return {"due_at": draft.dossier.due_at.isoformat()}


def request_supplement(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._request_supplement` and `_check_supplement_request`: after receipt
    the clock stops, the request goes back through the desk, and a repeated or late request
    needs a reason; every request is a SupplementRequest row."""
    d, now, reason = draft.dossier, step.at, step.reason.strip()
    if not step.comment.strip():
        raise services.DossierError("List the documents to supplement and why.")
    after_receipt = d.status != S.SUBMITTED
    data = {}
    if after_receipt:
        if d.supplement_count >= services.rule("SUPPLEMENT_MAX_REQUESTS"):
            if not reason:
                raise services.ReasonRequired("A repeated supplement request needs a reason.")
            data["repeated"] = True
        if now > services.supplement_window_ends(d):
            if not reason:
                raise services.ReasonRequired("A late supplement request needs a reason.")
            data["late"] = True
        if reason:
            data["reason"] = reason
        d.paused_at = now
        d.pauses = [*d.pauses, [now.isoformat(), None]]
        d.supplement_count += 1
        d.current_agency = d.received_desk.agency if d.received_desk_id else d.current_agency
    actor = step.actor
    draft.requests.append(
        {
            "after_receipt": after_receipt,
            "requested_at": now,
            "requested_by_id": actor.pk if getattr(actor, "is_authenticated", False) else None,
            "items": step.comment,
            "reason": reason,
            "restarts_clock": d.procedure.restart_on_supplement,
            "supplemented_at": None,
            "closed_at": None,
            "deadline_before": d.deadline_at if after_receipt else None,
        }
    )
    return data


def supplement(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._supplement`: the request answered; before receipt the desk checks
    again, after it the time limit restarts (or resumes) and the dossier goes back to its
    step."""
    d, now = draft.dossier, step.at
    request = _open_request(draft)
    if request is not None:
        request["supplemented_at"] = now
    if d.status == S.INCOMPLETE:
        d.check_due_at = services.check_due(d, now)
        return {}
    pauses = d.pauses = services.end_pause(d.pauses, now)
    d.paused_at = None
    parsed = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pauses]
    deadline = services.deadline_for(d, parsed)
    moved = d.due_at != d.deadline_at
    d.deadline_at = deadline
    d.due_at = max(d.due_at, deadline) if moved else deadline
    d.current_agency = services.step_agency(d, d.current_step)
    return {"due_at": deadline.isoformat()}


def complete(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._complete`: processing finished, timeliness judged on this date
    against the legal deadline; the dossier goes to the return desk."""
    d, now = draft.dossier, step.at
    parts = [p.dossier.status for p in draft.parts.values()]
    if d.chain_id and draft.parent is None and (not parts or set(parts) - workflow.FINAL):
        raise services.DossierError("The inter-agency parts are not all finished.")
    d.finished_at = now
    cal = calendars.get_calendar(d.performing_agency_id)
    d.timeliness = cal.classify_finished(d.deadline_at, now)
    d.result = step.result or d.result
    d.current_agency = (
        d.return_desk.agency
        if d.return_desk_id
        else d.received_desk.agency
        if d.received_desk_id
        else d.performing_agency
    )
    d.current_step = None
    d.assignee = None
    return {"timeliness": d.timeliness}


def return_result(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._return_result`."""
    draft.dossier.returned_at = step.at
    return {}


def refuse(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._refuse`."""
    if not step.comment.strip():
        raise services.DossierError("Give the reasons for the refusal.")
    draft.dossier.result = step.comment
    return {}


def withdraw(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._withdraw`: the stop on request closes an open supplement request."""
    if not step.comment.strip():
        raise services.DossierError("Record the applicant's request to stop.")
    draft.dossier.paused_at = None
    draft.dossier.pauses = services.end_pause(draft.dossier.pauses, step.at)
    request = _open_request(draft)
    if request is not None:
        request["closed_at"] = step.at
    return {}


def close(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._close` and `services.close_due_at`."""
    request = _open_request(draft)
    d = draft.dossier
    if request is not None:
        cal = calendars.get_calendar(d.performing_agency_id)
        due = cal.add(request["requested_at"], services.rule("SUPPLEMENT_CLOSE_DAYS"), "days")
    if request is None or step.at < due:
        raise services.DossierError("Too early to close the dossier.")
    request["closed_at"] = step.at
    d.paused_at = None
    d.pauses = services.end_pause(d.pauses, step.at)
    return {}


def apologise(replay, draft: Draft, step: Step) -> dict:
    """Mirrors `services._apologise`: once, a new appointment after the current one, a
    reason when sent less than APOLOGY_LEAD_DAYS before the appointment."""
    d, now, new_due = draft.dossier, step.at, step.new_due_at
    if d.apologised_at is not None and services.rule("MAX_REAPPOINTMENTS") <= 1:
        raise services.DossierError("The appointment was already moved once.")
    if new_due is None or (d.due_at and new_due <= d.due_at):
        raise services.DossierError("The new appointment must be after the current one.")
    if new_due > d.received_at + timedelta(days=services.rule("MAX_APPOINTMENT_DAYS")):
        raise services.DossierError("The new appointment is too far after receipt.")
    if not step.comment.strip():
        raise services.DossierError("Give the reason for the delay.")
    data = {}
    due_by = services.apology_due_by(d)
    if due_by is not None and now > due_by:
        if not step.reason.strip():
            raise services.ReasonRequired("A late apology needs a reason.")
        data = {"late": True, "reason": step.reason.strip()}
    previous = as_read(d.due_at)
    d.due_at = new_due
    d.apologised_at = now
    return {
        **data,
        "previous_due_at": previous.isoformat() if previous else None,
        "new_due_at": new_due.isoformat(),
    }


HANDLERS = {
    A.RECEIVE: receive,
    A.FORWARD: forward,
    A.APPROVE: approve,
    A.REQUEST_SUPPLEMENT: request_supplement,
    A.SUPPLEMENT: supplement,
    A.COMPLETE: complete,
    A.RETURN_RESULT: return_result,
    A.REFUSE: refuse,
    A.APOLOGISE: apologise,
    A.WITHDRAW: withdraw,
    A.CLOSE: close,
}
