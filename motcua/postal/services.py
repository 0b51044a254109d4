"""The only code that changes postal orders (docs/postal.md).

- `request_pickup`: the applicant asks a postman to pick up the paper dossier and carry
  it to the desk (the portal's "send the dossier by post"); the order goes to the operator
  through the outbox (a `call` message, retried with back-off while the operator is down).
- `on_return_result`: the desk returns the result of a dossier whose applicant chose the
  post (`dossiers.services` calls it inside the `return_result` action): a delivery order
  to the result address, through the outbox. The dossier's return is the hand-over to the
  postal service (QĐ 45/2016 [check]).
- `apply_event`: a signed status event of the operator (its callback): verified, matched to
  the order, idempotent; forged, replayed or mismatched events change nothing and are
  audited. A pickup delivered to the desk is submitted for the desk's check
  (`dossiers.services.submit`, channel post: check due within 1 working day).
- `cancel`: the applicant withdraws a pickup the postman has not made yet.
- `send_order` / `send_cancel`: the outbox's calls to the operator.

One transaction per change, an audit event per change; the dossier changes only through
`dossiers.services`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.constants import Status as ProcedureStatus
from motcua.core import audit
from motcua.core.numbers import format_vn
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Dossier, ResultDelivery
from motcua.org.models import Desk
from motcua.outbox import services as outbox
from motcua.outbox.models import Channel as OutboxChannel
from motcua.payments import signing
from motcua.postal import prices, rules
from motcua.postal.models import Area, Direction, Payer, PostalEvent, PostalOrder, Status
from motcua.postal.operators import (
    InvalidMessage,
    NoQuote,
    OrderRefused,
    Outcome,
    Placed,
    StatusEvent,
    registry,
)

log = logging.getLogger(__name__)

DEFAULTS = {
    "OPERATOR": "",  # new orders go to it; empty: the first enabled
    "PAYER": Payer.APPLICANT,  # QĐ 45/2016 art. 7 [check]
    "DEFAULT_WEIGHT_GRAMS": 500,  # a result: one envelope
    "HTTP_TIMEOUT_SECONDS": 10,
    "CLOCK_TOLERANCE_MINUTES": 5,
}
CREATE_CALL, CANCEL_CALL = "postal.create_order", "postal.cancel_order"
NAME_MAX, ADDRESS_MAX, PHONE = 300, 500, re.compile(r"\+?[0-9]{9,14}")
FIELDS_MAX = 2000  # characters of a refused message kept in the audit trail

# Set while the demo writes history: orders are recorded with the operator's events as
# data, and nothing is sent (no outbox row, no HTTP).
_history = contextvars.ContextVar("motcua_postal_history", default=False)


class PostalError(Exception):
    """A request the postal rules refuse; messages by field name ("" for the whole)."""

    def __init__(self, messages: dict[str, str] | str):
        self.messages = {"": messages} if isinstance(messages, str) else dict(messages)
        super().__init__("; ".join(self.messages.values()))


def config(name: str):
    return {**DEFAULTS, **getattr(settings, "POSTAL", {})}[name]


@contextlib.contextmanager
def recorded_history():
    """Within it, orders are history (the demo): nothing goes to an operator."""
    token = _history.set(True)
    try:
        yield
    finally:
        _history.reset(token)


# --- What is possible, and what it costs ------------------------------------------------------


def directions_for(procedure) -> frozenset[str]:
    return rules.directions(
        bool(procedure.channel_post), procedure.status == ProcedureStatus.ACTIVE
    )


def operator_key() -> str:
    operator = registry.default()
    if operator is None:
        raise PostalError(_("The postal service is not available now."))
    return operator.key


def quote(direction: str, area: str, weight_grams: int) -> tuple[str, int]:
    """(operator key, fee in VND) of an item; PostalError if there is no price."""
    key = operator_key()
    try:
        return key, registry.get(key).quote(direction, area, weight_grams).fee
    except NoQuote as error:
        raise PostalError({"weight": _("The postal service has no price for this item.")}) from (
            error
        )


def _reference(now: datetime) -> str:
    return f"BC{timezone.localtime(now):%y%m%d}{secrets.randbelow(10**8):08d}"


def _text(value, limit: int, field: str, messages: dict, required=True) -> str:
    text = " ".join(str(value or "").replace("\x00", "").split())
    if required and not text:
        messages[field] = _("This field is required.")
    elif len(text) > limit:
        messages[field] = _("Write at most %(limit)s characters (this has %(length)s).") % {
            "limit": limit,
            "length": len(text),
        }
    return text


def _phone(value, messages: dict, field: str = "phone") -> str:
    phone = re.sub(r"[\s.\-()]", "", str(value or ""))[:40]
    if not PHONE.fullmatch(phone):
        messages[field] = _("Give a phone number the postman can call (9 to 14 digits).")
    return phone


def _weight(value, messages: dict) -> int:
    text = str(value or "").strip()
    grams = int(text) if text.isdigit() and len(text) <= 6 else 0
    if not 0 < grams <= prices.MAX_GRAMS:
        messages["weight"] = _("Choose the weight of the dossier.")
    return grams


def mask_phone(phone: str) -> str:
    return f"{'*' * max(len(phone) - 3, 1)}{phone[-3:]}" if phone else ""


# --- The applicant sends the dossier by post -------------------------------------------------


def check_pickup(
    *,
    procedure,
    agency,
    sender_name,
    sender_address,
    sender_phone,
    area,
    weight,
    result_delivery,
    result_address,
) -> dict:
    """The pickup's fields, checked and cleaned, with its quote; PostalError listing every
    problem. Writes nothing."""
    messages: dict[str, str] = {}
    if rules.DOSSIER not in directions_for(procedure):
        raise PostalError(_("This procedure does not take dossiers by post."))
    if agency is None:
        messages["agency"] = _("Choose the People's Committee your dossier goes to.")
    values = {
        "sender_name": _text(sender_name, NAME_MAX, "sender_name", messages),
        "sender_address": _text(sender_address, ADDRESS_MAX, "sender_address", messages),
        "sender_phone": _phone(sender_phone, messages, "sender_phone"),
        "area": str(area or "")[:10],
        "weight_grams": _weight(weight, messages),
        "result_delivery": str(result_delivery or "")[:12],
        "result_address": "",
    }
    if values["area"] not in Area.values:
        messages["area"] = _("Choose where the pickup address is.")
    if values["result_delivery"] not in (ResultDelivery.DESK, ResultDelivery.POST):
        messages["result_delivery"] = _("Choose where the result is returned.")
    elif values["result_delivery"] == ResultDelivery.POST:
        values["result_address"] = _text(result_address, ADDRESS_MAX, "result_address", messages)
    if messages:
        raise PostalError(messages)
    values["operator"], values["fee"] = quote(rules.DOSSIER, values["area"], values["weight_grams"])
    return values


@transaction.atomic
def request_pickup(
    *,
    procedure,
    agency,
    desk=None,
    return_desk=None,
    user=None,
    applicant: dict | None = None,
    quoted_fee=None,
    actor=None,
    now: datetime | None = None,
    documents: list[dict] = (),
    fee_amount: int = 0,
    **fields,
) -> PostalOrder:
    """Ask the operator to pick up the paper dossier at the applicant's address and carry
    it to the desk. `quoted_fee`: the fee the applicant saw; if the operator's price
    changed meanwhile, PostalError (they confirm again). `user`: the citizen's account (the
    dossier's applicant when it arrives); else `applicant` (the applicant's details)."""
    now = now or timezone.now()
    values = check_pickup(procedure=procedure, agency=agency, **fields)
    if quoted_fee is not None and str(quoted_fee) != str(values["fee"]):
        raise PostalError(
            {
                "fee": _("The postal fee is now %(fee)s đồng: check it and confirm again.")
                % {"fee": format_vn(values["fee"])}
            }
        )
    desk = desk or (Desk.objects.filter(agency=agency, is_active=True).order_by("pk").first())
    order = PostalOrder.objects.create(
        reference=_reference(now),
        direction=Direction.DOSSIER,
        procedure=procedure,
        agency=agency,
        desk=desk,
        user=user,
        application={
            "applicant": applicant or {},
            "return_desk": return_desk.pk if return_desk is not None else None,
            "result_delivery": values["result_delivery"],
            "result_address": values["result_address"],
            "documents": [dict(d) for d in documents],
            "fee_amount": int(fee_amount or 0),
        },
        sender_name=values["sender_name"],
        sender_address=values["sender_address"],
        sender_phone=values["sender_phone"],
        **_desk_party("recipient", desk, agency),
        area=values["area"],
        weight_grams=values["weight_grams"],
        fee=values["fee"],
        payer=config("PAYER"),
        operator=values["operator"],
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
        status_at=now,
    )
    _requested(order, actor, now, f"{order.reference} {procedure.code}")
    return order


def _dialable(text: str | None) -> str:
    """A stored phone number as the operator dials it: digits and a leading +."""
    return re.sub(r"[^0-9+]", "", text or "")[:20]


def _desk_party(role: str, desk, agency) -> dict:
    """The desk (else its agency) as the order's sender or recipient: name, address, phone."""
    return {
        f"{role}_name": (desk.name if desk is not None else agency.name)[:NAME_MAX],
        f"{role}_address": (desk.address if desk is not None and desk.address else agency.address)
        or agency.name,
        f"{role}_phone": _dialable(agency.phone),
    }


