"""The rules of the one-stop mechanism, written out by hand from the law, against the code.

Each row cites where it comes from: the rules file (/shared/domain/vn-one-stop-rules.md,
"Life of a dossier" N), or the decree. The tables are compared with the code's own tables
AND exercised on real dossiers, so that changing one entry in the code (a role's action,
a legal transition) makes a test here fail.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers import permissions, services, workflow
from motcua.dossiers.models import Channel
from motcua.dossiers.tests.factories import APPLICANT, make_province
from motcua.dossiers.workflow import NEW, Action, Status
from motcua.org.constants import Role

VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, S, R = Action, Status, Role
RULE = "vn-one-stop-rules.md, Life of a dossier"

# --- Transitions: (action, from) → to -------------------------------------------------------

TRANSITIONS_BY_LAW = [
    # action, before, after, source
    (A.SUBMIT, NEW, S.SUBMITTED, f"{RULE} 1: online and postal dossiers await the desk's check"),
    (A.RECEIVE, NEW, S.RECEIVED, f"{RULE} 1: a complete counter dossier is received"),
    (A.RECEIVE, S.SUBMITTED, S.RECEIVED, f"{RULE} 1: the desk receives a checked dossier"),
    (A.REQUEST_SUPPLEMENT, S.SUBMITTED, S.INCOMPLETE, f"{RULE} 1: guidance, nothing received"),
    (A.SUPPLEMENT, S.INCOMPLETE, S.SUBMITTED, f"{RULE} 1: the completed dossier is checked again"),
    (A.FORWARD, S.RECEIVED, S.PROCESSING, f"{RULE} 2: transfer to the competent unit"),
    (A.FORWARD, S.PROCESSING, S.PROCESSING, f"{RULE} 3: along the internal process"),
    (A.APPROVE, S.PROCESSING, S.PROCESSING, f"{RULE} 3: a leader's step that is not the last"),
    (A.HAND_OVER, S.PROCESSING, S.PROCESSING, f"{RULE} 8: another agency's part or opinion"),
    (A.HAND_BACK, S.PROCESSING, S.PROCESSING, f"{RULE} 8: the other agency answers"),
    (A.REQUEST_SUPPLEMENT, S.RECEIVED, S.AWAITING_SUPPLEMENT, f"{RULE} 4: after receipt"),
    (A.REQUEST_SUPPLEMENT, S.PROCESSING, S.AWAITING_SUPPLEMENT, f"{RULE} 4: after receipt"),
    (A.SUPPLEMENT, S.AWAITING_SUPPLEMENT, S.PROCESSING, f"{RULE} 4: the clock restarts"),
    (A.CLOSE, S.AWAITING_SUPPLEMENT, S.CLOSED, f"{RULE} 4: not supplemented in 15 days"),
    (A.CLOSE, S.INCOMPLETE, S.CLOSED, f"{RULE} 4: not completed in 15 days"),
    (A.APOLOGISE, S.RECEIVED, S.RECEIVED, f"{RULE} 5: apology before the due date"),
    (A.APOLOGISE, S.PROCESSING, S.PROCESSING, f"{RULE} 5: apology before the due date"),
    (A.COMPLETE, S.PROCESSING, S.RESULT_READY, f"{RULE} 6: processing finished"),
    (A.RETURN_RESULT, S.RESULT_READY, S.RETURNED, f"{RULE} 6: result returned"),
    *[
        (A.REFUSE, before, S.REFUSED, f"{RULE} 1 (refusal to receive) and NĐ 118 (after)")
        for before in (
            S.SUBMITTED,
            S.INCOMPLETE,
            S.RECEIVED,
            S.PROCESSING,
            S.AWAITING_SUPPLEMENT,
        )
    ],
    *[
        (A.WITHDRAW, before, S.WITHDRAWN, f"{RULE} 7: stop notice only before a result exists")
        for before in (
            S.SUBMITTED,
            S.INCOMPLETE,
            S.RECEIVED,
            S.PROCESSING,
            S.AWAITING_SUPPLEMENT,
        )
    ],
]


def test_transition_table_is_the_law():
    by_law = {(action, before): after for action, before, after, _ in TRANSITIONS_BY_LAW}
    in_code = {
        (action, before): after
        for action, table in workflow.TRANSITIONS.items()
        for before, after in table.items()
    }
    assert in_code == by_law


@pytest.mark.parametrize(("action", "before", "after", "source"), TRANSITIONS_BY_LAW)
def test_each_legal_transition(action, before, after, source):
    assert workflow.transition(before, action).after == after, source


def test_finished_dossiers_allow_nothing():
    # Returned, refused, stopped and closed dossiers are final (rules 6, 7, 4).
    for status in (S.RETURNED, S.REFUSED, S.WITHDRAWN, S.CLOSED):
        assert workflow.allowed(status) == []


# --- Roles: which role may ever take which action -------------------------------------------

ROLE_ACTIONS_BY_LAW = {
    R.DESK_OFFICER: {
        A.RECEIVE: f"{RULE} 1: the desk receives",
        A.REQUEST_SUPPLEMENT: f"{RULE} 1: the desk guides a supplement before receipt",
        A.REFUSE: f"{RULE} 1: the desk refuses to receive",
        A.FORWARD: f"{RULE} 2: the desk transfers to the competent unit",
        A.SUPPLEMENT: f"{RULE} 4: supplements come back through the desk",
        A.CLOSE: f"{RULE} 4: closes a dossier not supplemented",
        A.RETURN_RESULT: f"{RULE} 6: the desk returns the result",
        A.WITHDRAW: f"{RULE} 7: the desk issues the stop notice",
    },
    R.SPECIALIST: {
        A.FORWARD: f"{RULE} 3: reviews and forwards along the process",
        A.REQUEST_SUPPLEMENT: f"{RULE} 4: the competent unit asks for a supplement",
        A.HAND_OVER: f"{RULE} 8: asks another agency",
        A.HAND_BACK: f"{RULE} 8: answers the agency that asked",
    },
    R.LEADER: {
        A.APPROVE: f"{RULE} 3: approves at a leader's step",
        A.COMPLETE: f"{RULE} 6: signs the result (processing finished)",
        A.REQUEST_SUPPLEMENT: f"{RULE} 4: the competent unit asks for a supplement",
        A.REFUSE: "NĐ 118/2025: refusal after receipt is the agency's decision",
        A.APOLOGISE: f"{RULE} 5 and form: the apology is signed by the agency head",
        A.HAND_OVER: f"{RULE} 8: asks another agency",
        A.HAND_BACK: f"{RULE} 8: answers the agency that asked",
    },
    R.SUPERVISOR: {},  # configures and watches; acts on no dossier
    R.ADMIN: {},
}


def test_role_action_table_is_the_law():
    in_code = {role: set(actions) for role, actions in permissions.ROLE_ACTIONS.items()}
    assert in_code == {role: set(rows) for role, rows in ROLE_ACTIONS_BY_LAW.items()}


# What the holder of a process step's role does at that step (rules 2, 3, 4, 6, 8).
STEP_ACTIONS_BY_LAW = {
    R.DESK_OFFICER: {A.FORWARD: f"{RULE} 2: the desk's step is the transfer"},
    R.SPECIALIST: {
        A.FORWARD: f"{RULE} 3: the review ends by passing the dossier on",
        A.REQUEST_SUPPLEMENT: f"{RULE} 4: the competent unit asks",
        A.HAND_OVER: f"{RULE} 8: asks another agency",
    },
    R.LEADER: {
        A.APPROVE: f"{RULE} 3: approves at a step followed by more processing",
        A.COMPLETE: f"{RULE} 6: signs the result at the last processing step",
        A.REQUEST_SUPPLEMENT: f"{RULE} 4: the competent unit asks",
        A.HAND_OVER: f"{RULE} 8: asks another agency",
    },
}


def test_step_action_table_is_the_law():
    in_code = {role: set(actions) for role, actions in permissions.STEP_ACTIONS.items()}
    assert in_code == {role: set(rows) for role, rows in STEP_ACTIONS_BY_LAW.items()}


# --- Who may do what now: each state of a dossier, each role of its own and another agency ---

# state → role → the actions it may take now (the process: desk receipt → specialist review →
# leader's signature → desk return; rules 1–7; an empty set: nothing).
ALLOWED_BY_LAW = {
    "submitted": {
        R.DESK_OFFICER: {A.RECEIVE, A.REQUEST_SUPPLEMENT, A.REFUSE, A.WITHDRAW},  # rule 1, 7
        R.SPECIALIST: set(),
        R.LEADER: set(),
    },
    "received at the desk step": {
        R.DESK_OFFICER: {A.FORWARD, A.WITHDRAW},  # rule 2 transfer; rule 7
        R.SPECIALIST: set(),  # not theirs until transferred
        R.LEADER: {A.REFUSE, A.APOLOGISE},  # NĐ 118; rule 5
    },
    "at the specialist step": {
        R.DESK_OFFICER: {A.WITHDRAW},  # cannot pass it through the specialist's step
        R.SPECIALIST: {A.FORWARD, A.REQUEST_SUPPLEMENT, A.HAND_OVER},  # rules 3, 4, 8
        R.LEADER: {A.REFUSE, A.APOLOGISE},  # the step is the specialist's
    },
    "at the leader step": {
        R.DESK_OFFICER: {A.WITHDRAW},
        R.SPECIALIST: set(),  # cannot sign the result
        R.LEADER: {A.COMPLETE, A.REQUEST_SUPPLEMENT, A.HAND_OVER, A.REFUSE, A.APOLOGISE},
    },
    "awaiting a supplement": {
        R.DESK_OFFICER: {A.SUPPLEMENT, A.WITHDRAW, A.CLOSE},  # rule 4, 7
        R.SPECIALIST: set(),
        R.LEADER: {A.REFUSE},
    },
    "result ready": {
        R.DESK_OFFICER: {A.RETURN_RESULT},  # rule 6; no stop once the result exists (rule 7)
        R.SPECIALIST: set(),
        R.LEADER: set(),
    },
}


def at(*args):
    return datetime(*args, tzinfo=VN)


def _dossier_in(state: str, province):
    o = province.officer
    desk = o("justice", R.DESK_OFFICER).posts.get().desk
    if state == "submitted":
        return services.submit(
            procedure=province.procedure,
            applicant=dict(APPLICANT),
            channel=Channel.POST,
            desk=desk,
            documents=province.documents(),
            received_at=at(2025, 3, 3, 9, 0),
        )
    d = services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=o("justice", R.DESK_OFFICER),
        desk=desk,
        documents=province.documents(),
        received_at=at(2025, 3, 3, 9, 0),
    )
    if state == "received at the desk step":
        return d
    d = services.act(d, A.FORWARD, o("justice", R.DESK_OFFICER), at=at(2025, 3, 3, 10, 0))
    if state == "at the specialist step":
        return d
    if state == "awaiting a supplement":
        return services.act(
            d,
            A.REQUEST_SUPPLEMENT,
            o("justice", R.SPECIALIST),
            at=at(2025, 3, 4, 9, 0),
            comment="Thiếu bản sao",
        )
    d = services.act(d, A.FORWARD, o("justice", R.SPECIALIST), at=at(2025, 3, 4, 9, 0))
    if state == "at the leader step":
        return d
    return services.act(d, A.COMPLETE, o("justice", R.LEADER), at=at(2025, 3, 4, 10, 0))


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(ALLOWED_BY_LAW))
def test_who_may_act_in_each_state(state):
    province = make_province()
    dossier = _dossier_in(state, province)
    for role, expected in ALLOWED_BY_LAW[state].items():
        own = province.officer("justice", role)
        assert set(permissions.allowed_actions(own, dossier)) == expected, (state, role)
        other = province.officer("health", role)  # another agency: nothing, ever
        assert permissions.allowed_actions(other, dossier) == [], (state, role)
    supervisor = province.officer("center", R.SUPERVISOR)
    assert permissions.allowed_actions(supervisor, dossier) == []


@pytest.mark.django_db
def test_a_refused_action_writes_nothing():
    from motcua.dossiers.models import DossierEvent

    province = make_province()
    dossier = _dossier_in("at the specialist step", province)
    events = DossierEvent.objects.count()
    for role in (R.DESK_OFFICER, R.LEADER):  # neither holds the specialist's step
        with pytest.raises(services.NotAllowed):
            services.act(dossier, A.FORWARD, province.officer("justice", role))
    with pytest.raises(services.NotAllowed):  # a specialist cannot sign the result
        services.act(dossier, A.COMPLETE, province.officer("justice", R.SPECIALIST))
    dossier.refresh_from_db()
    assert dossier.status == S.PROCESSING and dossier.current_step.role == R.SPECIALIST
    assert DossierEvent.objects.count() == events
