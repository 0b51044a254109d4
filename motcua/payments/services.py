"""The only writer of payments (docs/payments.md). Each change is one transaction with an
audit event; the dossier's row is locked before the payment's, whatever the caller, so two
changes never wait on each other in opposite orders.

- What is due: `fees.py` (reads).
- The applicant: `start_gateway_payment` (a pending payment and the gateway's checkout
  address), `claim_transfer` ("I have transferred" after the VietQR code).
- The gateway: `apply_callback`, for the IPN, the browser's return and our status queries.
  Idempotent: the same message again changes nothing and gets the first answer. A forged
  signature, another amount, an unknown order or a message contradicting a settled payment
  is refused, audited, and changes nothing.
- The desk: `assess_fee`, `record_cash`, `confirm_transfer`, `reject_transfer`,
  `record_refund`.
- The clock: `expire_due` (after asking the gateway what became of the order).

When a payment is paid, the dossier's `fee_paid` is set here (its row locked). No dossier
event is written: the dossier's life cycle has no action for a payment, so the audit event
`payment.paid` is the record. A success for a dossier paid already (two payments, or a late
success after another payment) is kept as "to be refunded".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core import audit
from motcua.dossiers import permissions
from motcua.dossiers.models import Dossier
from motcua.org.constants import Role
from motcua.payments import signing
from motcua.payments.fees import ENDED, amount_due, bank_account, fee_lines
from motcua.payments.gateways import (
    GatewayResult,
    GatewayUnavailable,
    InvalidMessage,
    Outcome,
    State,
    registry,
)
from motcua.payments.models import (
    RECEIVED,
    BankAccount,
    Channel,
    FeeAssessment,
    Payment,
    ReceiptCounter,
    Status,
)
from motcua.stats import facts as stats_facts

log = logging.getLogger(__name__)

DEFAULTS = {
    # How long a payer has at the gateway before the order expires (VNPay's default).
    "PENDING_MINUTES": 15,
    # After expiry, how long we wait for a late answer before asking the gateway.
    "EXPIRY_GRACE_MINUTES": 5,
    # A gateway that cannot be reached for this long: the order is expired without its word.
    "GIVE_UP_HOURS": 24,
    "HTTP_TIMEOUT_SECONDS": 10,
    "RECEIPT_SERIES": "BLP",
}
LARGEST_AMOUNT = 10**13  # 10 000 tỷ đồng: a bound for typed amounts, far above any fee
BAD_ACCOUNT = gettext_lazy(
    "Check the bank BIN (6 digits) and the account number (1 to 19 letters or digits)."
)
AUDIT_FIELDS_MAX = 30
AUDIT_VALUE_MAX = 200


class PaymentError(Exception):
    """A request refused, with a message for the user."""


class NotAllowed(PaymentError):
    pass


def config(name: str):
    return {**DEFAULTS, **getattr(settings, "PAYMENTS", {})}[name]


# --- Who may -----------------------------------------------------------------------------------


def is_applicant(user, dossier: Dossier) -> bool:
    """The signed-in owner of the dossier (its applicant's account)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and dossier.applicant.user_id is not None
        and dossier.applicant.user_id == user.pk
    )