def _requested(order: PostalOrder, actor, now: datetime, summary: str, **data) -> None:
    """Audit the new order and send it to the operator through the outbox."""
    audit.record(
        "postal.order_requested",
        order,
        actor,
        summary,
        direction=order.direction,
        **data,
        fee=order.fee,
        operator=order.operator,
    )
    _dispatch(order, CREATE_CALL, now)


# --- The desk returns a result by post -------------------------------------------------------


def on_return_result(dossier: Dossier, actor, now: datetime) -> dict:
    """Inside `dossiers.services.act(..., "return_result")` for a dossier whose result goes
    by post: the delivery order to the result address (once per dossier). Returns what the
    dossier event records. Raises DossierError when no operator can take it."""
    existing = (
        PostalOrder.objects.filter(dossier=dossier, direction=Direction.RESULT)
        .exclude(status=Status.CANCELLED)
        .first()
    )
    if existing is not None:
        return {"postal_order": existing.reference}
    applicant = dossier.applicant
    pickup = dossier.postal_orders.filter(direction=Direction.DOSSIER).first()
    area = pickup.area if pickup is not None else Area.LOCAL
    weight = config("DEFAULT_WEIGHT_GRAMS")
    try:
        key, fee = quote(rules.RESULT, area, weight)
    except PostalError as error:
        raise dossier_services.DossierError(str(error)) from error
    desk = dossier.return_desk or dossier.received_desk
    agency = desk.agency if desk is not None else dossier.performing_agency
    order = PostalOrder.objects.create(
        reference=_reference(now),
        direction=Direction.RESULT,
        dossier=dossier,
        procedure=dossier.procedure,
        agency=dossier.performing_agency,
        desk=desk,
        user=applicant.user,
        **_desk_party("sender", desk, agency),
        recipient_name=applicant.full_name[:NAME_MAX],
        recipient_address=dossier.result_address or applicant.address or "",
        recipient_phone=_dialable(applicant.phone),
        area=area,
        weight_grams=weight,
        fee=fee,
        payer=config("PAYER"),
        operator=key,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
        status_at=now,
    )
    _requested(order, actor, now, f"{order.reference} {dossier.code}", dossier=dossier.code)
    if _history.get():  # the demo: the operator's events as data
        play_history(order, now, DELIVERY_HISTORY)
    return {"postal_order": order.reference}


