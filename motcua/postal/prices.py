"""A price list of postal charges as data: the fee of an item by weight and area.
No Django imports. The development operator quotes from `data/dev_prices.json`; a real
operator's prices are theirs (their adapter asks them).

A list: per area, steps of (up to grams, fee in VND) in increasing weight, and a fee per
further `extra_grams` above the last step."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEV_PRICES = Path(__file__).parent / "data" / "dev_prices.json"
MAX_GRAMS = 30_000  # heavier is not a letter parcel: the operator quotes it by hand


class NoPrice(ValueError):
    """No price for this item (unknown area, no weight, too heavy)."""


@dataclass(frozen=True)
class PriceList:
    areas: dict[str, dict]

    @classmethod
    def load(cls, path: Path = DEV_PRICES) -> PriceList:
        return cls(json.loads(path.read_text(encoding="utf-8"))["areas"])

    def fee(self, area: str, grams: int) -> int:
        table = self.areas.get(area)
        if table is None:
            raise NoPrice(f"unknown area {area!r}")
        if not isinstance(grams, int) or grams <= 0 or grams > MAX_GRAMS:
            raise NoPrice(f"weight {grams!r} outside 1..{MAX_GRAMS} g")
        steps = table["steps"]
        for up_to, fee in steps:
            if grams <= up_to:
                return fee
        last_grams, last_fee = steps[-1]
        extra = -(-(grams - last_grams) // table["extra_grams"])  # started steps count
        return last_fee + extra * table["extra_fee"]
