"""Payment gateways as plugins: each adapter registers under a key
(`@registry.register("dev")`) and is enabled by an entry of `settings.PAYMENTS["GATEWAYS"]`
holding its options. The services speak to every gateway through `PaymentGateway`:

- `checkout_url(payment, return_url, notify_url)`: where to send the payer's browser, with a
  signed request (the order's reference, amount, our return and IPN addresses);
- `parse(data)`: a message from the gateway (the browser's return or the server-to-server
  IPN), its signature verified, as a `GatewayResult`; `InvalidMessage` if it is forged or
  not one of the gateway's messages;
- `answer(outcome)`: the body the gateway expects in reply to its IPN;
- `query(payment)`: ask the gateway what became of an order (before it is marked expired);
  `GatewayUnavailable` when it cannot be reached.

docs/payments.md says how to plug in a real gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from motcua.core.adapters import Adapter, Registry
from motcua.core.adapters import InvalidMessage as InvalidMessage  # the adapters' error


class Outcome(StrEnum):
    """Our answer to a gateway's message (the codes VNPay-like gateways use)."""

    CONFIRMED = "00"
    UNKNOWN_ORDER = "01"
    CONFLICT = "02"  # settled already, and this message says otherwise
    AMOUNT_MISMATCH = "04"
    BAD_SIGNATURE = "97"
    MALFORMED = "99"


class State(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class GatewayResult:
    """What a gateway says about one order."""

    reference: str
    state: State
    amount: int | None
    currency: str = "VND"
    transaction_id: str = ""
    code: str = ""
    paid_at: datetime | None = None
    fields: dict = field(default_factory=dict)  # the message as it came (for the record)


class GatewayUnavailable(Exception):
    """The gateway could not be reached or gave no usable answer."""


class PaymentGateway(Adapter):
    description: str = ""

    def checkout_url(self, payment, return_url: str, notify_url: str) -> str:
        raise NotImplementedError

    def parse(self, data: Mapping[str, str]) -> GatewayResult:
        raise NotImplementedError

    def answer(self, outcome: Outcome) -> dict:
        raise NotImplementedError

    def query(self, payment) -> GatewayResult | None:
        """None: the gateway does not support queries, or knows no such order."""
        return None


registry: Registry[PaymentGateway] = Registry("payment gateway", "PAYMENTS", "GATEWAYS")
