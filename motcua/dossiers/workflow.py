"""The dossier state machine: the only table of what may happen to a dossier. No Django.

A dossier (hồ sơ) moves through these statuses:

    submitted ──receive──▶ received ──forward──▶ processing ──complete──▶ result_ready
        │                     │  ▲                  │  ▲   ▲                    │
        │                     │  └─────supplement───┼──┘   │              return_result
        │                     └─request_supplement─▶awaiting_supplement     ▼
        └── refuse / withdraw before a result exists ─────────────────────▶ returned
                                      refused, withdrawn, closed (final)

`submitted` is an online or postal dossier the desk has not yet checked; a counter dossier
is received directly. A submitted dossier found incomplete goes to `incomplete` (guided to
complete it; nothing is received, no clock runs) and back to `submitted` when completed.
After receipt, a supplement request stops the clock (`awaiting_supplement`); by default the
time limit restarts when the complete dossier comes back. A dossier not supplemented in time
(15 working days by default) may be `close`d. A stop on the applicant's request
(`withdraw`, with a stop notice) is possible only while no decision or result exists: not
once the result is ready. `forward`,
`approve`, `hand_over` and `hand_back` move the dossier between steps, officers and
agencies without changing its status. `apologise` records a late-apology letter with a new
appointment and changes nothing else.
"""

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    INCOMPLETE = "incomplete"
    RECEIVED = "received"
    PROCESSING = "processing"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Action(StrEnum):
    SUBMIT = "submit"
    RECEIVE = "receive"
    FORWARD = "forward"
    APPROVE = "approve"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    COMPLETE = "complete"
    RETURN_RESULT = "return_result"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    APOLOGISE = "apologise"
    HAND_OVER = "hand_over"
    HAND_BACK = "hand_back"
    CLOSE = "close"


NEW = None  # the "status" of a dossier that does not exist yet
OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.INCOMPLETE,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.AWAITING_SUPPLEMENT,
        Status.RESULT_READY,
    }
)
FINAL = frozenset({Status.RETURNED, Status.REFUSED, Status.WITHDRAWN, Status.CLOSED})
RUNNING = frozenset({Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY})
"""Statuses in which the deadline clock runs (it is paused while awaiting a supplement)."""

S = Status
TRANSITIONS: dict[Action, dict[Status | None, Status]] = {
    Action.SUBMIT: {NEW: S.SUBMITTED},
    Action.RECEIVE: {NEW: S.RECEIVED, S.SUBMITTED: S.RECEIVED},
    Action.FORWARD: {S.RECEIVED: S.PROCESSING, S.PROCESSING: S.PROCESSING},
    Action.APPROVE: {S.PROCESSING: S.PROCESSING},
    Action.REQUEST_SUPPLEMENT: {
        S.SUBMITTED: S.INCOMPLETE,
        S.RECEIVED: S.AWAITING_SUPPLEMENT,
        S.PROCESSING: S.AWAITING_SUPPLEMENT,
    },
    Action.SUPPLEMENT: {S.INCOMPLETE: S.SUBMITTED, S.AWAITING_SUPPLEMENT: S.PROCESSING},
    Action.COMPLETE: {S.PROCESSING: S.RESULT_READY},
    Action.RETURN_RESULT: {S.RESULT_READY: S.RETURNED},
    Action.REFUSE: {
        s: S.REFUSED
        for s in (S.SUBMITTED, S.INCOMPLETE, S.RECEIVED, S.PROCESSING, S.AWAITING_SUPPLEMENT)
    },
    Action.WITHDRAW: {
        s: S.WITHDRAWN
        for s in (S.SUBMITTED, S.INCOMPLETE, S.RECEIVED, S.PROCESSING, S.AWAITING_SUPPLEMENT)
    },
    Action.APOLOGISE: {s: s for s in (S.RECEIVED, S.PROCESSING)},
    Action.HAND_OVER: {S.PROCESSING: S.PROCESSING},
    Action.HAND_BACK: {S.PROCESSING: S.PROCESSING},
    Action.CLOSE: {S.INCOMPLETE: S.CLOSED, S.AWAITING_SUPPLEMENT: S.CLOSED},
}


class IllegalTransition(Exception):
    def __init__(self, action: Action, status: Status | None):
        self.action, self.status = action, status
        super().__init__(f"cannot {action} a dossier that is {status or 'new'}")


@dataclass(frozen=True)
class Transition:
    action: Action
    before: Status | None
    after: Status

    @property
    def pauses_clock(self) -> bool:
        return self.after == Status.AWAITING_SUPPLEMENT and self.before in RUNNING

    @property
    def resumes_clock(self) -> bool:
        return self.before == Status.AWAITING_SUPPLEMENT and self.after in RUNNING

    @property
    def finishes(self) -> bool:
        return self.after in FINAL


def transition(status: Status | None, action: Action) -> Transition:
    """The transition `action` makes from `status`, or IllegalTransition."""
    after = TRANSITIONS[Action(action)].get(status)
    if after is None:
        raise IllegalTransition(Action(action), status)
    return Transition(Action(action), status, after)


def allowed(status: Status | None) -> list[Action]:
    """Actions possible from `status`, in the table's order."""
    return [a for a, table in TRANSITIONS.items() if status in table]
