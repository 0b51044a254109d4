"""The demo dossiers' fees, settled through the payments services (docs/payments.md).

A counter dossier of a fee-bearing procedure carries its fee from intake (`Plan.fee`, the
sum of the procedure's fee lines, as `Dossier.fee_amount`); an online one owes the
procedure's fee lines (payments/fees.py) and gets `fee_amount` when paid. `settle` pays
what is due, after the plan's steps, the way its applicant would have at the time:

- online dossiers whose applicant has an account: through the payment gateway (the
  development gateway's signed IPN, `services.apply_callback`), or by a VietQR bank transfer
  the applicant claims and the desk confirms with the bank's reference (`claim_transfer`,
  `confirm_transfer`), or in cash when the result is collected at the desk;
- counter dossiers: in cash at the desk when received (`record_cash`).

Only the payments services write: the same receipts, audit events, messages and fact-table
marks ("paid online" of the QĐ 766 index) as in real use. A dossier that ended without a
result (refused, stopped, closed) is not paid: nothing is due (payments/fees.py)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from motcua.demo.plans import Plan
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.workflow import Action
from motcua.payments import services, signing
from motcua.payments.devgateway import protocol
from motcua.payments.fees import ENDED, amount_due
from motcua.payments.gateways import registry

A = Action
# How the fee-bearing online dossiers of the demo are paid (the rest: cash at the desk when
# the result is collected). Shares of our choosing: no published figure exists.
GATEWAY_SHARE, TRANSFER_SHARE = 0.55, 0.25
GATEWAY = "dev"


def settle(plan: Plan, dossier: Dossier, rng: random.Random) -> str:
    """Pay the dossier's fees as its applicant would; the way it was paid, or ""."""
    dossier.refresh_from_db()
    if dossier.fee_paid or dossier.status in ENDED or not amount_due(dossier):
        return ""  # nothing due: a procedure without fees, a free one, or one that ended
    desk = _desk_officer(plan)
    user = dossier.applicant.user
    if plan.channel == Channel.ONLINE and user is not None:
        draw = rng.random()
        if draw < GATEWAY_SHARE and _gateway_enabled():
            return _through_gateway(dossier, user, plan)
        if draw < GATEWAY_SHARE + TRANSFER_SHARE and desk is not None:
            return _by_transfer(dossier, user, desk, plan, rng)
        collected = next((s for s in plan.steps if s.action == A.RETURN_RESULT), None)
        if collected is None:
            return ""
        services.record_cash(dossier, collected.actor, now=collected.at)
        return "counter"
    if plan.channel == Channel.COUNTER and plan.creator is not None:
        services.record_cash(dossier, plan.creator, now=plan.arrives_at + timedelta(minutes=3))
        return "counter"
    return ""


def _desk_officer(plan: Plan):
    """The desk officer who received the dossier (the creator, or who checked it)."""
    if plan.creator is not None:
        return plan.creator
    return next((s.actor for s in plan.steps if s.action == A.RECEIVE), None)


def _gateway_enabled() -> bool:
    try:
        registry.get(GATEWAY)
    except KeyError:
        return False
    return True


def _through_gateway(dossier: Dossier, user, plan: Plan) -> str:
    """A payment started by the applicant and the gateway's signed report that it was
    paid, as the development gateway posts it to our IPN address."""
    at = plan.arrives_at + timedelta(minutes=4)
    base = settings.MOTCUA["PUBLIC_URL"].rstrip("/")
    payment, _url = services.start_gateway_payment(
        dossier,
        GATEWAY,
        user,
        base + reverse("payments:return", args=[GATEWAY]),
        base + reverse("payments:ipn", args=[GATEWAY]),
        now=at,
    )
    gateway = registry.get(GATEWAY)
    fields = {
        "version": protocol.VERSION,
        "merchant": gateway.merchant,
        "reference": payment.reference,
        "amount": payment.amount,
        "currency": payment.currency,
        "transaction_no": f"DEMO{payment.pk:010d}",
        "response_code": protocol.SUCCESS,
        "transaction_status": protocol.PAID,
        "bank_code": "NCB",
        "pay_date": protocol.format_time(at + timedelta(minutes=2)),
    }
    outcome = services.apply_callback(GATEWAY, signing.signed(fields, gateway.secret), "ipn")
    if not outcome.accepted:  # pragma: no cover - the gateway's own contract tests cover it
        raise services.PaymentError(f"demo gateway payment refused: {outcome.outcome}")
    return "gateway"


def _by_transfer(dossier: Dossier, user, desk, plan: Plan, rng: random.Random) -> str:
    """The applicant transfers with the VietQR code; the desk confirms it once it shows on
    the agency's account (at the dossier's receipt, or soon after the transfer)."""
    at = plan.arrives_at + timedelta(minutes=6)
    services.claim_transfer(dossier, user, now=at)
    received = next((s.at for s in plan.steps if s.action == A.RECEIVE), None)
    if received is None:  # the desk has not checked the dossier yet: the claim waits
        return "bank_transfer_claimed"
    confirmed = max(received, at + timedelta(minutes=1))
    reference = f"FT{confirmed:%y%m%d}{rng.randrange(10**8):08d}"
    services.confirm_transfer(dossier, reference, desk, paid_on=at, now=confirmed)
    return "bank_transfer"
