"""Demo organisation of Hà Nam province as in 2020 (profile `hanam-2020`).

Units come from motcua/org/data/hanam_units.json (built from vietnamadminunits and the
Standing Committee's resolutions; see docs/data/admin-units.md); the changes up to
30/6/2025 are applied as dated changes, so the 2020 province and the 2025 one are both
in the database. Agency codes follow the shape of QCVN 102:2016 (`000.00.NN.H40`) but
are demo values, not the province's registered codes.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from motcua.org import services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import AdminUnit, Agency, User

DATA = Path(__file__).parent / "data" / "hanam_units.json"
AGENCIES = Path(__file__).parent.parent / "catalog" / "demo" / "data" / "hanam_agencies.json"
PROVINCE_CODE = "H40"
CENTER_NAME = "Trung tâm Phục vụ hành chính công tỉnh Hà Nam"
CENTER_ADDRESS = "Số 07, đường Trần Phú, phường Quang Trung, thành phố Phủ Lý"
DEMO_PASSWORD = "motcua-demo"


@dataclass(frozen=True)
class DemoProvince:
    """An old province of the demos: its unit code, the province part of its demo agency
    codes (QCVN 102:2016 shape; demo values, not the registered ones), its short name."""

    unit: str
    code_part: str
    short: str
    center_address: str = ""
    pc_address: str = ""


HANAM = DemoProvince(
    "35",
    PROVINCE_CODE,
    "Hà Nam",
    CENTER_ADDRESS,
    "Đường Trần Phú, phường Quang Trung, thành phố Phủ Lý",
)
# The two provinces merged with Hà Nam on 1/7/2025 (profile ninhbinh-2026).
NAMDINH = DemoProvince("36", "H41", "Nam Định")
NINHBINH = DemoProvince("37", "H42", "Ninh Bình")


def agency_code(level2: int, level3: int = 0, part: str = PROVINCE_CODE) -> str:
    return f"000.{level3:02d}.{level2:02d}.{part}"


def _day(value):
    return date.fromisoformat(value) if value else None


def load_units(path: Path = DATA, data: dict | None = None) -> dict[str, AdminUnit]:
    """The units of hanam_units.json's shape (`data` if given, else the file at `path`)."""
    data = data if data is not None else json.loads(path.read_text(encoding="utf-8"))
    p = data["province"]
    province = services.create_unit(p["code"], p["name"], p["type"])
    units = {p["code"]: province}
    for d in data["districts"]:
        units[d["code"]] = services.create_unit(
            d["code"], d["name"], d["type"], province, _day(d["valid_from"])
        )
    for c in data["communes"]:
        units[c["code"]] = services.create_unit(
            c["code"], c["name"], c["type"], units[c["district_code"]], _day(c["valid_from"])
        )
    for change in data["changes"]:
        day = date.fromisoformat(change["date"])
        if change["kind"] == "merge":
            services.merge_units(
                change["from_codes"],
                change["into_code"],
                change["new_name"],
                change["new_type"],
                day,
                change["instrument"],
                change.get("note", ""),
            )
        else:
            services.reclassify_unit(
                change["code"],
                change["new_name"],
                change["new_type"],
                day,
                change["instrument"],
                change.get("note", ""),
                kind=change["kind"],
            )
    return units


def _commune_pc_name(unit: AdminUnit) -> str:
    return f"UBND {unit.name[0].lower()}{unit.name[1:]}"