def may_collect(user, dossier: Dossier) -> bool:
    """Desk officers in post at an agency of the dossier (its desk's, where it is, the
    performing one) who may see it (`permissions.visible_dossiers`)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not permissions.visible_dossiers(user).filter(pk=dossier.pk).exists():
        return False
    agencies = {dossier.current_agency_id, dossier.performing_agency_id}
    if dossier.received_desk_id:
        agencies.add(dossier.received_desk.agency_id)
    return any(
        role == Role.DESK_OFFICER and agency in agencies
        for agency, role, _kind in permissions.posts(user)
    )


def _check_collector(user, dossier: Dossier) -> None:
    """The views audit a refusal (outside the transaction, so that it is kept)."""
    if not may_collect(user, dossier):
        raise NotAllowed(_("Only a desk officer of this dossier's agencies may do this."))


# --- Helpers -----------------------------------------------------------------------------------


def _lock_dossier(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("applicant", "received_desk", "performing_agency")
        .get(pk=dossier_id)
    )


def _lock_payment(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def _new_reference() -> str:
    """Ours for the gateway: "MC" and 14 random letters and digits (no 0/O, 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "MC" + "".join(secrets.choice(alphabet) for _ in range(14))


def _bounded(data: Mapping) -> dict:
    """A message for the audit trail: at most 30 fields of at most 200 characters."""
    items = list(data.items())[:AUDIT_FIELDS_MAX]
    return {str(k)[:64]: str(v)[:AUDIT_VALUE_MAX] for k, v in items}


def _payable_amount(dossier: Dossier) -> int:
    if dossier.status in ENDED:
        raise PaymentError(_("This dossier has ended: nothing is to be paid."))
    if dossier.fee_paid:
        raise PaymentError(_("The fees of this dossier are paid already."))
    amount = amount_due(dossier)
    if amount is None:
        raise PaymentError(_("The agency has not set the amount of the fees yet."))
    if amount <= 0:
        raise PaymentError(_("This dossier has no fees to pay."))
    return amount


def _lines_for(dossier: Dossier, amount: int) -> list[dict]:
    return [{"name": line["name"], "amount": line["amount"]} for line in fee_lines(dossier)] or [
        {"name": _("Fees"), "amount": amount}
    ]


def _next_receipt(payment: Payment, dossier: Dossier, at: datetime) -> None:
    """Give the payment the next receipt number of the collecting (performing) agency for
    the year, under a row lock of its counter."""
    if payment.receipt_number is not None:
        return
    agency_id, year = dossier.performing_agency_id, timezone.localtime(at).year
    counter = ReceiptCounter.objects.select_for_update().filter(agency=agency_id, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                ReceiptCounter.objects.create(agency_id=agency_id, year=year, last=0)
        except IntegrityError:
            pass
        counter = ReceiptCounter.objects.select_for_update().get(agency=agency_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    payment.receipt_agency_id, payment.receipt_year = agency_id, year
    payment.receipt_number = counter.last


def _receive_money(payment: Payment, dossier: Dossier, now: datetime, paid_at=None) -> None:
    """The money arrived: paid (the dossier's fees settled), or to be refunded when the
    dossier was paid already; the receipt number; the applicant's e-mail. Saves both."""
    payment.paid_at = paid_at or now
    payment.settled_at = now
    if dossier.fee_paid:
        payment.status = Status.REFUND_DUE
    else:
        payment.status = Status.PAID
        dossier.fee_paid = True
        if not dossier.fee_amount:
            dossier.fee_amount = payment.amount
        dossier.save(update_fields=["fee_paid", "fee_amount", "updated_at"])
    _next_receipt(payment, dossier, payment.paid_at)
    payment.save()
    stats_facts.follow(dossier)  # the index's "paid online" comes from the fact table
    _notify_paid(payment, dossier)


def _notify_paid(payment: Payment, dossier: Dossier) -> None:
    """E-mail the applicant that the payment arrived (through the outbox)."""
    from motcua.outbox import services as outbox
    from motcua.outbox.models import Channel as OutboxChannel

    email = dossier.applicant.email
    if not email:
        return
    link = settings.MOTCUA["PUBLIC_URL"].rstrip("/") + reverse("payments:pay", args=[dossier.code])
    body = _(
        "The payment %(reference)s of %(amount)s VND for dossier %(code)s has been received."
        "\nReceipt and details: %(link)s"
    ) % {
        "reference": payment.reference,
        "amount": f"{payment.amount:,}".replace(",", "."),
        "code": dossier.code,
        "link": link,
    }
    outbox.enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=email,
        subject=_("Payment received for dossier %(code)s") % {"code": dossier.code},
        body=body,
        kind="payment.notified",
        dedupe_key=f"payments.payment:{payment.pk}:paid:email",
        about=payment,
        context={"dossier": dossier.code},
    )


# --- The applicant -----------------------------------------------------------------------------


@transaction.atomic
def start_gateway_payment(
    dossier: Dossier, gateway_key: str, actor, return_url: str, notify_url: str, now=None
) -> tuple[Payment, str]:
    """A pending payment of the amount due through gateway `gateway_key`, and the address
    of the gateway's checkout page to send the payer to."""
    try:
        gateway = registry.get(gateway_key)
    except KeyError:
        raise PaymentError(_("This payment gateway is not available.")) from None
    dossier = _lock_dossier(dossier.pk)
    if not is_applicant(actor, dossier):
        raise NotAllowed(_("Only the applicant may pay for this dossier online."))
    amount = _payable_amount(dossier)
    now = now or timezone.now()
    payment = Payment.objects.create(
        dossier=dossier,
        reference=_new_reference(),
        amount=amount,
        channel=Channel.GATEWAY,
        gateway=gateway.key,
        lines=_lines_for(dossier, amount),
        payer_name=dossier.applicant.full_name,
        created_at=now,
        created_by=actor,
        expires_at=now + timedelta(minutes=config("PENDING_MINUTES")),
    )
    audit.record(
        "payment.started",
        payment,
        actor,
        f"{dossier.code} {amount} VND {gateway.key}",
        dossier=dossier.code,
        amount=amount,
        gateway=gateway.key,
    )
    return payment, gateway.checkout_url(payment, return_url, notify_url)


@transaction.atomic
def claim_transfer(dossier: Dossier, actor, now=None) -> Payment:
    """The applicant says they transferred the amount due with the VietQR code: a pending
    bank transfer for the desk to confirm (the same one again if already claimed)."""
    dossier = _lock_dossier(dossier.pk)
    if not is_applicant(actor, dossier):
        raise NotAllowed(_("Only the applicant may pay for this dossier online."))
    amount = _payable_amount(dossier)
    if bank_account(dossier) is None:
        raise PaymentError(_("No bank account is set up for transfers to this agency."))
    existing = dossier.payments.filter(
        channel=Channel.BANK_TRANSFER, status=Status.PENDING, amount=amount
    ).first()
    if existing is not None:
        return existing
    payment = Payment.objects.create(
        dossier=dossier,
        reference=_new_reference(),
        amount=amount,
        channel=Channel.BANK_TRANSFER,
        gateway="vietqr",
        lines=_lines_for(dossier, amount),
        payer_name=dossier.applicant.full_name,
        created_at=now or timezone.now(),
        created_by=actor,
    )
    audit.record(
        "payment.transfer_claimed",
        payment,
        actor,
        dossier.code,
        dossier=dossier.code,
        amount=amount,
    )
    return payment


# --- The gateway's messages --------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackOutcome:
    outcome: Outcome
    payment: Payment | None = None
    replay: bool = False

    @property
    def accepted(self) -> bool:
        return self.outcome == Outcome.CONFIRMED


def _refuse(outcome: Outcome, reason: str, gateway_key: str, data, source, payment=None):
    audit.record_about(
        "payment.callback_refused",
        Payment._meta.label_lower,
        payment.pk if payment is not None else "",
        None,
        f"{gateway_key} {source}: {reason}",
        reason=reason,
        gateway=gateway_key,
        source=source,
        answer=outcome.value,
        message=_bounded(data),
    )
    log.warning("payment callback refused: %s %s %s", gateway_key, source, reason)
    return CallbackOutcome(outcome, payment)


def apply_callback(gateway_key: str, data: Mapping[str, str], source: str = "ipn"):
    """A gateway's message about an order (`source`: "ipn", "return" or "query"); what we
    answer. Runs in its own transaction, so a refusal's audit event is kept."""
    with transaction.atomic():
        return _apply_callback(gateway_key, data, source)


def _apply_callback(gateway_key, data, source) -> CallbackOutcome:
    try:
        gateway = registry.get(gateway_key)
    except KeyError:
        return _refuse(Outcome.UNKNOWN_ORDER, "unknown gateway", gateway_key, data, source)
    try:
        result = gateway.parse(data)
    except InvalidMessage as invalid:
        return _refuse(invalid.outcome, invalid.detail, gateway_key, data, source)
    return _apply_result(gateway_key, result, source)


def _apply_result(gateway_key: str, result: GatewayResult, source: str) -> CallbackOutcome:
    data = result.fields
    found = (
        Payment.objects.filter(reference=result.reference, gateway=gateway_key)
        .values_list("pk", "dossier_id")
        .first()
    )
    if found is None:
        return _refuse(Outcome.UNKNOWN_ORDER, "unknown order", gateway_key, data, source)
    dossier = _lock_dossier(found[1])
    payment = _lock_payment(found[0])
    if result.amount != payment.amount or result.currency != payment.currency:
        return _refuse(
            Outcome.AMOUNT_MISMATCH, "amount mismatch", gateway_key, data, source, payment
        )
    fingerprint = signing.fingerprint(data)
    if payment.callback_fingerprint:
        if fingerprint == payment.callback_fingerprint:
            if source == "ipn":
                audit.record(
                    "payment.callback_replayed",
                    payment,
                    None,
                    f"{gateway_key} {source}",
                    source=source,
                    answer=payment.callback_answer,
                )
            return CallbackOutcome(Outcome(payment.callback_answer), payment, replay=True)
        if _same_outcome(payment, result):
            # The browser's return after the IPN, or a query: the same news again.
            return CallbackOutcome(Outcome.CONFIRMED, payment, replay=True)
        return _refuse(Outcome.CONFLICT, "contradicts settled", gateway_key, data, source, payment)
    if result.state == State.PENDING:
        return CallbackOutcome(Outcome.CONFIRMED, payment)
    if payment.status not in (Status.PENDING, Status.EXPIRED):
        # Settled by the desk (e.g. failed by hand) before the gateway spoke.
        return _refuse(Outcome.CONFLICT, "settled already", gateway_key, data, source, payment)
    if result.transaction_id and (
        Payment.objects.filter(gateway=gateway_key, gateway_transaction_id=result.transaction_id)
        .exclude(pk=payment.pk)
        .exists()
    ):
        return _refuse(
            Outcome.CONFLICT, "transaction of another order", gateway_key, data, source, payment
        )
    now = timezone.now()
    was = payment.status
    payment.gateway_transaction_id = result.transaction_id
    payment.result_code = result.code
    payment.raw_callback = _bounded(data)
    payment.callback_fingerprint = fingerprint
    payment.callback_answer = Outcome.CONFIRMED.value
    if result.state == State.PAID:
        payment.late = was == Status.EXPIRED
        _receive_money(payment, dossier, now, result.paid_at)
        action = "payment.paid" if payment.status == Status.PAID else "payment.refund_due"
    else:
        payment.settled_at = now
        if was == Status.PENDING:
            payment.status = Status.FAILED
        payment.save()
        action = "payment.failed"
    audit.record(
        action,
        payment,
        None,
        f"{dossier.code} {payment.amount} VND {gateway_key} {source}",
        dossier=dossier.code,
        source=source,
        code=result.code,
        late=payment.late,
        was=was,
    )
    return CallbackOutcome(Outcome.CONFIRMED, payment)


def _same_outcome(payment: Payment, result: GatewayResult) -> bool:
    paid = payment.status in RECEIVED
    return (
        result.transaction_id == payment.gateway_transaction_id
        and (result.state == State.PAID) == paid
        and result.state != State.PENDING
    )


# --- The clock ---------------------------------------------------------------------------------


def expire_due(now: datetime | None = None) -> int:
    """Settle the gateway payments still pending past their expiry and grace: ask the
    gateway (a late success is taken as paid); the ones it does not know, or that are still
    open there, expire. A gateway that cannot be reached is asked again on the next run, up
    to GIVE_UP_HOURS after expiry. The number expired."""
    now = now or timezone.now()
    grace = timedelta(minutes=config("EXPIRY_GRACE_MINUTES"))
    due_ids = list(
        Payment.objects.filter(
            status=Status.PENDING, channel=Channel.GATEWAY, expires_at__lt=now - grace
        ).values_list("pk", "gateway", "expires_at")
    )
    expired = 0
    for pk, gateway_key, expires_at in due_ids:
        payment = Payment.objects.select_related("dossier").get(pk=pk)
        try:
            result = registry.get(gateway_key).query(payment)
        except KeyError:
            result = None
        except GatewayUnavailable as error:
            log.warning("payment %s: gateway %s unavailable: %s", pk, gateway_key, error)
            if now - expires_at < timedelta(hours=config("GIVE_UP_HOURS")):
                continue
            result = None
        if result is not None and result.state != State.PENDING:
            apply_callback_result(gateway_key, result)
            continue
        expired += _expire(pk, now)
    return expired


def apply_callback_result(gateway_key: str, result: GatewayResult) -> CallbackOutcome:
    """A gateway's answer to our query, applied as its message would be."""
    with transaction.atomic():
        return _apply_result(gateway_key, result, "query")


@transaction.atomic
def _expire(payment_id: int, now: datetime) -> int:
    dossier_id = Payment.objects.values_list("dossier_id", flat=True).get(pk=payment_id)
    _lock_dossier(dossier_id)
    payment = _lock_payment(payment_id)
    if payment.status != Status.PENDING:
        return 0
    payment.status = Status.EXPIRED
    payment.settled_at = now
    payment.save(update_fields=["status", "settled_at"])
    audit.record("payment.expired", payment, None, payment.reference)
    return 1


# --- The desk ----------------------------------------------------------------------------------


def _typed_amount(value) -> int:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        raise PaymentError(_("Enter the amount as a whole number of dong.")) from None
    if amount < 0 or amount >= LARGEST_AMOUNT:
        raise PaymentError(_("The amount must be between 0 and 10,000 billion dong."))
    return amount


@transaction.atomic
def assess_fee(dossier: Dossier, amount, note: str, actor, now=None) -> FeeAssessment:
    """The desk sets the amount due (a fee that varies, or a correction) before payment."""
    dossier = _lock_dossier(dossier.pk)
    _check_collector(actor, dossier)
    amount = _typed_amount(amount)
    if dossier.fee_paid:
        raise PaymentError(_("The fees of this dossier are paid already."))
    if dossier.payments.filter(status=Status.PENDING).exists():
        raise PaymentError(_("A payment is under way: wait for its outcome first."))
    now = now or timezone.now()
    note = (note or "").strip()[:500]
    assessed, _created = FeeAssessment.objects.update_or_create(
        dossier=dossier,
        defaults={"amount": amount, "note": note, "assessed_by": actor, "assessed_at": now},
    )
    dossier.fee_amount = amount
    dossier.save(update_fields=["fee_amount", "updated_at"])
    stats_facts.follow(dossier)  # an exemption: no longer owes fees
    audit.record("payment.fee_assessed", dossier, actor, f"{amount} VND", amount=amount, note=note)
    return assessed


@transaction.atomic
def record_cash(dossier: Dossier, actor, note: str = "", now=None) -> Payment:
    """Cash paid at the desk: the amount due, paid now, with its receipt."""
    dossier = _lock_dossier(dossier.pk)
    _check_collector(actor, dossier)
    amount = _payable_amount(dossier)
    now = now or timezone.now()
    payment = Payment(
        dossier=dossier,
        reference=_new_reference(),
        amount=amount,
        channel=Channel.COUNTER,
        lines=_lines_for(dossier, amount),
        payer_name=dossier.applicant.full_name,
        created_at=now,
        created_by=actor,
        recorded_by=actor,
        note=(note or "").strip()[:500],
    )
    payment.save()
    _receive_money(payment, dossier, now)
    audit.record(
        "payment.paid", payment, actor, f"{dossier.code} {amount} VND cash", dossier=dossier.code
    )
    return payment


@transaction.atomic
def confirm_transfer(
    dossier: Dossier, bank_reference: str, actor, paid_on=None, now=None
) -> Payment:
    """The desk saw the transfer on the agency's account: the applicant's claimed transfer
    (or a new one) is paid, with the bank's reference (each bank reference once)."""
    dossier = _lock_dossier(dossier.pk)
    _check_collector(actor, dossier)
    bank_reference = (bank_reference or "").strip()[:64]
    if not bank_reference:
        raise PaymentError(_("Enter the bank's reference of the transfer."))
    if Payment.objects.filter(gateway="vietqr", gateway_transaction_id=bank_reference).exists():
        raise PaymentError(_("This bank reference is recorded already."))
    amount = _payable_amount(dossier)
    now = now or timezone.now()
    claimed = dossier.payments.filter(channel=Channel.BANK_TRANSFER, status=Status.PENDING).first()
    payment = _lock_payment(claimed.pk) if claimed is not None else None
    if payment is None:
        payment = Payment(
            dossier=dossier,
            reference=_new_reference(),
            amount=amount,
            channel=Channel.BANK_TRANSFER,
            gateway="vietqr",
            lines=_lines_for(dossier, amount),
            payer_name=dossier.applicant.full_name,
            created_at=now,
            created_by=actor,
        )
    payment.amount = amount
    payment.gateway_transaction_id = bank_reference
    payment.recorded_by = actor
    try:
        with transaction.atomic():  # the same reference confirmed for another dossier at once
            payment.save()
    except IntegrityError:
        raise PaymentError(_("This bank reference is recorded already.")) from None
    _receive_money(payment, dossier, now, paid_on)
    audit.record(
        "payment.paid",
        payment,
        actor,
        f"{dossier.code} {amount} VND transfer {bank_reference}",
        dossier=dossier.code,
        bank_reference=bank_reference,
    )
    return payment


@transaction.atomic
def reject_transfer(payment: Payment, actor, note: str = "", now=None) -> Payment:
    """The claimed transfer did not arrive: failed."""
    dossier = _lock_dossier(payment.dossier_id)
    _check_collector(actor, dossier)
    payment = _lock_payment(payment.pk)
    if payment.channel != Channel.BANK_TRANSFER or payment.status != Status.PENDING:
        raise PaymentError(_("Only a transfer awaiting confirmation can be marked not received."))
    payment.status = Status.FAILED
    payment.settled_at = now or timezone.now()
    payment.recorded_by = actor
    payment.note = (note or "").strip()[:500]
    payment.save()
    audit.record("payment.failed", payment, actor, payment.reference, note=payment.note)
    return payment


@transaction.atomic
def record_refund(payment: Payment, actor, note: str = "", now=None) -> Payment:
    """A payment made twice has been paid back to the applicant."""
    dossier = _lock_dossier(payment.dossier_id)
    _check_collector(actor, dossier)
    payment = _lock_payment(payment.pk)
    if payment.status != Status.REFUND_DUE:
        raise PaymentError(_("Only a payment to be refunded can be marked refunded."))
    payment.status = Status.REFUNDED
    payment.recorded_by = actor
    payment.note = (note or "").strip()[:500]
    payment.save()
    audit.record("payment.refunded", payment, actor, payment.reference, note=payment.note)
    return payment


# --- Bank accounts (the admin saves through here) -----------------------------------------------


@transaction.atomic
def save_bank_account(account: BankAccount, actor) -> BankAccount:
    from motcua.payments import vietqr

    try:
        vietqr.payload(account.bank_bin, account.account_number)
    except vietqr.VietQRError as error:
        raise PaymentError(BAD_ACCOUNT) from error
    created = account.pk is None
    account.save()  # one account in use per agency (and one default): a constraint
    audit.record(
        "payment.bank_account_created" if created else "payment.bank_account_changed",
        account,
        actor,
        str(account),
        agency=account.agency.code if account.agency_id else "",
        active=account.is_active,
    )
    return account
