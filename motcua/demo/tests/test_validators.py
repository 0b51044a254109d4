"""The services' own rules, run over dossiers the bulk writer made.

The bulk writer never goes through `services.act`, so nothing checks its rows as they are
written; here every rule the services enforce is checked after the fact on a fresh sample
of bulk-made dossiers of every kind (and on the seeded province): the history is legal
under `workflow.transition` from NEW; each officer held, at that moment, a post that
`permissions.holders` allows for the action; the code names the performing agency and the
day; the deadlines are what `services.deadline_for` says for the recorded pauses; finished,
returned and timeliness agree; the supplement requests are the request events."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from motcua.demo import life
from motcua.demo.org import Org
from motcua.demo.planner import CHECK_OUTCOMES, OUTCOMES, Planner
from motcua.demo.tests.conftest import NOW, make_plan
from motcua.demo.writer import BulkWriter
from motcua.dossiers import codes, permissions, services, workflow
from motcua.dossiers.models import Channel, Dossier, SupplementRequest
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Level, Role
from motcua.org.models import Officer, User
from motcua.worktime import calendars

pytestmark = pytest.mark.django_db
A, S = Action, Status


def system_made(dossier, event) -> bool:
    """Events the services append as a consequence, with no permission asked: a submission
    by the applicant (by post, or online signed in with their own account), a chain part
    opened or sent back, the parent told all parts are in."""
    if event.action == A.SUBMIT and event.actor_id in (None, dossier.applicant.user_id):
        return True
    if dossier.parent_id and event.action in (A.RECEIVE, A.RETURN_RESULT):
        return True
    return bool(dossier.chain_id and not dossier.parent_id and event.action == A.HAND_BACK)


def state_before(dossier, previous, before) -> Dossier:
    """The dossier as it stood just before an event: status, place, step and officer."""
    state = Dossier(
        pk=dossier.pk,
        status=before,
        performing_agency_id=dossier.performing_agency_id,
        received_desk=dossier.received_desk,
        chain_id=dossier.chain_id,
        parent_id=dossier.parent_id,
    )
    if previous is not None:
        state.current_agency_id = previous.agency_id
        state.current_step = previous.step
        state.assignee_id = previous.assignee_id
    else:
        state.current_agency_id = (
            dossier.received_desk.agency_id if dossier.received_desk_id else None
        )
    return state


def validate(dossier: Dossier, users: dict) -> list[str]:
    """What is wrong with `dossier` by the services' rules; [] when nothing."""
    problems = []
    events = list(dossier.events.select_related("step").order_by("at", "id"))
    # 1. The history is legal from NEW to the dossier's status.
    status, previous = workflow.NEW, None
    for e in events:
        before = Status(e.from_status) if e.from_status else None
        if before != status:
            problems.append(f"{e.action}: from {before}, was {status}")
        try:
            status = workflow.transition(before, e.action).after
        except workflow.IllegalTransition as exc:
            problems.append(str(exc))
            break
        if status != e.to_status:
            problems.append(f"{e.action}: to {e.to_status}, rules say {status}")
        # 2. The officer held a post the rules allow for this action, at that moment.
        if not system_made(dossier, e):
            state = state_before(dossier, previous, before)
            allowed = {
                (a, r)
                for a, r in permissions.holders(e.action, state)
                if e.action in permissions.ROLE_ACTIONS[r]
            }
            actor = users.setdefault(e.actor_id, User.objects.filter(pk=e.actor_id).first())
            held = {(a, r) for a, r, _ in permissions.posts(actor, at=e.at)} if actor else set()
            if not held & allowed:
                problems.append(f"{e.action} at {e.at}: {actor} holds {held}, needs {allowed}")
            elif (
                e.action in permissions.STEP_BOUND
                and state.assignee_id not in (None, e.actor_id)
                and not any(r == Role.LEADER for _, r in held & allowed)
            ):
                problems.append(f"{e.action}: assigned to another officer")
        previous = e
    if status != dossier.status:
        problems.append(f"history ends {status}, dossier is {dossier.status}")
    # 3. The code: the performing agency's number of the day it arrived.
    agency_code, day, _seq = codes.parse_code(dossier.code)
    arrived = dossier.submitted_at or dossier.received_at
    if agency_code != dossier.performing_agency.code or day != timezone.localdate(arrived):
        problems.append(f"code {dossier.code} for {dossier.performing_agency.code} on {arrived}")
    problems += _times(dossier, events)
    problems += _requests(dossier, events)
    return problems


def _at(events, *actions):
    return [e.at for e in events if e.action in actions]


