"""Biểu số 07b (Thông tư 01/2020/TT-VPCP): procedures per unit, from the catalogue.

No Django: `build` takes plain counts (read by `queries.procedure_counts`) and returns
the report. Each provincial department is a row with the procedures it performs;
district and commune procedures are performed by every People's Committee of the tier, so
each tier is one row, with the number of units in force."""

from __future__ import annotations

COLUMNS = ("total", "one_stop", "inter_agency", "with_process")
TIERS = ("province", "district", "commune")
TIER_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def build(as_of: str, departments: dict, units: dict, counts: dict) -> dict:
    """departments {agency_id: (code, name)}; units {tier: number of units in force};
    counts {(tier, agency_id or None): {column: n}}."""
    rows, totals = [], {tier: dict.fromkeys(COLUMNS, 0) for tier in TIERS}
    for (tier, agency_id), values in sorted(
        counts.items(), key=lambda item: (_rank(item[0][0]), _name(departments, item[0][1]))
    ):
        values = {c: int(values.get(c, 0)) for c in COLUMNS}
        for column in COLUMNS:
            totals.setdefault(tier, dict.fromkeys(COLUMNS, 0))[column] += values[column]
        if tier == "province":
            code, name = departments.get(agency_id, ("", ""))
            rows.append({"tier": tier, "agency": code, "name": name or "–", **values})
    for tier in ("district", "commune"):
        if totals[tier]["total"] or units.get(tier):
            rows.append(
                {
                    "tier": tier,
                    "agency": "",
                    "name": TIER_NAMES[tier],
                    "units": units.get(tier, 0),
                    **totals[tier],
                }
            )
    total = {c: sum(totals[t][c] for t in totals) for c in COLUMNS}
    return {
        "as_of": as_of,
        "rows": rows,
        "tiers": {t: totals[t] for t in TIERS},
        "total": total,
    }


def _rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def _name(departments: dict, agency_id) -> str:
    return departments.get(agency_id, ("", ""))[1]