# --- Cancel -----------------------------------------------------------------------------------


@transaction.atomic
def cancel(order: PostalOrder, actor, now: datetime | None = None) -> PostalOrder:
    """The applicant withdraws a pickup the postman has not made yet."""
    now = now or timezone.now()
    order = PostalOrder.objects.select_for_update().get(pk=order.pk)
    if order.direction != Direction.DOSSIER or order.status not in rules.CANCELLABLE:
        raise PostalError(_("This postal order can no longer be cancelled."))
    before = order.status
    order.status, order.status_at, order.updated_at = Status.CANCELLED, now, now
    order.save(update_fields=["status", "status_at", "updated_at"])
    audit.record("postal.order_cancelled", order, actor, order.reference, previous=before)
    if order.operator_order_id or _create_sent(order):
        _dispatch(order, CANCEL_CALL, now)
    return order


def _create_sent(order: PostalOrder) -> bool:
    from motcua.outbox.models import Message
    from motcua.outbox.models import Status as MessageStatus

    return Message.objects.filter(
        dedupe_key=_dedupe(order, CREATE_CALL), status=MessageStatus.SENT
    ).exists()


# --- The outbox's calls to the operator -------------------------------------------------------


def _dedupe(order: PostalOrder, call: str) -> str:
    return f"postal.postalorder:{order.reference}:{call}"


