"""Postal operators as plugins: each adapter registers under a key
(`@registry.register("dev")`) and is enabled by an entry of `settings.POSTAL["OPERATORS"]`
holding its options. The services speak to every operator through `PostalOperator`
(the contract: docs/postal.md):

- `quote(direction, area, weight_grams)`: the postal fee of an item, before the applicant
  confirms (`NoQuote` when the operator has no price for it);
- `create_order(order, notify_url)`: ask for a pickup (the dossier, from the applicant to
  the desk) or a delivery (the result, from the desk to the applicant); the operator's
  order number (`Placed`). `OperatorUnavailable` to be retried, `OrderRefused` for good;
- `cancel(order)`: withdraw an order the postman has not taken yet;
- `parse(data)`: a status event the operator sent to our callback address, its signature
  verified, as a `StatusEvent`; `InvalidMessage` if it is forged or malformed;
- `answer(outcome)`: the body the operator expects in reply to its callback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.conf import settings

from motcua.core.adapters import Adapter, Registry
from motcua.core.adapters import InvalidMessage as InvalidMessage  # the adapters' error


class Outcome(StrEnum):
    """Our answer to an operator's callback."""

    CONFIRMED = "00"
    UNKNOWN_ORDER = "01"
    CONFLICT = "02"  # not this order's (another operator order / tracking), or a step back
    BAD_SIGNATURE = "97"
    MALFORMED = "99"


@dataclass(frozen=True)
class Quote:
    fee: int  # VND, whole dong
    service: str = ""  # the operator's name for the service quoted


@dataclass(frozen=True)
class Placed:
    operator_order_id: str
    tracking_number: str = ""


@dataclass(frozen=True)
class StatusEvent:
    """What an operator says happened to one order."""

    reference: str  # ours
    operator_order_id: str
    event_id: str  # the operator's, unique per order: a repeat is a replay
    status: str  # one of rules.STATUSES
    at: datetime
    tracking_number: str = ""
    note: str = ""
    fields: dict = field(default_factory=dict)  # the message as it came (for the record)


class OperatorUnavailable(Exception):
    """The operator could not be reached or gave no usable answer: try again later."""


class OrderRefused(Exception):
    """The operator refused the order for good (bad address, unknown service)."""


class NoQuote(Exception):
    """The operator has no price for this item."""


class PostalOperator(Adapter):
    def quote(self, direction: str, area: str, weight_grams: int) -> Quote:
        raise NotImplementedError

    def create_order(self, order, notify_url: str) -> Placed:
        raise NotImplementedError

    def cancel(self, order) -> None:
        raise NotImplementedError

    def parse(self, data: Mapping[str, str]) -> StatusEvent:
        raise NotImplementedError

    def answer(self, outcome: Outcome) -> dict:
        raise NotImplementedError


class OperatorRegistry(Registry[PostalOperator]):
    def default(self) -> PostalOperator | None:
        """The operator new orders go to: POSTAL["OPERATOR"], else the first enabled."""
        keys = self.enabled_keys()
        wanted = getattr(settings, "POSTAL", {}).get("OPERATOR") or (keys[0] if keys else "")
        return self.get(wanted) if wanted in keys else None


registry = OperatorRegistry("postal operator", "POSTAL", "OPERATORS")