def _times(d: Dossier, events) -> list[str]:
    """4. Deadlines for the recorded pauses; 5. finished, returned and timeliness."""
    problems, cal = [], calendars.get_calendar(d.performing_agency_id)
    pauses = [
        (datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None) for a, b in d.pauses
    ]
    asked = [
        e.at for e in events if e.action == A.REQUEST_SUPPLEMENT and e.from_status != S.SUBMITTED
    ]
    supplemented = [
        e.at for e in events if e.action == A.SUPPLEMENT and e.from_status != S.INCOMPLETE
    ]
    # A stop or a closure while awaiting the supplement ends the pause too.
    answered = sorted(
        supplemented
        + [
            e.at
            for e in events
            if e.action in (A.WITHDRAW, A.CLOSE) and e.from_status == S.AWAITING_SUPPLEMENT
        ]
    )
    if [p[0] for p in pauses] != asked or [p[1] for p in pauses if p[1]] != answered:
        problems.append(f"pauses {d.pauses} are not the supplement events")
    if d.received_at is None:
        last = max(_at(events, A.SUBMIT, A.SUPPLEMENT))
        if d.status in workflow.OPEN and d.check_due_at != services.check_due(d, last):
            problems.append("check_due_at is not services.check_due")
    else:
        if d.received_at != max(_at(events, A.RECEIVE)) and not d.parent_id:
            problems.append("received_at is not the receipt")
        if d.transfer_due_at != calendars.transfer_due(d.received_at, agency=d.performing_agency):
            problems.append("transfer_due_at")
        if d.check_due_at is not None:
            problems.append("check_due_at after receipt")
        if not (d.chain_id and not d.parent_id):  # the chain's combined limit: no service rule
            # A pause not answered by a supplement (still open, or ended by a stop or a
            # closure) leaves the deadline as it stood before the request.
            expected = services.deadline_for(d, [p for p in pauses if p[1] in supplemented])
            if d.deadline_at != expected:
                problems.append(f"deadline_at {d.deadline_at} != deadline_for {expected}")
        apology = next((e for e in events if e.action == A.APOLOGISE), None)
        if apology is None and d.due_at != d.deadline_at:
            problems.append("due_at moved without an apology")
        if apology is not None:
            new_due = datetime.fromisoformat(apology.data["new_due_at"])
            if d.apologised_at != apology.at or d.due_at != max(new_due, d.deadline_at):
                problems.append("the apology's new appointment")
    completed = _at(events, A.COMPLETE)
    if d.status in (S.RESULT_READY, S.RETURNED):
        if d.finished_at != completed[-1] or d.result_ready_at != d.finished_at:
            problems.append("finished_at is not the signature")
        if d.timeliness != cal.classify_finished(d.deadline_at, d.finished_at):
            problems.append("timeliness is not classify_finished(deadline_at, finished_at)")
    elif d.status in (S.REFUSED, S.WITHDRAWN, S.CLOSED):
        if d.finished_at != events[-1].at or d.timeliness or d.returned_at:
            problems.append("a stopped dossier's finished/returned/timeliness")
    elif d.finished_at or d.returned_at or d.timeliness:
        problems.append("an open dossier has finished/returned/timeliness")
    returned = _at(events, A.RETURN_RESULT)
    # (a chain part is returned to the receiving desk the moment it is signed)
    if d.status == S.RETURNED and (d.returned_at != returned[-1] or d.returned_at < d.finished_at):
        problems.append("returned_at is not the hand-over after the signature")
    if d.status != S.RETURNED and d.returned_at:
        problems.append("returned_at without a return")
    return problems


def _requests(d: Dossier, events) -> list[str]:
    """6. One SupplementRequest per request event, answered or closed by the next event."""
    problems, rows = [], list(d.supplement_requests.order_by("requested_at", "id"))
    requests = [e for e in events if e.action == A.REQUEST_SUPPLEMENT]
    if len(rows) != len(requests):
        return [f"{len(rows)} supplement requests for {len(requests)} request events"]
    for row, e in zip(rows, requests, strict=True):
        later = [x for x in events if x.at >= e.at and x.id != e.id]
        answer = next((x for x in later if x.action != A.APOLOGISE), None)
        expected = {
            "after_receipt": e.from_status != S.SUBMITTED,
            "requested_at": e.at,
            "requested_by_id": e.actor_id,
            "items": e.comment,
            "reason": e.data.get("reason", ""),
            "restarts_clock": d.procedure.restart_on_supplement,
            "supplemented_at": answer.at if answer and answer.action == A.SUPPLEMENT else None,
            "closed_at": answer.at if answer and answer.action in (A.WITHDRAW, A.CLOSE) else None,
        }
        actual = {k: getattr(row, k) for k in expected}
        if actual != expected:
            problems.append(f"supplement request {actual} != {expected}")
    if d.supplement_count != sum(r.after_receipt for r in rows):
        problems.append("supplement_count is not the requests after receipt")
    return problems


