"""Our adapter for the development postal operator (`devpost/`), served by the portal
itself under /dev/post/: the model of an adapter for a real operator (VNPost)."""

from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.adapters import SharedSecret, dev_base_url
from motcua.payments import signing
from motcua.postal import prices, rules
from motcua.postal.devpost import protocol
from motcua.postal.operators import (
    InvalidMessage,
    NoQuote,
    OperatorUnavailable,
    OrderRefused,
    Outcome,
    Placed,
    PostalOperator,
    Quote,
    StatusEvent,
    registry,
)

ANSWER_TEXT = {
    Outcome.CONFIRMED: "Confirm Success",
    Outcome.UNKNOWN_ORDER: "Order not found",
    Outcome.CONFLICT: "Event conflicts with the order",
    Outcome.BAD_SIGNATURE: "Invalid signature",
    Outcome.MALFORMED: "Invalid message",
}
KIND = {rules.DOSSIER: "pickup", rules.RESULT: "delivery"}
TEXT_MAX = {"reference": 32, "order_no": 64, "event_id": 64, "tracking_no": 64, "note": 300}


@registry.register("dev")
class DevOperator(SharedSecret, PostalOperator):
    name = _("Development postal operator")

    def quote(self, direction: str, area: str, weight_grams: int) -> Quote:
        """From the operator's published price list (the same data its server quotes from:
        the contract tests hold them equal), so a quote needs no call."""
        try:
            fee = prices.PriceList.load().fee(area, weight_grams)
        except prices.NoPrice as error:
            raise NoQuote(str(error)) from error
        return Quote(fee=fee, service=f"{KIND[direction]}/{area}")

    def _post(self, path: str, fields: dict) -> dict:
        timeout = settings.POSTAL.get("HTTP_TIMEOUT_SECONDS", 10)
        signed = signing.signed(fields, self.secret)
        try:
            status, body = protocol.post_form(
                dev_base_url(self.options, "dev/post/") + path, signed, timeout
            )
        except OSError as error:
            raise OperatorUnavailable(f"{type(error).__name__}: {error}"[:300]) from error
        answer = protocol.json_answer(body) if status == 200 else None
        if answer is None:
            raise OperatorUnavailable(f"HTTP {status}")
        answer = {str(k): str(v) for k, v in answer.items()}
        if not signing.verify(answer, self.secret):
            raise OperatorUnavailable("the answer's signature does not match")
        return answer

    def create_order(self, order, notify_url: str) -> Placed:
        fields = {
            "version": protocol.VERSION,
            "merchant": self.merchant,
            "reference": order.reference,
            "kind": KIND[order.direction],
            "sender": order.sender_name,
            "sender_address": order.sender_address,
            "recipient": order.recipient_name,
            "recipient_address": order.recipient_address,
            "phone": order.sender_phone
            if order.direction == rules.DOSSIER
            else order.recipient_phone,
            "area": order.area,
            "weight": order.weight_grams,
            "notify_url": notify_url,
            "created": protocol.format_time(timezone.now()),
        }
        answer = self._post("api/orders/", fields)
        code = answer.get("code", "")
        if code != "00" or not answer.get("order_no") or answer.get("reference") != order.reference:
            if code in ("03", "04"):
                raise OrderRefused(f"{code} {protocol.CODES.get(code, '')}")
            raise OperatorUnavailable(f"code {code or '?'}")
        return Placed(operator_order_id=answer["order_no"][:64])

    def cancel(self, order) -> None:
        fields = {
            "version": protocol.VERSION,
            "merchant": self.merchant,
            "reference": order.reference,
            "order_no": order.operator_order_id,
            "created": protocol.format_time(timezone.now()),
        }
        code = self._post("api/orders/cancel/", fields).get("code", "")
        if code == "02":
            raise OrderRefused("02 the postman has the item already")
        if code not in ("00", "01"):  # 01: the operator never had it
            raise OperatorUnavailable(f"code {code or '?'}")

    def parse(self, data: Mapping[str, str]) -> StatusEvent:
        fields = {k: v for k, v in data.items() if k in (*protocol.EVENT_FIELDS, "signature")}
        if not signing.verify(fields, self.secret):
            raise InvalidMessage(Outcome.BAD_SIGNATURE, "signature")
        if fields.get("merchant") != self.merchant:
            raise InvalidMessage(Outcome.UNKNOWN_ORDER, "merchant")
        try:
            at = protocol.parse_time(fields.get("at", ""))
        except OverflowError:  # year 1 in UTC+7 has no UTC instant
            at = None
        status = fields.get("status", "")
        too_long = [k for k, n in TEXT_MAX.items() if len(fields.get(k, "")) > n]
        if (
            at is None
            or status not in protocol.EVENT_STATUSES
            or not fields.get("reference")
            or not fields.get("order_no")
            or not fields.get("event_id")
            or too_long
        ):
            raise InvalidMessage(Outcome.MALFORMED, "fields")
        return StatusEvent(
            reference=fields["reference"],
            operator_order_id=fields["order_no"],
            event_id=fields["event_id"],
            status=status,
            at=at,
            tracking_number=fields.get("tracking_no", ""),
            note=fields.get("note", ""),
            fields=dict(fields),
        )

    def answer(self, outcome: Outcome) -> dict:
        return {"RspCode": outcome.value, "Message": ANSWER_TEXT[outcome]}