def _dispatch(order: PostalOrder, call: str, now: datetime) -> None:
    if _history.get():
        return
    outbox.enqueue(
        channel=OutboxChannel.CALL,
        recipient=call,
        subject=f"{call} {order.reference}",
        body=json.dumps({"reference": order.reference, "operator": order.operator}),
        kind="postal.order_sent" if call == CREATE_CALL else "postal.cancel_sent",
        dedupe_key=_dedupe(order, call),
        about=order,
        context={"reference": order.reference},
        now=now,
    )


def callback_url(key: str) -> str:
    base = settings.MOTCUA["PUBLIC_URL"].rstrip("/") + "/"
    return urljoin(base, reverse("postal:callback", args=[key]).lstrip("/"))


def send_order(message) -> None:
    """The outbox's call: create the order at the operator. Raises to be retried
    (OperatorUnavailable), CallRejected when the operator refuses it for good."""
    order = PostalOrder.objects.get(pk=message.object_id)
    if order.operator_order_id or order.status == Status.CANCELLED:
        return  # placed already (a retry after a lost answer), or withdrawn before it went
    operator = registry.get(order.operator)
    try:
        placed = operator.create_order(order, callback_url(order.operator))
    except OrderRefused as error:
        _refused_by_operator(order, str(error))
        raise outbox.CallRejected(str(error)) from error
    record_placed(order, placed)


def send_cancel(message) -> None:
    order = PostalOrder.objects.get(pk=message.object_id)
    try:
        registry.get(order.operator).cancel(order)
    except OrderRefused as error:
        raise outbox.CallRejected(str(error)) from error


@transaction.atomic
def record_placed(order: PostalOrder, placed: Placed) -> PostalOrder:
    """The operator took the order under its number."""
    order = PostalOrder.objects.select_for_update().get(pk=order.pk)
    if order.operator_order_id:
        return order
    order.operator_order_id = placed.operator_order_id[:64]
    if placed.tracking_number and not order.tracking_number:
        order.tracking_number = placed.tracking_number[:64]
    order.updated_at = timezone.now()
    order.save(update_fields=["operator_order_id", "tracking_number", "updated_at"])
    audit.record("postal.order_placed", order, None, order.operator_order_id)
    return order


@transaction.atomic
def _refused_by_operator(order: PostalOrder, detail: str) -> None:
    order = PostalOrder.objects.select_for_update().get(pk=order.pk)
    order.problem = _("The postal operator refused the order: %(detail)s") % {
        "detail": detail[:300]
    }
    order.updated_at = timezone.now()
    order.save(update_fields=["problem", "updated_at"])
    audit.record("postal.order_refused", order, None, detail[:300])


# --- The operator's events --------------------------------------------------------------------


def _refuse(outcome: Outcome, key: str, summary: str, data, order=None) -> Outcome:
    fields = json.dumps(
        {str(k)[:64]: str(v)[:500] for k, v in list(dict(data).items())[:30]}, ensure_ascii=False
    )[:FIELDS_MAX]
    details = {"operator": key[:32], "outcome": outcome.value, "fields": fields}
    if order is not None:
        audit.record("postal.callback_refused", order, None, summary, **details)
    else:
        audit.record_about(
            "postal.callback_refused", "postal.postalorder", "", None, summary, **details
        )
    log.warning("postal callback refused (%s, %s)", outcome.value, summary)
    return outcome


