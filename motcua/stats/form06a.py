"""Arithmetic and layout of Biểu số 06a/VPCP/KSTT (Thông tư 01/2020/TT-VPCP). No Django.

Input: the agencies of the period and counted cells, one per (agency, sector), each with
the nine leaf counts below. Output: the report dict documented in docs/statistics.md
(rows one per agency, groups of subtotals, the total) and `lines`, the table as the form
lays it out, which the page, the text, the XLSX and the PDF all draw from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from motcua.core.numbers import format_vn, percent

LEAVES = (
    "online",
    "counter_post",
    "carried_over",
    "early",
    "on_time",
    "late",
    "within",
    "overdue",
    "other",
)
"""The counted leaves; every other number of the form is a sum of them."""
SECTIONS = {
    "received": ("online", "counter_post", "carried_over"),
    "resolved": ("early", "on_time", "late"),
    "in_progress": ("within", "overdue"),
}
TIERS = ("province", "district", "commune")
TIER_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
DISTRICT_PC = "district_pc"
METRICS = (*LEAVES, *SECTIONS)
"""What a drill-down link may ask for: a leaf, or a section's total."""


def zero() -> dict[str, int]:
    return dict.fromkeys(LEAVES, 0)


def add(into: dict[str, int], counts: dict[str, int]) -> dict[str, int]:
    for key in LEAVES:
        into[key] += int(counts.get(key, 0))
    return into


def on_time_rate(early: int, on_time: int, resolved: int) -> float | None:
    """(early + on time) / resolved as a fraction rounded to 4 places; None if none resolved."""
    value = percent(early + on_time, resolved, places=2)
    return None if value is None else float(value / 100)


def rate_text(rate: float | None) -> str:
    """ "95,24 %", Vietnamese decimal comma; "–" when nothing was resolved."""
    if rate is None:
        return "–"
    return f"{format_vn(Decimal(str(rate)) * 100, 2)} %"


def shaped(counts: dict[str, int]) -> dict:
    """The nine leaves in the JSON shape of a row: sections with their totals."""
    out: dict = {}
    for section, keys in SECTIONS.items():
        out[section] = {key: counts[key] for key in keys}
        out[section]["total"] = sum(counts[key] for key in keys)
    out["other"] = counts["other"]
    resolved = out["resolved"]
    out["on_time_rate"] = on_time_rate(resolved["early"], resolved["on_time"], resolved["total"])
    return out


def check(counts: dict[str, int]) -> None:
    """received = resolved + in progress + other: every dossier of the period is in one."""
    row = shaped(counts)
    left = row["received"]["total"]
    right = row["resolved"]["total"] + row["in_progress"]["total"] + row["other"]
    if left != right:
        raise ValueError(f"received {left} ≠ resolved + in progress + other {right}")


@dataclass(frozen=True)
class Agency:
    id: int
    code: str
    name: str
    tier: str
    kind: str = ""
    parent_id: int | None = None


@dataclass(frozen=True)
class Sector:
    id: int
    code: str
    name: str


@dataclass
class Cell:
    agency_id: int
    sector_id: int | None
    counts: dict[str, int] = field(default_factory=zero)


