"""Our adapter for the development gateway (`devgateway/`), a VNPay/MoMo-like gateway that
the project ships: the model of an adapter for a real one."""

import secrets
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.adapters import SharedSecret, dev_base_url
from motcua.payments import signing
from motcua.payments.devgateway import protocol
from motcua.payments.gateways import (
    GatewayResult,
    GatewayUnavailable,
    InvalidMessage,
    Outcome,
    PaymentGateway,
    State,
    registry,
)

ANSWER_TEXT = {
    Outcome.CONFIRMED: "Confirm Success",
    Outcome.UNKNOWN_ORDER: "Order not found",
    Outcome.CONFLICT: "Order already confirmed",
    Outcome.AMOUNT_MISMATCH: "Invalid amount",
    Outcome.BAD_SIGNATURE: "Invalid signature",
    Outcome.MALFORMED: "Unknown error",
}
MAX_AMOUNT_DIGITS = 18


@registry.register("dev")
class DevGateway(SharedSecret, PaymentGateway):
    name = _("Development payment gateway")
    description = _("A test gateway shipped with the portal: no money moves.")

    def checkout_url(self, payment, return_url: str, notify_url: str) -> str:
        now = timezone.now()
        expires = payment.expires_at or now + timedelta(minutes=15)
        fields = {
            "version": protocol.VERSION,
            "command": "pay",
            "merchant": self.merchant,
            "reference": payment.reference,
            "amount": payment.amount,
            "currency": payment.currency,
            "order_info": f"Thanh toan phi, le phi ho so {payment.dossier.code}",
            "return_url": return_url,
            "notify_url": notify_url,
            "created": protocol.format_time(now),
            "expires": protocol.format_time(expires),
            "locale": "vi",
        }
        return (
            dev_base_url(self.options, "dev/payment-gateway/")
            + "pay/?"
            + urlencode(signing.signed(fields, self.secret))
        )

    def parse(self, data: Mapping[str, str]) -> GatewayResult:
        fields = {k: v for k, v in data.items() if k in (*protocol.RESULT_FIELDS, "signature")}
        if not signing.verify(fields, self.secret):
            raise InvalidMessage(Outcome.BAD_SIGNATURE, "signature")
        reference = fields.get("reference", "")
        amount = fields.get("amount", "")
        if not reference or not amount.isdigit() or len(amount) > MAX_AMOUNT_DIGITS:
            raise InvalidMessage(Outcome.MALFORMED, "fields")
        if fields.get("merchant") != self.merchant:
            raise InvalidMessage(Outcome.UNKNOWN_ORDER, "merchant")
        code = fields.get("response_code", "")
        status = fields.get("transaction_status", "")
        if code == protocol.SUCCESS and status == protocol.PAID:
            state = State.PAID
        elif status == protocol.PENDING:
            state = State.PENDING
        else:
            state = State.FAILED
        return GatewayResult(
            reference=reference,
            state=state,
            amount=int(amount),
            currency=fields.get("currency", "VND"),
            transaction_id=fields.get("transaction_no", "")[:64],
            code=code[:8],
            paid_at=protocol.parse_time(fields.get("pay_date", "")),
            fields=dict(data),
        )

    def answer(self, outcome: Outcome) -> dict:
        return {"RspCode": outcome.value, "Message": ANSWER_TEXT[outcome]}

    def query(self, payment) -> GatewayResult | None:
        fields = {
            "version": protocol.VERSION,
            "command": "query",
            "merchant": self.merchant,
            "reference": payment.reference,
            "request_id": secrets.token_hex(8),
            "created": protocol.format_time(timezone.now()),
        }
        timeout = settings.PAYMENTS.get("HTTP_TIMEOUT_SECONDS", 10)
        try:
            status, body = protocol.post_form(
                dev_base_url(self.options, "dev/payment-gateway/") + "query/",
                signing.signed(fields, self.secret),
                timeout,
            )
        except OSError as error:
            raise GatewayUnavailable(str(error)) from error
        answer = protocol.json_answer(body) if status == 200 else None
        if answer is None:
            raise GatewayUnavailable(f"HTTP {status}")
        answer = {str(k): str(v) for k, v in answer.items()}
        if not signing.verify(answer, self.secret):
            raise GatewayUnavailable("the answer's signature does not match")
        if answer.get("response_code") == "91":
            return None
        try:
            return self.parse(answer)
        except InvalidMessage as error:
            raise GatewayUnavailable(error.detail) from error
