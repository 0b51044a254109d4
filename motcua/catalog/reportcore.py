"""Arithmetic and text layout of the catalogue report. No Django imports.

Input: plain counts. Output: the report dict whose keys docs/reports.md documents,
with percentages as Vietnamese-formatted strings ("44,52"), as the province's reports print.
"""

from decimal import Decimal

from motcua.core.numbers import format_vn, percent

LEVELS = ("province", "district", "commune")
LEVEL_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


def pct(part, whole) -> str | None:
    value = percent(part, whole)
    return None if value is None else format_vn(value, 2)


def number(value: Decimal | int) -> int | str:
    """Whole numbers stay numbers in JSON; fractional day totals become decimal strings."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else str(value.normalize())


def procedures_section(by_level, one_stop_by_level, inter_agency, online_by_level) -> dict:
    """Counts: by_level {level: n}, one_stop_by_level {level: n}, online {(online, level): n}."""
    total = sum(by_level.get(lv, 0) for lv in LEVELS)
    one_stop_total = sum(one_stop_by_level.get(lv, 0) for lv in LEVELS)
    online = {}
    for online_level in (4, 3, 2, 1):
        counts = {lv: online_by_level.get((online_level, lv), 0) for lv in LEVELS}
        n = sum(counts.values())
        if n or online_level > 1:
            online[str(online_level)] = {"total": n, "percent": pct(n, total), "by_level": counts}
    level_3_4 = online["4"]["total"] + online["3"]["total"]
    return {
        "total": total,
        "by_level": {lv: by_level.get(lv, 0) for lv in LEVELS},
        "one_stop": {
            "total": one_stop_total,
            "percent": pct(one_stop_total, total),
            "by_level": {lv: one_stop_by_level.get(lv, 0) for lv in LEVELS},
            "not_one_stop": {
                lv: by_level.get(lv, 0) - one_stop_by_level.get(lv, 0) for lv in LEVELS
            },
        },
        "inter_agency": inter_agency,
        "inter_agency_percent": pct(inter_agency, total),
        "online_level": online,
        "online_level_3_or_4": {"total": level_3_4, "percent": pct(level_3_4, total)},
    }


def publication_section(
    decisions: int,
    changes: dict,
    replaced_old: int,
    cut: int,
    eligible: int,
    local_days: Decimal,
    statutory_days: Decimal,
) -> dict:
    """changes: {"new": n, "amended": n, "replaced": n, "abolished": n} counted from items."""
    saved = Decimal(statutory_days) - Decimal(local_days)
    return {
        "decisions": decisions,
        "procedures_in_decisions": sum(changes.values()),
        "new": changes.get("new", 0),
        "amended": changes.get("amended", 0),
        "replaced_old": replaced_old,
        "replaced_by_new": changes.get("replaced", 0),
        "abolished": changes.get("abolished", 0),
        "time_cut": {
            "cut": cut,
            "eligible": eligible,
            "percent": pct(cut, eligible),
            "not_cut": eligible - cut,
        },
        "days": {
            "local_total": number(local_days),
            "statutory_total": number(statutory_days),
            "saved": number(saved),
            "percent_saved": pct(saved, statutory_days),
        },
    }


def render_text(report: dict) -> str:
    """The report as the province prints it, in Vietnamese with Vietnamese number format."""
    p = report["procedures"]
    units = report["one_stop_units"]
    lines = [
        f"BÁO CÁO DANH MỤC THỦ TỤC HÀNH CHÍNH (tính đến ngày {report['as_of_vn']})",
        "",
        f"Số cơ quan, đơn vị thực hiện cơ chế một cửa: {format_vn(units['total'])} "
        f"(cấp tỉnh: {format_vn(units['provincial_departments'])}; "
        f"cấp huyện: {format_vn(units['district_level'])}; "
        f"cấp xã: {format_vn(units['commune_level'])})",
        "",
        f"Tổng số thủ tục hành chính: {format_vn(p['total'])}",
    ]
    lines += [f"  - {LEVEL_NAMES[lv]}: {format_vn(p['by_level'][lv])}" for lv in LEVELS]
    lines.append(
        f"Thực hiện theo cơ chế một cửa: {format_vn(p['one_stop']['total'])}/"
        f"{format_vn(p['total'])} ({p['one_stop']['percent']}%)"
    )
    lines += [
        f"  - {LEVEL_NAMES[lv]}: {format_vn(p['one_stop']['by_level'][lv])}/"
        f"{format_vn(p['by_level'][lv])}"
        for lv in LEVELS
    ]
    lines.append(f"Thực hiện theo cơ chế một cửa liên thông: {format_vn(p['inter_agency'])}")
    lines.append("Dịch vụ công trực tuyến:")
    for key, row in p["online_level"].items():
        per_level = ", ".join(
            f"{LEVEL_NAMES[lv].lower()}: {format_vn(row['by_level'][lv])}" for lv in LEVELS
        )
        lines.append(
            f"  - Mức độ {key}: {format_vn(row['total'])} thủ tục, đạt {row['percent']}% "
            f"({per_level})"
        )
    pub = report["publication"]
    tc, days = pub["time_cut"], pub["days"]
    lines += [
        "",
        f"Công bố thủ tục hành chính từ {report['period_vn'][0]} đến {report['period_vn'][1]}:",
        f"  - Số quyết định công bố: {format_vn(pub['decisions'])}, "
        f"với {format_vn(pub['procedures_in_decisions'])} thủ tục",
        f"  - Ban hành mới: {format_vn(pub['new'])}; "
        f"sửa đổi, bổ sung: {format_vn(pub['amended'])}; "
        f"thay thế {format_vn(pub['replaced_old'])} thủ tục cũ bằng "
        f"{format_vn(pub['replaced_by_new'])} thủ tục mới; bãi bỏ: {format_vn(pub['abolished'])}",
        f"  - Cắt giảm thời gian: {format_vn(tc['cut'])}/{format_vn(tc['eligible'])} thủ tục, "
        f"đạt {tc['percent']}% ({format_vn(tc['not_cut'])} thủ tục không cắt giảm)",
        f"  - Tổng thời gian giải quyết/tổng thời gian quy định: "
        f"{format_vn(Decimal(days['local_total']))}/{format_vn(Decimal(days['statutory_total']))} "
        f"ngày, cắt giảm {format_vn(Decimal(days['saved']))} ngày = {days['percent_saved']}%",
    ]
    return "\n".join(lines) + "\n"
