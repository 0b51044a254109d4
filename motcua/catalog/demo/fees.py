"""The fees of the demo's common procedures (data/fees.json), by procedure name and tier.

Pure: the generator (`generate._text`) asks `fees_for(name, level)` for the `fees` of each
procedure text it writes. Each line's note names the instrument that sets the amount;
amounts a provincial resolution sets carry [check] (docs/catalogue.md, "Demo fees")."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FEES = Path(__file__).parent / "data" / "fees.json"


@cache
def entries() -> tuple[dict, ...]:
    return tuple(json.loads(FEES.read_text(encoding="utf-8"))["procedures"])


def matches(entry: dict, name: str, level: str) -> bool:
    if level not in entry["levels"]:
        return False
    if entry["match"] == "exact":
        return name in entry["names"]
    return any(name.startswith(prefix) for prefix in entry["names"])


def fees_for(name: str, level: str) -> list[dict]:
    """The fee lines ({"name", "amount", "note"}) of the procedure, [] when none is known."""
    for entry in entries():
        if matches(entry, name, level):
            return [dict(fee) for fee in entry["fees"]]
    return []