def build(
    period: tuple[str, str],
    agencies: list[Agency],
    sectors: list[Sector],
    cells: list[Cell],
) -> dict:
    """The report: rows one per agency (in tier, then name order), groups of subtotals (by
    tier; by tier and sector; by district, its People's Committee and the units under it),
    and the total. Cells of agencies not listed are an error: rows must add up to total."""
    by_id = {a.id: a for a in agencies}
    sector_by_id = {s.id: s for s in sectors}
    per_agency = {a.id: zero() for a in agencies}
    per_sector: dict[tuple[str, int | None], dict] = {}
    for cell in cells:
        if cell.agency_id not in by_id:
            raise ValueError(f"cell of an agency not in the report: {cell.agency_id}")
        add(per_agency[cell.agency_id], cell.counts)
        key = (by_id[cell.agency_id].tier, cell.sector_id)
        add(per_sector.setdefault(key, zero()), cell.counts)
    order = sorted(agencies, key=lambda a: (_tier_rank(a.tier), a.name, a.code))
    rows = [
        {"agency": a.code, "name": a.name, "tier": a.tier, **shaped(per_agency[a.id])}
        for a in order
    ]
    groups = []
    total = zero()
    for tier in TIERS:
        members = [a for a in order if a.tier == tier]
        if not members:
            continue
        counts = zero()
        for a in members:
            add(counts, per_agency[a.id])
        add(total, counts)
        groups.append({"kind": "tier", "key": tier, "name": TIER_NAMES[tier], **shaped(counts)})
    for a in order:
        if a.kind != DISTRICT_PC:
            continue
        members = [b for b in order if b.id in descendants(a.id, agencies)]
        counts = zero()
        for b in members:
            add(counts, per_agency[b.id])
        groups.append(
            {
                "kind": "unit",
                "key": a.code,
                "name": a.name,
                "tier": a.tier,
                "members": [b.code for b in members],
                **shaped(counts),
            }
        )
    for (tier, sector_id), counts in sorted(
        per_sector.items(),
        key=lambda item: (_tier_rank(item[0][0]), _sector_name(sector_by_id, item[0][1])),
    ):
        sector = sector_by_id.get(sector_id)
        groups.append(
            {
                "kind": "sector",
                "key": sector.code if sector else "",
                "name": sector.name if sector else "",
                "tier": tier,
                **shaped(counts),
            }
        )
    return {
        "period": {"from": period[0], "to": period[1]},
        "rows": rows,
        "groups": groups,
        "total": shaped(total),
    }


def descendants(agency_id: int, agencies: list[Agency]) -> set[int]:
    """The agency and every agency under it (children, their children …)."""
    found = {agency_id}
    while True:
        more = {a.id for a in agencies if a.parent_id in found and a.id not in found}
        if not more:
            return found
        found |= more


def _tier_rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def _sector_name(sectors: dict, sector_id) -> str:
    sector = sectors.get(sector_id)
    return sector.name if sector else ""


# --- Layout ------------------------------------------------------------------------------------

COLUMNS = (
    ("received", "online"),
    ("received", "counter_post"),
    ("received", "carried_over"),
    ("resolved", "early"),
    ("resolved", "on_time"),
    ("resolved", "late"),
    ("in_progress", "within"),
    ("in_progress", "overdue"),
    ("other", None),
)
"""The form's number columns after the totals, in order (see HEADER)."""
HEADER = [
    # (top header, [(sub header, metric)]); the form's Vietnamese titles are legal text.
    ("Tổng số hồ sơ", [("Tổng số", "received")]),
    (
        "Số hồ sơ nhận giải quyết",
        [
            ("Trực tuyến", "online"),
            ("Trực tiếp, dịch vụ bưu chính", "counter_post"),
            ("Từ kỳ trước chuyển qua", "carried_over"),
        ],
    ),
    (
        "Số hồ sơ đã giải quyết",
        [
            ("Tổng số", "resolved"),
            ("Trước hạn", "early"),
            ("Đúng hạn", "on_time"),
            ("Quá hạn", "late"),
        ],
    ),
    (
        "Số hồ sơ đang giải quyết",
        [("Tổng số", "in_progress"), ("Trong hạn", "within"), ("Quá hạn", "overdue")],
    ),
    ("Khác", [("Khác", "other")]),
    ("Tỷ lệ đúng hạn", [("Tỷ lệ đúng hạn", None)]),
]
CELL_METRICS = [metric for _, subs in HEADER for _, metric in subs]
"""The metric of each number cell of a line, left to right (None: the rate)."""


def values(entry: dict) -> list:
    """The numbers of one row or group, in the order of CELL_METRICS."""
    out = []
    for metric in CELL_METRICS:
        if metric is None:
            out.append(entry["on_time_rate"])
        elif metric in SECTIONS:
            out.append(entry[metric]["total"])
        elif metric == "other":
            out.append(entry["other"])
        else:
            section = next(s for s, keys in SECTIONS.items() if metric in keys)
            out.append(entry[section][metric])
    return out


