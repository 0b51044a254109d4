"""The rules of the postal option (Quyết định 45/2016/QĐ-TTg), without Django.

An applicant may send the dossier by post (a postman picks it up and carries it to the
desk), receive the result by post (the desk hands it to a postman who delivers it), or
both, for a procedure the one-stop mechanism handles by post (`Procedure.channel_post`)
while it is in force (QĐ 45/2016 art. 3, 5: the procedures the agencies list as received
and returned through the public postal service). The postal charges are the applicant's
to pay to the postal operator, apart from the procedure's fees (QĐ 45/2016 art. 7 [check]).

An order moves through `TRANSITIONS`; the operator's events may arrive late and out of
order on the wire, but an order never goes back (a delivered order is not picked up
again), and `delivered`, `returned` and `cancelled` are final.
"""

from __future__ import annotations

DOSSIER, RESULT = "dossier", "result"  # send the dossier / receive the result
DIRECTIONS = (DOSSIER, RESULT)

REQUESTED, ACCEPTED, PICKED_UP, IN_TRANSIT = "requested", "accepted", "picked_up", "in_transit"
DELIVERED, FAILED, RETURNED, CANCELLED = "delivered", "failed", "returned", "cancelled"
STATUSES = (REQUESTED, ACCEPTED, PICKED_UP, IN_TRANSIT, DELIVERED, FAILED, RETURNED, CANCELLED)
FINAL = frozenset({DELIVERED, RETURNED, CANCELLED})

# Status → the statuses an operator's event may move it to.
TRANSITIONS: dict[str, frozenset[str]] = {
    REQUESTED: frozenset({ACCEPTED, CANCELLED}),
    ACCEPTED: frozenset({PICKED_UP, FAILED, CANCELLED}),
    PICKED_UP: frozenset({IN_TRANSIT, DELIVERED, FAILED}),
    IN_TRANSIT: frozenset({DELIVERED, FAILED}),
    # A failed delivery attempt: tried again (in transit, delivered) or sent back.
    FAILED: frozenset({IN_TRANSIT, DELIVERED, RETURNED}),
    DELIVERED: frozenset(),
    RETURNED: frozenset(),
    CANCELLED: frozenset(),
}
# Statuses an order may be cancelled in by us (before the postman has it).
CANCELLABLE = frozenset({REQUESTED, ACCEPTED})


def directions(accepts_post: bool, in_force: bool) -> frozenset[str]:
    """The postal directions open to an applicant of a procedure: both or none."""
    if not (accepts_post and in_force):
        return frozenset()
    return frozenset(DIRECTIONS)


def may_move(before: str, after: str) -> bool:
    return after in TRANSITIONS.get(before, frozenset())


def returned_at_handover(direction: str, status: str) -> bool:
    """Does this event of a result's order mean the result left the desk (QĐ 45/2016: the
    result counts as returned when the postal service receives it [check])? The desk
    records the hand-over with its `return_result` action; the postman's pickup confirms it."""
    return direction == RESULT and status == PICKED_UP


def submitted_on(direction: str, status: str) -> bool:
    """Does this event make a pickup's dossier arrive at the desk (its check begins)?"""
    return direction == DOSSIER and status == DELIVERED