def apply_event(key: str, data) -> Outcome:
    """An operator's status event, as it came to our callback address. Forged, unknown,
    mismatched or out-of-order events change nothing (audited); the same event again is
    confirmed without change (audited as a replay)."""
    try:
        operator = registry.get(key)
    except KeyError:
        return _refuse(Outcome.UNKNOWN_ORDER, str(key), "unknown operator", data)
    try:
        event = operator.parse(data)
    except InvalidMessage as error:
        return _refuse(error.outcome, key, error.detail, data)
    with transaction.atomic():
        order = (
            PostalOrder.objects.select_for_update()
            .filter(reference=event.reference, operator=key)
            .first()
        )
        if order is None:
            return _refuse(Outcome.UNKNOWN_ORDER, key, "unknown order", data)
        return _apply(order, event, key, data)


def _apply(order: PostalOrder, event: StatusEvent, key: str, data) -> Outcome:
    now = timezone.now()
    if order.operator_order_id and order.operator_order_id != event.operator_order_id:
        return _refuse(Outcome.CONFLICT, key, "another operator order", data, order)
    fingerprint = signing.fingerprint(event.fields)
    earlier = order.events.filter(event_id=event.event_id).first()
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            return _refuse(Outcome.CONFLICT, key, "event id reused", data, order)
        audit.record("postal.callback_replayed", order, None, event.event_id, operator=key)
        return Outcome.CONFIRMED
    tracking = event.tracking_number
    if tracking and order.tracking_number and tracking != order.tracking_number:
        return _refuse(Outcome.CONFLICT, key, "another tracking number", data, order)
    if event.status == rules.ACCEPTED and not (tracking or order.tracking_number):
        return _refuse(Outcome.MALFORMED, key, "accepted without a tracking number", data, order)
    if event.at > now + timedelta(minutes=config("CLOCK_TOLERANCE_MINUTES")):
        return _refuse(Outcome.MALFORMED, key, "event in the future", data, order)
    if not rules.may_move(order.status, event.status):
        return _refuse(Outcome.CONFLICT, key, f"{order.status} → {event.status}", data, order)
    record_event(order, event, fingerprint, now)
    return Outcome.CONFIRMED


def record_event(order: PostalOrder, event: StatusEvent, fingerprint: str, now=None) -> None:
    """Append the event and move the order (on a locked row, in the caller's transaction);
    a pickup delivered to the desk is submitted for the desk's check."""
    now = now or timezone.now()
    PostalEvent.objects.create(
        order=order,
        event_id=event.event_id[:64],
        status=event.status,
        at=event.at,
        received_at=max(now, event.at) if _history.get() else now,
        tracking_number=event.tracking_number[:64],
        note=event.note[:300],
        fingerprint=fingerprint,
        fields=audit._clean(dict(event.fields)),
    )
    before = order.status
    order.status, order.status_at = event.status, event.at
    order.operator_order_id = order.operator_order_id or event.operator_order_id[:64]
    order.tracking_number = order.tracking_number or event.tracking_number[:64]
    order.updated_at = max(now, event.at) if _history.get() else now
    order.save()
    audit.record(
        "postal.event",
        order,
        None,
        f"{order.reference}: {before} → {event.status}",
        event=event.event_id[:64],
        at=event.at.isoformat(),
        tracking=order.tracking_number,
        dossier=order.dossier.code if order.dossier_id else "",
    )
    if rules.submitted_on(order.direction, event.status):
        _submit_delivered(order, event.at, now)


