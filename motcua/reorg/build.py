"""Build the reorganisation plan of a province from vietnamadminunits' 2025 conversion data
and the database's units, agencies, posts, procedures and open dossiers.

What the data cannot know is a default written into the plan and listed under "review"
for a supervisor to check before `motcua reorganise apply` (docs/reorganisation.md).
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import date
from pathlib import Path

from django.db.models import Q

from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import FINAL
from motcua.org.constants import AgencyKind, Level
from motcua.org.models import AdminUnit, AdminUnitChange, Agency, Officer
from motcua.reorg.plan import FORMAT

INSTRUMENT = (
    "Nghị quyết số 202/2025/QH15 ngày 12/6/2025 của Quốc hội về sắp xếp đơn vị hành chính "
    "cấp tỉnh; Nghị quyết của Ủy ban Thường vụ Quốc hội về sắp xếp đơn vị hành chính cấp xã "
    "của tỉnh (hiệu lực 01/7/2025)"
)

# The provincial departments after Nghị định 45/2025/NĐ-CP (specialist agencies of the
# provincial People's Committee; 1 March 2025): old department → the department that took
# over its procedures. [check] Each province decided the split of some tasks (e.g. the
# social-protection tasks of Lao động - Thương binh và Xã hội went to Y tế, vocational
# training to Giáo dục và Đào tạo; Ngoại vụ's to the Office or to Nội vụ): a supervisor
# edits the plan where the province's decision differs.
DEPARTMENT_SUCCESSORS = {
    "Sở Kế hoạch và Đầu tư": "Sở Tài chính",
    "Sở Tài chính": "Sở Tài chính",
    "Sở Tư pháp": "Sở Tư pháp",
    "Sở Nội vụ": "Sở Nội vụ",
    "Sở Lao động - Thương binh và Xã hội": "Sở Nội vụ",
    "Sở Công Thương": "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn": "Sở Nông nghiệp và Môi trường",
    "Sở Tài nguyên và Môi trường": "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng": "Sở Xây dựng",
    "Sở Giao thông vận tải": "Sở Xây dựng",
    "Sở Giáo dục và Đào tạo": "Sở Giáo dục và Đào tạo",
    "Sở Y tế": "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch": "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ": "Sở Khoa học và Công nghệ",
    "Sở Thông tin và Truyền thông": "Sở Khoa học và Công nghệ",
    "Sở Ngoại vụ": "Văn phòng Ủy ban nhân dân tỉnh",
    "Thanh tra tỉnh": "Thanh tra tỉnh",
    "Ban Quản lý các khu công nghiệp tỉnh": "Ban Quản lý các khu công nghiệp tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh": "Văn phòng Ủy ban nhân dân tỉnh",
}


class BuildError(ValueError):
    pass


# --- vietnamadminunits' data ---------------------------------------------------------------


def _package_data() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent / "data"


def _rows(sql: str, *args) -> list[dict]:
    with sqlite3.connect(_package_data() / "dataset.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, args)]


def conversion(province_code: str) -> dict:
    """The 2025 conversion of one old province, from vietnamadminunits: the new province
    (code, name), each old commune's new commune (code, name, type, whether the default of
    a divided commune was taken) and the old districts' points."""
    legacy = _rows(
        "SELECT provinceKey, districtKey, districtCode, districtLat, districtLon, wardKey, "
        "wardCode, ward FROM admin_units_legacy WHERE provinceCode = ?",
        province_code,
    )
    if not legacy:
        raise BuildError(f"vietnamadminunits has no province {province_code!r}")
    data = json.loads((_package_data() / "converter_2025.json").read_text(encoding="utf-8"))
    old_key = legacy[0]["provinceKey"]
    new_key = next(k for k, v in data["DICT_PROVINCE"].items() if old_key in v)
    new_rows = _rows(
        "SELECT province, provinceCode, wardKey, wardCode, ward, wardType, wardLat, wardLon "
        "FROM admin_units WHERE provinceKey = ?",
        new_key,
    )
    new_by_key = {r["wardKey"]: r for r in new_rows}
    whole = {
        old: new
        for new, olds in data["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}).items()
        for old in olds
    }
    divided = data["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {})
    communes, districts = {}, {}
    for row in legacy:
        key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"
        new, split = whole.get(key), False
        if new is None and key in divided:
            new = next(w["newWardKey"] for w in divided[key] if w["isDefaultNewWard"])
            split = True
        target = new_by_key[new]
        communes[row["wardCode"]] = {
            "code": target["wardCode"],
            "name": target["ward"],
            "type": target["wardType"],
            "point": (target["wardLat"], target["wardLon"]),
            "divided": split,
        }
        districts[row["districtCode"]] = (row["districtLat"], row["districtLon"])
    first = new_rows[0]
    return {
        "province": {"code": first["provinceCode"], "name": first["province"]},
        "communes": communes,
        "districts": districts,
    }


def legacy_units(province_code: str) -> dict:
    """An old province's units as they were on 30/06/2025, in org/data/hanam_units.json's
    shape (for `org.demo.load_units`), from vietnamadminunits' `admin_units_legacy` table.
    Its earlier history is not in that table: the units are given no start date."""
    rows = _rows(
        "SELECT province, provinceCode, district, districtCode, districtType, ward, wardCode, "
        "wardType FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, "
        "wardCode",
        province_code,
    )
    if not rows:
        raise BuildError(f"vietnamadminunits has no province {province_code!r}")
    districts = {}
    for r in rows:
        districts.setdefault(
            r["districtCode"],
            {
                "code": r["districtCode"],
                "name": r["district"],
                "type": r["districtType"],
                "valid_from": None,
                "confirmed": True,
            },
        )
    return {
        "sources": [
            "vietnamadminunits, dataset.db table admin_units_legacy, provinceCode "
            f"{province_code} (the state just before 01/07/2025)"
        ],
        "province": {"code": province_code, "name": rows[0]["province"], "type": "Tỉnh"},
        "as_of": "2025-06-30",
        "districts": list(districts.values()),
        "communes": [
            {
                "code": r["wardCode"],
                "name": r["ward"],
                "type": r["wardType"],
                "district_code": r["districtCode"],
                "valid_from": None,
                "confirmed": True,
                "note": "",
            }
            for r in rows
        ],
        "changes": [],
    }


def _distance(a, b) -> float:
    return math.dist(a, b) if None not in (*a, *b) else math.inf


# --- The plan ------------------------------------------------------------------------------


class _Codes:
    """QCVN 102:2016 identifiers `000.LL.NN.Hxx` for the new province's agencies, given in
    order. [check] The province's registered identifiers replace them before applying."""

    def __init__(self, province_part: str):
        self.part = province_part
        self.departments = 0
        self.communes = 0

    def provincial(self, n: int) -> str:
        return f"000.00.{n:02d}.{self.part}"

    def department(self) -> str:
        self.departments += 1
        return self.provincial(self.departments)

    def commune(self) -> str:
        index = self.communes
        self.communes += 1
        return f"000.{index % 99 + 1:02d}.{40 + index // 99:02d}.{self.part}"


def build_plan(
    province_codes: str | list[str], effective_on: date, identifier: str | None = None
) -> dict:
    """The plan for the old province(s) taking effect on `effective_on`. Several old
    provinces merged into one new province (Hà Nam, Nam Định and Ninh Bình into Ninh Bình)
    make one plan: their departments merge, their communes are merged each within its own."""
    codes_given = [province_codes] if isinstance(province_codes, str) else list(province_codes)
    if not codes_given or len(set(codes_given)) != len(codes_given):
        raise BuildError("give each old province once")
    provinces, convs = [], []
    for code in codes_given:
        province = AdminUnit.objects.filter(code=code, valid_to__isnull=True).first()
        if province is None:
            raise BuildError(f"province {code} is not in force in the database")
        provinces.append(province)
        convs.append(conversion(code))
    new_province = convs[0]["province"]
    for code, conv in zip(codes_given, convs, strict=True):
        if conv["province"]["code"] != new_province["code"]:
            raise BuildError(
                f"province {code} becomes {conv['province']['name']}, not "
                f"{new_province['name']}: build one plan per new province"
            )
    conv = {
        "province": new_province,
        "communes": {k: v for c in convs for k, v in c["communes"].items()},
        "districts": {k: v for c in convs for k, v in c["districts"].items()},
    }
    codes = _Codes(identifier or f"H{new_province['code']}")
    review: list[str] = []
    if identifier is None:
        review.append(
            f"Agency identifiers of the new province use {codes.part} (000.LL.NN.{codes.part}):"
            " replace them by the identifiers registered for the province."
        )
    districts = list(
        AdminUnit.objects.filter(
            parent__in=provinces, valid_to__isnull=True, level=Level.DISTRICT
        ).order_by("code")
    )
    communes = list(
        AdminUnit.objects.filter(parent__in=districts, valid_to__isnull=True).order_by("code")
    )
    units, commune_of = _unit_changes(provinces, new_province, communes, conv, review)
    agencies, successor_of = _agency_successors(
        provinces, new_province, districts, communes, commune_of, conv, codes, review
    )
    review.append(
        "Decision number and signing date: the province's decision publishing the "
        "procedures after the reorganisation."
    )
    joined = "-".join(codes_given)
    names = ", ".join(p.name for p in provinces)
    return {
        "format": FORMAT,
        "effective_on": effective_on.isoformat(),
        "instrument": INSTRUMENT,
        "province": codes_given[0] if len(codes_given) == 1 else codes_given,
        "decision": {
            "number": f"REORG-{effective_on:%Y%m%d}-{joined}",
            "title": (
                "Quyết định công bố danh mục thủ tục hành chính sau sắp xếp đơn vị hành chính"
                f" ({names} → {new_province['name']})"
            ),
            "signed_on": effective_on.isoformat(),
        },
        "units": units,
        "dissolve": sorted(d.code for d in districts),
        "agencies": agencies,
        "posts": _posts(successor_of, effective_on),
        "procedures": _procedures(successor_of, review),
        "dossiers": _dossiers(successor_of),
        "review": review,
    }


def _unit_changes(provinces, new_province, communes, conv, review):
    groups: dict[str, dict] = {}
    commune_of: dict[str, str] = {}
    for unit in communes:
        target = conv["communes"].get(unit.code)
        if target is None:
            review.append(
                f"Unit {unit.code} ({unit.name}) is not in vietnamadminunits' data: "
                "add it to the units of its new commune."
            )
            continue
        if target["divided"]:
            review.append(
                f"{unit.name} ({unit.code}) was divided among several new communes; the plan "
                f"puts it in {target['name']} ({target['code']}), the conversion's default."
            )
        group = groups.setdefault(
            target["code"],
            {
                "from": [],
                "to": {"code": target["code"], "name": target["name"], "type": target["type"]},
                "parent": new_province["code"],
            },
        )
        group["from"].append(unit.code)
        commune_of[unit.code] = target["code"]
    units = [
        {
            "from": [p.code for p in provinces],
            "to": {"code": new_province["code"], "name": new_province["name"], "type": "Tỉnh"},
            "parent": None,
        }
    ]
    units += [groups[code] for code in sorted(groups)]
    return units, commune_of


def _agency_successors(
    provinces, new_province, districts, communes, commune_of, conv, codes, review
):
    """Successor agencies, and {old agency code: successor code}."""
    short = new_province["name"].removeprefix("Tỉnh ").removeprefix("Thành phố ")
    entries: list[dict] = []
    successor_of: dict[str, str] = {}
    provincial_pc = codes.provincial(0)
    center = codes.provincial(99)

    def add(entry: dict, before: list[Agency]) -> None:
        entry["from"] = [a.code for a in before]
        entries.append(entry)
        for a in before:
            successor_of[a.code] = entry["code"]

    serving = agencies_by_unit(review)
    at_province = [a for p in provinces for a in serving.get(p.code, [])]
    pcs = [a for a in at_province if a.kind == AgencyKind.PROVINCIAL_PC]
    add(
        _new(
            provincial_pc,
            f"Ủy ban nhân dân tỉnh {short}",
            AgencyKind.PROVINCIAL_PC,
            Level.PROVINCE,
            new_province["code"],
            None,
        ),
        pcs,
    )
    centers = [a for a in at_province if a.kind == AgencyKind.SERVICE_CENTER]
    add(
        _new(
            center,
            f"Trung tâm Phục vụ hành chính công tỉnh {short}",
            AgencyKind.SERVICE_CENTER,
            Level.PROVINCE,
            new_province["code"],
            provincial_pc,
        ),
        centers,
    )
    departments: dict[str, dict] = {}
    others = [a for a in at_province if a not in pcs and a not in centers]
    for agency in others:
        name = DEPARTMENT_SUCCESSORS.get(department_name(agency.name, provinces))
        if name is None:
            name = agency.name
            review.append(
                f"{agency.name} ({agency.code}) is not in the table of departments after "
                "Nghị định 45/2025: the plan keeps its name in the new province."
            )
        entry = departments.get(name)
        if entry is None:
            full = (
                name.replace("tỉnh", f"tỉnh {short}")
                if name.endswith("tỉnh")
                else f"{name} tỉnh {short}"
            )
            entry = departments[name] = _new(
                codes.department(),
                full,
                agency.kind,
                Level.PROVINCE,
                new_province["code"],
                provincial_pc,
                desk=f"Quầy {full}",
                host=center,
            )
            entry["from"] = []
            entries.append(entry)
        entry["from"].append(agency.code)
        successor_of[agency.code] = entry["code"]
    new_communes: dict[str, dict] = {}
    for unit in communes:
        new_code = commune_of.get(unit.code)
        if new_code is None:
            continue
        entry = new_communes.get(new_code)
        if entry is None:
            target = conv["communes"][unit.code]
            name = f"UBND {target['name'][0].lower()}{target['name'][1:]}"
            entry = new_communes[new_code] = _new(
                codes.commune(),
                name,
                AgencyKind.COMMUNE_PC,
                Level.COMMUNE,
                new_code,
                provincial_pc,
                desk=f"Bộ phận một cửa {name}",
            )
            entry["from"] = []
            entries.append(entry)
        for agency in serving.get(unit.code, []):
            entry["from"].append(agency.code)
            successor_of[agency.code] = entry["code"]
    for district in districts:
        seat, rule = _seat(district, communes, commune_of, conv)
        if seat is None:
            review.append(f"{district.name}: no commune of it is in the plan.")
            continue
        entry = new_communes[seat]
        review.append(
            f"{district.name} ({district.code}): its People's Committee, specialist units and "
            f"desk go to {entry['name']} ({entry['code']}), {rule}, taken as the district's "
            "seat [check]; procedures it performed go where the procedures section says."
        )
        for agency in serving.get(district.code, []):
            entry["from"].append(agency.code)
            successor_of[agency.code] = entry["code"]
    return [e for e in entries if e["from"] or e["code"] in (provincial_pc, center)], successor_of


def department_name(name: str, provinces) -> str:
    """A department's name as DEPARTMENT_SUCCESSORS lists it, without its province ("Sở Tư
    pháp tỉnh Nam Định" → "Sở Tư pháp", "Thanh tra tỉnh Nam Định" → "Thanh tra tỉnh")."""
    if name in DEPARTMENT_SUCCESSORS:
        return name
    for province in provinces:
        short = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        for suffix in (f" tỉnh {short}", f" {short}"):
            if name.endswith(suffix) and name.removesuffix(suffix) in DEPARTMENT_SUCCESSORS:
                return name.removesuffix(suffix)
    return name


def agencies_by_unit(review: list[str]) -> dict[str, list[Agency]]:
    """Agencies in force by the code of the unit in force they serve now: an agency may
    name an older row of its unit (before a rename) or a unit merged away since (its
    People's Committee was not closed then), whose successor unit is followed through the
    dated changes."""
    out: dict[str, list[Agency]] = {}
    agencies = Agency.objects.filter(valid_to__isnull=True, admin_unit__isnull=False)
    for agency in agencies.select_related("admin_unit").order_by("code"):
        code = current_code(agency.admin_unit)
        if code is None:
            review.append(
                f"{agency.name} ({agency.code}) serves {agency.admin_unit.name}, which is no "
                "longer in force and whose successor the database does not record: the plan "
                "leaves it in force; add it to the agencies section."
            )
            continue
        if code != agency.admin_unit.code:
            review.append(
                f"{agency.name} ({agency.code}) still serves {agency.admin_unit.name}, merged "
                f"into unit {code} before this plan: it closes with that unit's agencies."
            )
        out.setdefault(code, []).append(agency)
    return out


def current_code(unit: AdminUnit) -> str | None:
    """The code of the unit in force that `unit` (any row) became, or None."""
    seen = set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        if AdminUnit.objects.filter(code=unit.code, valid_to__isnull=True).exists():
            return unit.code
        change = (
            AdminUnitChange.objects.filter(before=unit).order_by("-effective_on", "-id").first()
        )
        if change is not None:
            unit = change.after.order_by("pk").first()
        elif unit.valid_to is not None:  # the same unit's next row (its district changed)
            unit = AdminUnit.objects.filter(code=unit.code, valid_from=unit.valid_to).first()
        else:
            unit = None
    return None


def _new(code, name, kind, level, unit, parent, desk="", host=None) -> dict:
    entry = {"code": code, "name": name, "kind": kind, "level": level, "unit": unit}
    if parent:
        entry["parent"] = parent
    if desk:
        entry["desk"] = desk
    if host:
        entry["desk_host"] = host
    return entry


def _seat(district, communes, commune_of, conv) -> tuple[str | None, str]:
    """The new commune taken as the district's seat, and the rule that chose it: the new
    commune of the district's only thị trấn (a rural district's seat is its town), else the
    new commune nearest to the district's point in vietnamadminunits. [check]"""
    mine = [c for c in communes if c.parent_id == district.pk and c.code in commune_of]
    if not mine:
        return None, ""
    towns = [c for c in mine if c.unit_type == "Thị trấn"]
    if len(towns) == 1:
        return commune_of[towns[0].code], f"the commune of {towns[0].name}, its only town"
    point = conv["districts"].get(district.code, (None, None))
    points = {commune_of[c.code]: conv["communes"][c.code]["point"] for c in mine}
    nearest = min(sorted(points), key=lambda code: _distance(point, points[code]))
    return nearest, "the new commune nearest to the district's point in vietnamadminunits"


def _posts(successor_of: dict[str, str], day: date) -> list[dict]:
    posts = (
        Officer.objects.filter(agency__code__in=list(successor_of))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("user", "agency")
        .order_by("pk")
    )
    return [
        {
            "post": p.pk,
            "user": p.user.username,
            "role": p.role,
            "from_agency": p.agency.code,
            "to_agency": successor_of[p.agency.code],
        }
        for p in posts
    ]


def _procedures(successor_of: dict[str, str], review: list[str]) -> list[dict]:
    active = Procedure.objects.filter(status=ProcedureStatus.ACTIVE).select_related("agency")
    out = []
    for p in active.filter(level=Level.DISTRICT).order_by("code"):
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "to_level": Level.COMMUNE,
                "to_code": f"{p.code}-X",
            }
        )
    if out:
        review.append(
            f"{len(out)} district procedures move to the commune level (Nghị định 150/2025 "
            "and the decrees on decentralisation [check]); give each the code the national "
            "procedure database gives it (to_code), or move it to a department (to_agency)."
        )
    for p in active.filter(agency__code__in=list(successor_of)).exclude(level=Level.DISTRICT):
        out.append({"code": p.code, "name": p.name, "to_agency": successor_of[p.agency.code]})
    return out


def _dossiers(successor_of: dict[str, str]) -> dict[str, str]:
    """Open dossiers at closing agencies and where they go (their agency's successor; edit
    to send one elsewhere)."""
    rows = (
        Dossier.objects.filter(current_agency__code__in=list(successor_of))
        .exclude(status__in=list(FINAL))
        .values_list("code", "current_agency__code")
        .order_by("code")
    )
    return {code: successor_of[agency] for code, agency in rows}