ROMAN = ("I", "II", "III", "IV", "V")


def lines(report: dict) -> list[dict]:
    """The table as the form lays it out: the total; then, by tier, the tier's subtotal
    and its agencies; then the districts' rollups (where the period has districts); then
    the sectors by tier. Each line: style (total, section, group, row), number, label,
    values and `filter`, the drill-down parameters that select its dossiers."""
    out = [
        {
            "style": "total",
            "number": "",
            "label": "Tổng cộng",
            "values": values(report["total"]),
            "filter": {},
        }
    ]
    groups = report["groups"]
    tiers = [g for g in groups if g["kind"] == "tier"]
    for i, group in enumerate(tiers):
        out.append(_group_line(group, ROMAN[i], {"tier": group["key"]}))
        members = [r for r in report["rows"] if r["tier"] == group["key"]]
        for n, row in enumerate(members, start=1):
            out.append(
                {
                    "style": "row",
                    "number": str(n),
                    "label": row["name"],
                    "values": values(row),
                    "filter": {"agency": row["agency"]},
                }
            )
    units = [g for g in groups if g["kind"] == "unit"]
    if units:
        out.append({"style": "section", "key": "units", "label": "Tổng hợp theo địa bàn cấp huyện"})
        for n, group in enumerate(units, start=1):
            out.append(_group_line(group, str(n), {"group": group["key"]}, style="row"))
    sectors = [g for g in groups if g["kind"] == "sector"]
    if sectors:
        out.append({"style": "section", "key": "sectors", "label": "Tổng hợp theo lĩnh vực"})
        for tier in TIERS:
            of_tier = [g for g in sectors if g["tier"] == tier]
            for n, group in enumerate(of_tier, start=1):
                label = f"{group['name'] or '–'} ({TIER_NAMES[tier].lower()})"
                line = _group_line(group, str(n), {"tier": tier, "sector": group["key"]})
                out.append({**line, "label": label, "style": "row"})
    return out


def _group_line(group: dict, number: str, filters: dict, style: str = "group") -> dict:
    return {
        "style": style,
        "kind": group["kind"],
        "key": group["key"],
        "number": number,
        "label": group["name"],
        "values": values(group),
        "filter": filters,
    }


def cell_text(metric: str | None, value) -> str:
    return rate_text(value) if metric is None else format_vn(value)


def render_text(report: dict, title: str = "BIỂU SỐ 06a/VPCP/KSTT") -> str:
    """The form as plain text, Vietnamese labels and number format, fixed-width columns."""
    short = ["Tổng", "T.tuyến", "T.tiếp+BC", "Kỳ trước", "Đã GQ", "Tr.hạn", "Đ.hạn", "Q.hạn"]
    short += ["Đang GQ", "Tr.hạn", "Q.hạn", "Khác", "Tỷ lệ"]
    width = 40
    period = report["period"]
    head = [
        title,
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        f"Kỳ báo cáo: từ ngày {_vn_date(period['from'])} đến ngày {_vn_date(period['to'])}",
        "",
        "Nhận: trực tuyến, trực tiếp và bưu chính, kỳ trước chuyển qua; đã giải quyết: trước "
        "hạn, đúng hạn, quá hạn; đang giải quyết: trong hạn, quá hạn.",
        "",
        f"{'STT':>4} {'Đơn vị':<{width}}" + "".join(f"{h:>10}" for h in short),
    ]
    body = []
    for line in lines(report):
        if line["style"] == "section":
            body.append(f"{'':>4} {line['label']}")
            continue
        label = line["label"]
        if len(label) > width:
            label = label[: width - 1] + "…"
        cells = "".join(
            f"{cell_text(m, v):>10}" for m, v in zip(CELL_METRICS, line["values"], strict=True)
        )
        body.append(f"{line['number']:>4} {label:<{width}}{cells}")
    return "\n".join(head + body) + "\n"


def _vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"