def _submit_delivered(order: PostalOrder, at: datetime, now: datetime) -> None:
    """The post delivered the paper dossier to the desk: it is submitted for the desk's
    check (channel post: 1 working day, dossiers.services.check_due)."""
    from motcua.accounts.services import applicant_for

    application = order.application or {}
    return_desk = Desk.objects.filter(pk=application.get("return_desk") or 0).first()
    try:
        with transaction.atomic():
            applicant = applicant_for(order.user) if order.user_id else application["applicant"]
            dossier = dossier_services.submit(
                procedure=order.procedure,
                applicant=applicant,
                channel=Channel.POST,
                actor=None,
                desk=order.desk,
                performing_agency=order.agency,
                return_desk=return_desk,
                documents=[dict(d) for d in application.get("documents", [])],
                received_at=min(at, now),
                idempotency_key=f"postal:{order.reference}",
                idempotency_fingerprint=signing.fingerprint({"reference": order.reference}),
                fee_amount=int(application.get("fee_amount") or 0),
                result_delivery=application.get("result_delivery", ""),
                result_address=application.get("result_address", ""),
            )
    except (dossier_services.DossierError, KeyError, ObjectDoesNotExist) as error:
        # The procedure abolished meanwhile, the applicant's account gone: the desk sees
        # the problem on the order (the paper dossier is at the desk all the same).
        order.problem = (
            _("The dossier arrived but could not be submitted: %(error)s") % {"error": error}
        )[:500]
        order.save(update_fields=["problem"])
        audit.record("postal.submit_refused", order, None, str(error)[:300])
        return
    order.dossier = dossier
    order.save(update_fields=["dossier"])
    audit.record("postal.dossier_arrived", dossier, None, order.reference, order=order.reference)


# --- History (the demo) ------------------------------------------------------------------------


# The demo's operator: minutes after the order for each event (a pickup is delivered when
# its dossier arrives; a result a day after it left the desk).
PICKUP_HISTORY = ((rules.ACCEPTED, 30), (rules.PICKED_UP, 180), (rules.IN_TRANSIT, 240))
DELIVERY_HISTORY = (
    (rules.ACCEPTED, 15),
    (rules.PICKED_UP, 60),
    (rules.IN_TRANSIT, 240),
    (rules.DELIVERED, 1500),
)


def play_history(order: PostalOrder, start: datetime, steps, until: datetime | None = None):
    """The demo: the events of `steps` (status, minutes after `start`) up to `until` (now)."""
    until = until or timezone.now()
    tracking = f"EB{int(order.reference[2:]) % 10**9:09d}VN"  # UPU S10 shape
    for status, minutes in steps:
        at = start + timedelta(minutes=minutes)
        if at > until:
            return
        record_history(order, status, at, tracking)


def record_history(order: PostalOrder, status: str, at: datetime, tracking: str = "") -> None:
    """The demo: the operator's event as data (what its signed callback would have said)."""
    order = PostalOrder.objects.select_for_update().get(pk=order.pk)
    number = order.events.count() + 1
    fields = {
        "reference": order.reference,
        "order_no": order.operator_order_id or f"DEMO{order.pk:08d}",
        "event_id": f"{order.reference}-{number}",
        "status": status,
        "at": at.isoformat(),
        "tracking_no": tracking,
    }
    event = StatusEvent(
        reference=order.reference,
        operator_order_id=fields["order_no"],
        event_id=fields["event_id"],
        status=status,
        at=at,
        tracking_number=tracking,
        fields=fields,
    )
    record_event(order, event, signing.fingerprint(fields), now=at)


# --- Reading ----------------------------------------------------------------------------------


def queue_annotations() -> dict:
    """A column for the desk's queue query, `postal_latest`: the direction, status and
    tracking number of each dossier's latest live order as one JSON object (None for most
    dossiers), so the page stays one query with one subquery per row, not three."""
    latest = (
        PostalOrder.objects.filter(dossier=OuterRef("pk"))
        .exclude(status=Status.CANCELLED)
        .order_by("-created_at", "-id")
        .values(
            latest=JSONObject(direction="direction", status="status", tracking="tracking_number")
        )[:1]
    )
    return {"postal_latest": Subquery(latest, output_field=JSONField())}


def orders_of(dossier: Dossier):
    return dossier.postal_orders.exclude(status=Status.CANCELLED).prefetch_related("events")
