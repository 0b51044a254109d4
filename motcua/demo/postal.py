"""Postal plans of the demo traffic come through the postal services, as a real postal
submission does (docs/postal.md): a pickup order at the applicant's address, the
operator's events as data (no HTTP, nothing in the outbox: `recorded_history`), and on the
"delivered" event `postal.services` submits the dossier for the desk's check. They ask for
the result by post too (life.py sends a postal dossier's result at once): the desk's
`return_result` then makes the delivery order and its events
(postal.services.on_return_result)."""

from __future__ import annotations

import random
from datetime import timedelta

from motcua.demo.plans import Plan
from motcua.dossiers.models import Dossier, ResultDelivery
from motcua.postal import services as postal
from motcua.postal.models import Area

RESULT_BY_POST_SHARE = 1.0
REQUESTED_HOURS_BEFORE = 26  # the applicant asked for the pickup the day before it arrived


def submit(plan: Plan) -> Dossier:
    """The plan's dossier, arrived by post at `plan.arrives_at`."""
    rng = random.Random(f"{plan.secret}:postal")
    applicant = dict(plan.applicant)
    by_post = rng.random() < RESULT_BY_POST_SHARE and bool(applicant.get("address"))
    requested = plan.arrives_at - timedelta(hours=REQUESTED_HOURS_BEFORE)
    with postal.recorded_history():
        order = postal.request_pickup(
            procedure=plan.procedure,
            agency=plan.agency,
            desk=plan.desk,
            applicant=applicant,
            documents=[dict(d) for d in plan.documents],
            fee_amount=plan.fee,
            now=requested,
            sender_name=applicant.get("full_name", ""),
            sender_address=applicant.get("address", "") or plan.desk.agency.name,
            sender_phone=applicant.get("phone") or "0226385" + f"{rng.randrange(10**4):04d}",
            area=Area.LOCAL,
            weight=rng.choice((500, 500, 1000)),
            result_delivery=ResultDelivery.POST if by_post else ResultDelivery.DESK,
            result_address=applicant.get("address", "") if by_post else "",
        )
        postal.play_history(order, requested, postal.PICKUP_HISTORY, until=plan.arrives_at)
        postal.record_history(order, "delivered", plan.arrives_at, order.tracking_number)
    order.refresh_from_db()
    if order.dossier_id is None:
        raise ValueError(f"the demo's postal dossier was refused: {order.problem}")
    return order.dossier