def load_agencies(
    units: dict[str, AdminUnit], path: Path = AGENCIES, province_of: DemoProvince = HANAM
) -> dict[str, Agency]:
    """The province's one-stop agencies: 19 departments with desks at the Service Center,
    the district People's Committees (6 in Hà Nam) with their offices, and the commune
    People's Committees (109 in Hà Nam), with their own desks. Hà Nam's departments bear
    the short names the 2020 report uses; the other provinces' the full ones."""
    meta = json.loads(path.read_text(encoding="utf-8"))
    p = province_of
    province = units[p.unit]

    def code(level2: int, level3: int = 0) -> str:
        return agency_code(level2, level3, p.code_part)

    agencies: dict[str, Agency] = {}
    agencies["ubnd_tinh"] = services.create_agency(
        code=code(0),
        name=f"Ủy ban nhân dân tỉnh {p.short}",
        short_name="UBND tỉnh",
        kind=AgencyKind.PROVINCIAL_PC,
        level=Level.PROVINCE,
        admin_unit=province,
        address=p.pc_address,
    )
    center = services.create_agency(
        code=code(99),
        name=f"Trung tâm Phục vụ hành chính công tỉnh {p.short}",
        short_name="TTPVHCC",
        kind=AgencyKind.SERVICE_CENTER,
        level=Level.PROVINCE,
        admin_unit=province,
        parent=agencies["ubnd_tinh"],
        address=p.center_address,
    )
    agencies["center"] = center
    for i, dept in enumerate(meta["departments"], start=1):
        name = dept["name"] if p == HANAM else dept["full_name"].replace("Hà Nam", p.short)
        agency = services.create_agency(
            code=code(i),
            name=name,
            short_name=dept.get("abbr", ""),
            kind=AgencyKind.DEPARTMENT,
            level=Level.PROVINCE,
            admin_unit=province,
            parent=agencies["ubnd_tinh"],
        )
        agencies[dept["short"]] = agency
        services.open_desk(agency, f"Quầy {dept['name']}", host=center, address=p.center_address)
    districts = [u for u in units.values() if u.level == Level.DISTRICT]
    for d_index, district in enumerate(sorted(districts, key=lambda u: u.code), start=1):
        pc = services.create_agency(
            code=code(20 + d_index),
            name=f"UBND {district.name}",
            short_name=f"UBND {district.name.split(' ', 2)[-1]}",
            kind=AgencyKind.DISTRICT_PC,
            level=Level.DISTRICT,
            parent=agencies["ubnd_tinh"],
            admin_unit=district,
        )
        agencies[f"district:{district.code}"] = pc
        services.open_desk(pc, f"Bộ phận tiếp nhận và trả kết quả {pc.name}")
        offices = meta.get("district_offices", []) + meta.get("district_other", [])
        for o_index, office in enumerate(offices, start=61):
            agencies[f"{office['short']}:{district.code}"] = services.create_agency(
                code=code(20 + d_index, o_index),
                name=f"{office['name']} {district.name}",
                short_name=office["name"],
                kind=AgencyKind.SPECIALIST_UNIT
                if office in meta.get("district_offices", [])
                else AgencyKind.OTHER,
                level=Level.DISTRICT,
                parent=pc,
                admin_unit=district,
            )
        communes = [u for u in units.values() if u.parent_id == district.pk]
        for c_index, commune in enumerate(sorted(communes, key=lambda u: u.code), start=1):
            cpc = services.create_agency(
                code=code(20 + d_index, c_index),
                name=_commune_pc_name(commune),
                kind=AgencyKind.COMMUNE_PC,
                level=Level.COMMUNE,
                parent=pc,
                admin_unit=commune,
            )
            agencies[f"commune:{commune.code}"] = cpc
            services.open_desk(cpc, f"Bộ phận một cửa {cpc.name}")
    return agencies


DEMO_OFFICERS = [
    # username, full name, agency key, role, title
    ("admin", "Quản trị hệ thống", "center", Role.ADMIN, "Quản trị hệ thống"),
    ("giamsat", "Trần Thị Hồng", "center", Role.SUPERVISOR, "Phó Giám đốc Trung tâm"),
    ("motcua.stp", "Nguyễn Thị Lan", "stp", Role.DESK_OFFICER, "Công chức Bộ phận một cửa"),
    (
        "chuyenvien.stp",
        "Lê Văn Minh",
        "stp",
        Role.SPECIALIST,
        "Chuyên viên Phòng Hành chính tư pháp",
    ),
    ("lanhdao.stp", "Phạm Quốc Hưng", "stp", Role.LEADER, "Phó Giám đốc Sở Tư pháp"),
    (
        "motcua.phuly",
        "Đỗ Thu Trang",
        "district:347",
        Role.DESK_OFFICER,
        "Công chức Bộ phận một cửa",
    ),
    ("chuyenvien.phuly", "Vũ Đức Anh", "ptp:347", Role.SPECIALIST, "Chuyên viên Phòng Tư pháp"),
    (
        "lanhdao.phuly",
        "Hoàng Văn Thắng",
        "district:347",
        Role.LEADER,
        "Phó Chủ tịch UBND thành phố",
    ),
    (
        "motcua.quangtrung",
        "Bùi Thị Hà",
        "commune:13285",
        Role.DESK_OFFICER,
        "Công chức Tư pháp - Hộ tịch",
    ),
    ("lanhdao.quangtrung", "Ngô Văn Long", "commune:13285", Role.LEADER, "Chủ tịch UBND phường"),
]


def load_officers(agencies: dict[str, Agency]) -> list[tuple[str, str, str]]:
    """Demo officers, one or more per role; returns (username, role label, agency) rows."""
    rows = []
    for username, full_name, key, role, title in DEMO_OFFICERS:
        agency = agencies.get(key) or agencies["center"]
        user = User(
            username=username,
            full_name=full_name,
            email=f"{username}@demo.motcua.vn",
            is_staff=role in (Role.SUPERVISOR, Role.ADMIN),
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        desk = agency.desks.first() if role == Role.DESK_OFFICER else None
        services.appoint(user, agency, role, title=title, desk=desk)
        rows.append((username, str(Role(role).label), agency.name))
    return rows