def bulk_sample(monkeypatch) -> list[Dossier]:
    """About 250 dossiers written by the bulk writer only: random plans of 2020 and of the
    open days before NOW (chains included), and every outcome and check outcome at every
    tier, with the rarer variants (late or repeated requests, late apologies) made common."""
    for name in ("LATE_REQUEST_SHARE", "SECOND_REQUEST_SHARE", "LATE_APOLOGY_SHARE"):
        monkeypatch.setattr(life, name, 0.5)
    org = Org()
    planner = Planner(org, random.Random("validators"), NOW)
    cal = calendars.get_calendar(None)
    days = [d for d in (date(2020, 1, 2) + timedelta(days=i) for i in range(366))]
    days = [d for d in days if cal.is_working_day(d)][::2]
    recent = [(NOW - timedelta(days=i)).date() for i in range(14)]
    recent = [d for d in recent if cal.is_working_day(d)]
    plans = [planner.random_plan(d, 4, recent=False) for d in days]
    plans += [planner.random_plan(d, 4, recent=True) for d in recent for _ in range(3)]
    for i, level in enumerate(Level):
        for kind in OUTCOMES:
            plans.append(make_plan(level, Channel.COUNTER, kind, seed=f"{i}{kind}"))
        for kind in [*CHECK_OUTCOMES, "normal"]:
            plans.append(make_plan(level, Channel.ONLINE, kind, seed=f"{i}{kind}"))
        for hours in (1, 3, 30):  # submitted before NOW: some still to check
            arrives = NOW - timedelta(hours=hours)
            plan = make_plan(level, Channel.ONLINE, "normal", seed=f"{i}{hours}", arrives=arrives)
            plans.append(plan.cut(NOW))
    writer = BulkWriter(org)
    made = [writer.write(plan).code for plan in plans]
    writer.flush()
    parents = Dossier.objects.filter(code__in=made)
    return list(parents) + list(Dossier.objects.filter(parent__in=parents))


def test_bulk_made_dossiers_pass_the_services_rules(province, monkeypatch):
    with transaction.atomic():
        sample = bulk_sample(monkeypatch)
        assert len(sample) >= 220
        statuses = {d.status for d in sample}
        assert {S.RETURNED, S.REFUSED, S.WITHDRAWN, S.CLOSED, S.SUBMITTED} <= statuses
        assert any(d.chain_id for d in sample) and any(d.apologised_at for d in sample)
        assert SupplementRequest.objects.filter(dossier__in=sample, reason__gt="").exists()
        users: dict = {}
        problems = {d.code: validate(d, users) for d in sample}
        assert {code: p for code, p in problems.items() if p} == {}
        transaction.set_rollback(True)


def test_the_seeded_province_passes_the_services_rules(province):
    sample = list(Dossier.objects.order_by("?")[:150])
    users: dict = {}
    problems = {d.code: validate(d, users) for d in sample}
    assert {code: p for code, p in problems.items() if p} == {}


def test_the_validators_see_a_broken_dossier(province):
    """Each validator can fail: a signature by an officer not yet in post, a wrong
    deadline, a missing supplement request."""
    users: dict = {}
    d = Dossier.objects.filter(status=S.RETURNED, parent=None, chain=None).first()
    assert validate(d, users) == []
    with transaction.atomic():  # the leader took up the post only after signing
        signature = d.events.get(action=A.COMPLETE)
        Officer.objects.filter(user=signature.actor_id, role=Role.LEADER).update(
            valid_from=timezone.localdate(signature.at) + timedelta(days=1)
        )
        assert any("needs" in p for p in validate(d, users))
        transaction.set_rollback(True)
    with transaction.atomic():
        Dossier.objects.filter(pk=d.pk).update(deadline_at=d.deadline_at + timedelta(hours=1))
        d.refresh_from_db()
        assert any("deadline_at" in p for p in validate(d, users))
        transaction.set_rollback(True)
    supplemented = SupplementRequest.objects.filter(after_receipt=True).first().dossier
    with transaction.atomic():
        SupplementRequest.objects.filter(dossier=supplemented).delete()
        assert any("supplement requests for" in p for p in validate(supplemented, users))
        transaction.set_rollback(True)
