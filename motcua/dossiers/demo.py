"""Demo dossiers of the profile hanam-2020 (`motcua seed hanam-2020 [--dossiers N]`).

After the organisation and the catalogue, the seed adds:

- `ensure_processes`: an internal process for every procedure in force (desk receipt,
  specialist review, leader approval, return) whose allotted working hours add up to
  `services.process_hours(procedure)`. Provincial procedures: the department's process.
  District procedures: one process per district when the procedure names a specialist
  office (the review is there; the office's own leader approves for the police, military
  and judgment-enforcement bodies, the district People's Committee otherwise), else one
  generic process at the People's Committee. Commune procedures: one generic process, every
  step at the commune People's Committee.
- `ensure_chains`: the report's two inter-agency chains, on procedures of the catalogue.
- `ensure_staff`: a desk officer, specialist and leader wherever dossiers are handled.
- `generate_traffic`: N dossier rows (chain parts included): a year of dossiers received in
  2020, all finished, and the dossiers of the last working days before `now`, cut at `now`
  so that queues hold open dossiers of every urgency; a few showcase dossiers at the demo
  officers' agencies. Volumes, channels and outcomes are the constants below.

Each dossier is first *planned*: a pure description (procedure, desk, applicant, documents,
arrival, and the officers' timed actions) drawn from a seeded generator and the
working-time calendar. A plan is then either run through the services (`receive`,
`submit`, `act`: a few hundred, so that path is exercised) or written by `BulkWriter`,
which applies the services' own handlers (`services.HANDLERS`, `services._start_clock`) to
unsaved rows, mirrors `receive`, `act`, `_event`, `start_chain`, `_open_parts` and
`_return_part`, and inserts the rows with executemany on reserved ids. tests/test_demo.py
runs plans both ways and compares the rows. Rows carry the simulated instants: `created_at`
is the first event, `updated_at` the last, on both paths (the service path's wall-clock
values are set back)."""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core.models import AuditEvent
from motcua.core.text import fold
from motcua.dossiers import codes, services, workflow
from motcua.dossiers.models import (
    Applicant,
    ChainLink,
    Channel,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    InterAgencyChain,
    Process,
    ProcessStep,
)
from motcua.dossiers.validation import clean_applicant
from motcua.dossiers.workflow import Action, Status
from motcua.org import demo as org_demo
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, Desk, Officer, User
from motcua.org.permissions import role_group

A, S, R = Action, Status, Role
Performer = ProcessStep.Performer

DEFAULT_DOSSIERS = 20_000
YEAR = 2020
RECENT_WORKING_DAYS = 10  # the open traffic: dossiers received in these days before `now`
SERVICE_SAMPLE = 150  # dossiers of the traffic made through the services
CHUNK_ROWS = 5_000  # dossier rows per transaction
BATCH = 2_000  # rows per INSERT

# Shares of the traffic (the report: most at the counter, few online or by post, >= 95 %
# on time). Tiers by dossier count; channels by the procedure's online level.
TIER_SHARE = {Level.PROVINCE: 0.22, Level.DISTRICT: 0.28, Level.COMMUNE: 0.50}
ONLINE_SHARE = {4: 0.16, 3: 0.08}
POST_SHARE = 0.015
OUTCOMES = {  # after receipt
    "normal": 0.885,
    "late": 0.035,
    "supplemented": 0.05,
    "supplement_withdrawn": 0.008,
    "refused": 0.012,
    "withdrawn": 0.004,
}
OUTCOME_NAMES, OUTCOME_CUM = list(OUTCOMES), list(accumulate(OUTCOMES.values()))
CHECK_OUTCOMES = {"incomplete": 0.10, "refused_at_check": 0.025, "withdrawn_at_check": 0.01}
BIRTH_SHARE, DEATH_SHARE = 0.06, 0.03  # of commune dossiers
SECTOR_WEIGHT = {
    "Chứng thực": 8,
    "Hộ tịch": 4,
    "Đất đai": 4,
    "Thành lập và hoạt động của hộ kinh doanh": 4,
    "Thành lập và hoạt động doanh nghiệp": 4,
    "Lý lịch tư pháp": 3,
    "Đường bộ": 3,
    "Bảo trợ xã hội": 2,
    "Người có công": 2,
    "Hoạt động xây dựng": 2,
    "Khám bệnh, chữa bệnh": 1.5,
}
DISTRICT_WEIGHT = {"Phủ Lý": 1.6, "Duy Tiên": 1.1, "Lý Nhân": 1.2}
# 2020: Tết (late January) and the nationwide social distancing of April (Chỉ thị
# 16/CT-TTg) slowed the counters; the end of the year is busy.
MONTH_WEIGHT = {1: 1.1, 2: 0.9, 4: 0.45, 5: 0.9, 11: 1.1, 12: 1.25}
WEEKDAY_WEIGHT = {0: 1.15, 4: 0.9}

STEP_NAMES = ("Tiếp nhận hồ sơ", "Thẩm định, xử lý hồ sơ", "Phê duyệt, ký kết quả", "Trả kết quả")
STEP_ROLES = (R.DESK_OFFICER, R.SPECIALIST, R.LEADER, R.DESK_OFFICER)
ROLE_PREFIX = {R.DESK_OFFICER: "motcua", R.SPECIALIST: "chuyenvien", R.LEADER: "lanhdao"}


# --- Internal processes ---------------------------------------------------------------------


def split_hours(total: Decimal) -> list[Decimal]:
    """Allotted hours of receipt, review, approval and return, adding up to `total`: receipt
    and return half an hour to half a day each, approval a sixth (1–16 h), review the rest."""
    cent = Decimal("0.01")
    edge = min(max(total * Decimal("0.05"), Decimal("0.5")), Decimal(4))
    leader = min(max(total / 6, Decimal(1)), Decimal(16))
    if 2 * edge + leader >= total * Decimal("0.8"):  # short time limits: shares
        edge, leader = total / 10, total / 5
    edge, leader = edge.quantize(cent), leader.quantize(cent)
    return [edge, total - 2 * edge - leader, leader, edge]


def _agency_meta() -> dict:
    return json.loads(org_demo.AGENCIES.read_text(encoding="utf-8"))


def office_name(procedure: Procedure) -> str:
    """The district office a district procedure names ("UBND cấp huyện (Phòng Tư pháp)",
    or "Công an" for those outside the desk); "" for the People's Committee itself."""
    text = procedure.performing_agency.strip()
    match = re.search(r"\(([^()]+)\)\s*$", text)
    if match:
        return match[1].strip()
    return "" if not text or text.startswith("UBND") else text


def _offices() -> dict[tuple[int, str], Agency]:
    """District specialist offices and other district bodies: (district PC id, name)."""
    rows = Agency.objects.filter(
        parent__kind=AgencyKind.DISTRICT_PC,
        kind__in=[AgencyKind.SPECIALIST_UNIT, AgencyKind.OTHER],
    )
    return {(a.parent_id, a.short_name): a for a in rows}


def process_plan(procedure, district_pcs, offices, outside) -> list[tuple]:
    """[(agency or None, [(performer, step agency or None), ...4])] for one procedure."""
    desk, own = (Performer.RECEIVING_DESK, None), (Performer.PERFORMING_AGENCY, None)
    if procedure.level == Level.PROVINCE:
        return [(procedure.agency, [desk, own, own, desk])]
    if procedure.level == Level.COMMUNE:
        return [(None, [own, own, own, own])]
    name = office_name(procedure)
    if not name or not all((pc.pk, name) in offices for pc in district_pcs):
        return [(None, [desk, own, own, desk])]
    plans = []
    for pc in district_pcs:
        office = (Performer.AGENCY, offices[(pc.pk, name)])
        approval = office if name in outside else own
        plans.append((pc, [desk, office, approval, desk]))
    return plans


@transaction.atomic
def ensure_processes() -> int:
    """Create the process of every procedure in force that has none; returns how many."""
    missing = list(
        Procedure.objects.filter(status=ProcedureStatus.ACTIVE)
        .exclude(processes__is_active=True)
        .select_related("agency")
        .order_by("pk")
    )
    district_pcs = list(Agency.objects.filter(kind=AgencyKind.DISTRICT_PC).order_by("code"))
    offices, outside = _offices(), {o["name"] for o in _agency_meta().get("district_other", [])}
    processes, steps = [], []
    for procedure in missing:
        hours = split_hours(services.process_hours(procedure))
        for agency, performers in process_plan(procedure, district_pcs, offices, outside):
            where = f" – {agency.short_name or agency.name}" if agency else ""
            process = Process(
                procedure=procedure,
                agency=agency,
                name=f"Quy trình nội bộ: {procedure.name}"[: 300 - len(where)] + where,
            )
            processes.append(process)
            for position, ((performer, at), h) in enumerate(zip(performers, hours, strict=True)):
                steps.append(
                    ProcessStep(
                        process=process,
                        position=position + 1,
                        name=STEP_NAMES[position],
                        role=STEP_ROLES[position],
                        performer=performer,
                        agency=at,
                        allotted_hours=h,
                    )
                )
    Process.objects.bulk_create(processes, batch_size=BATCH)
    ProcessStep.objects.bulk_create(steps, batch_size=BATCH)
    return len(processes)


# --- Inter-agency chains --------------------------------------------------------------------


@dataclass(frozen=True)
class LinkSpec:
    level: str
    names: tuple[str, ...]  # exact names, in order of preference
    contains: tuple[str, ...] = ()  # else: a name containing one of these (in order)
    office: str = ""  # ... performed by this district office


@dataclass(frozen=True)
class ChainSpec:
    name: str
    legal_basis: str
    links: tuple[LinkSpec, ...]
    share: float  # of the first link's dossiers received as a chain


CHAINS = (
    ChainSpec(
        "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hỗ trợ chi phí mai táng",
        "Quyết định số 52/2018/QĐ-UBND ngày 20/12/2018 của UBND tỉnh Hà Nam",
        (
            LinkSpec(Level.COMMUNE, ("Đăng ký khai tử",)),
            LinkSpec(Level.DISTRICT, ("Xóa đăng ký thường trú",)),
            LinkSpec(
                Level.DISTRICT,
                (),
                ("hỗ trợ chi phí mai táng", "mai táng phí", "tử tuất", "mai táng"),
                office="Phòng Lao động - Thương binh và Xã hội",
            ),
        ),
        share=0.6,
    ),
    ChainSpec(
        "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em "
        "dưới 6 tuổi",
        "Quyết định số 53/2014/QĐ-UBND ngày 20/12/2014 của UBND tỉnh Hà Nam",
        (
            LinkSpec(Level.COMMUNE, ("Đăng ký khai sinh",)),
            LinkSpec(Level.DISTRICT, ("Đăng ký thường trú",)),
            LinkSpec(Level.COMMUNE, ("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",)),
        ),
        share=0.5,
    ),
)


def find_link_procedure(spec: LinkSpec) -> Procedure | None:
    """The procedure in force a link names: exact name first, then a name containing one of
    the phrases; among equals the one in force longest (so it covers the demo year)."""
    active = Procedure.objects.filter(status=ProcedureStatus.ACTIVE, level=spec.level)
    if spec.office:
        active = active.filter(performing_agency__contains=spec.office)
    ordered = active.order_by("valid_from", "pk")
    for name in spec.names:
        found = ordered.filter(name=name).first()
        if found:
            return found
    candidates = list(ordered.filter(inter_agency=True)) + list(ordered)
    for phrase in spec.contains:
        for procedure in candidates:
            if fold(phrase) in fold(procedure.name):
                return procedure
    return None


@transaction.atomic
def ensure_chains(stdout=None) -> list[InterAgencyChain]:
    """The report's chains, each link left to the agency of the dossier's area."""
    chains = []
    for spec in CHAINS:
        chain = InterAgencyChain.objects.filter(name=spec.name).first()
        if chain is None:
            procedures = [find_link_procedure(link) for link in spec.links]
            if None in procedures:
                lacking = [
                    li.names or li.contains
                    for li, p in zip(spec.links, procedures, strict=True)
                    if not p
                ]
                if stdout:
                    stdout.write(f"Chain skipped, no procedure in force for {lacking}")
                continue
            chain = InterAgencyChain.objects.create(name=spec.name, legal_basis=spec.legal_basis)
            for position, procedure in enumerate(procedures, start=1):
                ChainLink.objects.create(chain=chain, position=position, procedure=procedure)
        chains.append(chain)
    return chains


# --- Officers -------------------------------------------------------------------------------


def _slug(name: str) -> str:
    name = re.sub(r"^(Thành phố|Thị xã|Huyện|Phường|Xã|Thị trấn|UBND)\s+", "", name.strip())
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _staff_needed() -> list[tuple[Agency, str, str, str]]:
    """(agency, role, username stem, job title) of every post the traffic needs."""
    meta = _agency_meta()
    short = {d["name"]: d["short"] for d in meta["departments"]}
    short |= {o["name"]: o["short"] for o in meta["district_offices"] + meta["district_other"]}
    agencies = list(Agency.objects.select_related("admin_unit", "parent__admin_unit"))
    district = {
        a.pk: _slug(a.admin_unit.name) for a in agencies if a.kind == AgencyKind.DISTRICT_PC
    }
    communes = {
        a.pk: _slug(a.admin_unit.name if a.admin_unit_id else a.name)
        for a in agencies
        if a.kind == AgencyKind.COMMUNE_PC
    }
    twice = {stem for stem, n in Counter(communes.values()).items() if n > 1}
    rows = []
    for a in sorted(agencies, key=lambda a: a.code):
        if a.kind == AgencyKind.DEPARTMENT:
            stem = short.get(a.name) or _slug(a.short_name or a.name)
            titles = ("Công chức một cửa", f"Chuyên viên {a.name}", f"Phó Giám đốc {a.name}")
        elif a.kind == AgencyKind.DISTRICT_PC:
            stem = district[a.pk]
            rows += [
                (a, R.DESK_OFFICER, stem, "Công chức Bộ phận tiếp nhận và trả kết quả"),
                (a, R.SPECIALIST, f"vp-{stem}", "Chuyên viên Văn phòng HĐND và UBND"),
                (a, R.LEADER, stem, f"Phó Chủ tịch {a.name}"),
            ]
            continue
        elif a.kind == AgencyKind.COMMUNE_PC:
            stem = communes[a.pk]
            if stem in twice:  # the same name in two districts
                stem = f"{stem}-{district.get(a.parent_id, a.pk)}"
            titles = (
                "Công chức Văn phòng - Thống kê",
                "Công chức Tư pháp - Hộ tịch",
                f"Phó Chủ tịch {a.name}",
            )
        elif a.parent_id in district and a.kind in (AgencyKind.SPECIALIST_UNIT, AgencyKind.OTHER):
            stem = f"{short.get(a.short_name, _slug(a.short_name))}-{district[a.parent_id]}"
            rows += [
                (a, R.SPECIALIST, stem, f"Chuyên viên {a.name}"),
                (a, R.LEADER, stem, f"Lãnh đạo {a.name}"),
            ]
            continue
        else:
            continue
        rows += [(a, role, stem, title) for role, title in zip(STEP_ROLES[:3], titles, strict=True)]
    return rows


@transaction.atomic
def ensure_staff(seed: int = YEAR) -> int:
    """Appoint the missing officers (one shared demo password); returns how many."""
    today = timezone.localdate()
    held = set(Officer.objects.valid_on(today).values_list("agency_id", "role"))
    wanted = [row for row in _staff_needed() if (row[0].pk, row[1]) not in held]
    if not wanted:
        return 0
    taken = set(User.objects.values_list("username", flat=True))
    password = make_password(org_demo.DEMO_PASSWORD)
    people = People(random.Random(f"{seed}:staff"))
    users = []
    for _agency, role, stem, _title in wanted:
        username = base = f"{ROLE_PREFIX[role]}.{stem}"
        n = 1
        while username in taken:
            n += 1
            username = f"{base}-{n}"
        taken.add(username)
        users.append(
            User(
                username=username,
                full_name=people.name()[0],
                email=f"{username}@demo.motcua.vn",
                password=password,
            )
        )
    User.objects.bulk_create(users, batch_size=BATCH)
    desks = {}
    for desk in Desk.objects.filter(is_active=True).order_by("pk"):
        desks.setdefault(desk.agency_id, desk)
    posts = [
        Officer(
            user=user,
            agency=agency,
            role=role,
            title=title,
            desk=desks.get(agency.pk) if role == R.DESK_OFFICER else None,
        )
        for user, (agency, role, _stem, title) in zip(users, wanted, strict=True)
    ]
    appoint_all(posts)
    return len(users)


def appoint_all(posts: list[Officer]) -> None:
    """`org.services.appoint` for many posts at once (the same rows: the post, the role's
    group, an audit event), in a handful of queries instead of a dozen per officer."""
    groups = {role: role_group(role) for role in {p.role for p in posts}}
    Officer.objects.bulk_create(posts, batch_size=BATCH)
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=p.user_id, group_id=groups[p.role].pk) for p in posts],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action="officer.appointed",
                object_type=Officer._meta.label_lower,
                object_id=str(p.pk),
                summary=str(p)[:500],
                data={},
            )
            for p in posts
        ],
        batch_size=BATCH,
    )


# --- Applicants -----------------------------------------------------------------------------

FAMILY = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Vũ", 5),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2.5), ("Ngô", 1.3), ("Dương", 1), ("Đinh", 1.2),
    ("Trịnh", 1.2), ("Đào", 1), ("Phan", 1.2), ("Lương", 0.5), ("Mai", 0.5), ("Cao", 0.5),
    ("Chu", 0.4), ("Hà", 0.6), ("Đoàn", 0.6), ("Lại", 0.3), ("Tạ", 0.3), ("Nghiêm", 0.2),
)  # fmt: skip
MIDDLE = {
    "m": ("Văn",) * 6 + ("Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Mạnh", "Trọng", "Duy"),
    "f": ("Thị",) * 6 + ("Thu", "Ngọc", "Thanh", "Phương", "Hồng", "Thùy", "Bích", "Kim", "Diệu"),
}
GIVEN = {
    "m": (
        "An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hoàng",
        "Hùng", "Huy", "Khánh", "Kiên", "Long", "Lâm", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong",
        "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trung",
        "Tuấn", "Tùng", "Việt", "Vinh",
    ),
    "f": (
        "Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huệ",
        "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân", "Ngọc", "Nhung",
        "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thơm", "Thu", "Thủy", "Trang",
        "Tuyết", "Vân", "Yến",
    ),
}  # fmt: skip
# Mobile prefixes of Viettel, VinaPhone, MobiFone, Vietnamobile.
PHONE_PREFIXES = (
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "088", "091", "094", "081", "082", "083", "084", "085", "089", "090", "093", "070",
    "076", "077", "078", "079", "092", "056", "058",
)  # fmt: skip
FIRM_KIND = (
    "Công ty TNHH",
    "Công ty TNHH",
    "Công ty cổ phần",
    "Hợp tác xã",
    "Doanh nghiệp tư nhân",
)
FIRM_TRADE = (
    "Thương mại và Dịch vụ", "Xây dựng", "Đầu tư và Phát triển", "Sản xuất và Thương mại",
    "Vận tải", "Vật liệu xây dựng", "Dệt may", "Cơ khí", "Nông nghiệp công nghệ cao",
    "Thực phẩm", "Môi trường", "Du lịch",
)  # fmt: skip
FIRM_BRAND = (
    "Hà Nam", "Phủ Lý", "Minh Phát", "Hoàng Long", "Thành Đạt", "An Phú", "Trường Sơn",
    "Đồng Văn", "Châu Giang", "Sông Đáy", "Tam Chúc", "Hưng Thịnh", "Phúc Lộc", "Tân Thành",
    "Kim Bảng", "Nam Hà", "Việt Hưng", "Bình Minh",
)  # fmt: skip
PROVINCE_ID_CODE = "035"  # Hà Nam in citizen identity numbers
TAX_PREFIX = "0700"  # Hà Nam's tax codes


class People:
    """Vietnamese applicants: names, identity numbers of Hà Nam (035), phones, addresses."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.family = [f for f, _w in FAMILY]
        self.family_cum = list(accumulate(w for _f, w in FAMILY))

    def name(self) -> tuple[str, str]:
        sex = self.rng.choice("mf")
        family = self.rng.choices(self.family, cum_weights=self.family_cum)[0]
        given = self.rng.choice(GIVEN[sex])
        return f"{family} {self.rng.choice(MIDDLE[sex])} {given}", sex

    def id_number(self, sex: str) -> str:
        year = self.rng.randint(1945, 2002)
        century = (0 if year < 2000 else 2) + (sex == "f")
        serial = self.rng.randrange(1_000_000)
        return f"{PROVINCE_ID_CODE}{century}{year % 100:02d}{serial:06d}"

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10_000_000):07d}"

    def address(self, place: str) -> str:
        if place.startswith(("phường", "thị trấn")):
            street = self.rng.choice(("Tổ dân phố số", "Tổ"))
            return f"{street} {self.rng.randint(1, 18)}, {place}"
        return f"{self.rng.choice(('Thôn', 'Xóm'))} {self.rng.randint(1, 14)}, {place}"

    def tax_code(self) -> str:
        while True:
            digits = TAX_PREFIX + f"{self.rng.randrange(100_000):05d}"
            weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
            check = 10 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
            if check < 10:
                return digits + str(check)

    def person(self, place: str) -> dict:
        full_name, sex = self.name()
        data = {
            "kind": "person",
            "full_name": full_name,
            "id_number": self.id_number(sex),
            "phone": self.phone(),
            "address": self.address(place),
        }
        if self.rng.random() < 0.15:
            data["email"] = f"{fold(full_name).replace(' ', '')}{self.rng.randint(1, 99)}@gmail.com"
        return data

    def organisation(self, place: str) -> dict:
        kind, trade = self.rng.choice(FIRM_KIND), self.rng.choice(FIRM_TRADE)
        name = f"{kind} {trade} {self.rng.choice(FIRM_BRAND)}"
        return {
            "kind": "organisation",
            "full_name": name,
            "tax_code": self.tax_code(),
            "phone": self.phone(),
            "address": self.address(place),
        }


# --- The organisation as the planner and the bulk writer see it -----------------------------


class Org:
    """Agencies, desks, officers, processes and procedures, loaded once (no query per
    dossier). Related objects are wired so that the services' handlers find them cached."""

    def __init__(self):
        self.agencies = {a.pk: a for a in Agency.objects.select_related("admin_unit")}
        for a in self.agencies.values():
            if a.parent_id:
                a.parent = self.agencies[a.parent_id]
        self.by_code = {a.code: a for a in self.agencies.values()}
        self.desks: dict[int, Desk] = {}
        for desk in Desk.objects.filter(is_active=True).order_by("pk"):
            desk.agency = self.agencies[desk.agency_id]
            self.desks.setdefault(desk.agency_id, desk)
        self.staff: dict[tuple[int, str], User] = {}
        posts = Officer.objects.valid_on(timezone.localdate()).select_related("user")
        for post in posts.order_by("user_id", "pk"):
            self.staff.setdefault((post.agency_id, post.role), post.user)
        self.procedures = {
            p.pk: p
            for p in Procedure.objects.filter(status=ProcedureStatus.ACTIVE)
            .select_related("sector")
            .prefetch_related("documents", "fees")
            .order_by("pk")
        }
        for p in self.procedures.values():
            if p.agency_id:
                p.agency = self.agencies[p.agency_id]
        self.versions = defaultdict(list)
        for row in ProcedureVersion.objects.filter(procedure__in=list(self.procedures)).values_list(
            "procedure_id", "number", "valid_from", "valid_to", "pk"
        ):
            self.versions[row[0]].append(row[1:])
        for rows in self.versions.values():
            rows.sort(reverse=True)
        self.steps: dict[tuple[int, int | None], list[ProcessStep]] = {}
        active = ProcessStep.objects.filter(process__is_active=True)
        for step in active.order_by("process_id", "position"):
            if step.agency_id:
                step.agency = self.agencies[step.agency_id]
            self.steps.setdefault(step.process_id, []).append(step)
        self.process_of: dict[tuple[int, int | None], int] = {}
        for pk, procedure_id, agency_id in (
            Process.objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", "procedure_id", "agency_id")
        ):
            self.process_of.setdefault((procedure_id, agency_id), pk)
        self.chains = {
            c.pk: (c, list(c.links.select_related("procedure").order_by("position", "id")))
            for c in InterAgencyChain.objects.filter(is_active=True).order_by("pk")
        }
        for _chain, links in self.chains.values():
            for link in links:
                link.procedure = self.procedures.get(link.procedure_id, link.procedure)
                if link.agency_id:
                    link.agency = self.agencies[link.agency_id]

    def process_steps(self, procedure, agency) -> list[ProcessStep]:
        """As services.process_for(...) then its steps by position."""
        pk = self.process_of.get((procedure.pk, agency.pk))
        if pk is None:
            pk = self.process_of.get((procedure.pk, None))
        return self.steps.get(pk, []) if pk else []

    def version_on(self, procedure, day: date) -> int | None:
        """As catalog.services.version_on(...).pk."""
        for _number, valid_from, valid_to, pk in self.versions.get(procedure.pk, ()):
            if valid_from <= day and (valid_to is None or valid_to > day):
                return pk
        return None

    def officer(self, agency, role) -> User:
        return self.staff[(agency.pk, role)]


def chain_hours(cal, links) -> float:
    """As services.start_chain: the combined time limit in working hours, positions one
    after another, the links of a position at once (the same float arithmetic)."""
    longest: dict[int, float] = {}
    for link in links:
        p = link.procedure
        day_hours = cal.hours.day.total_seconds() / 3600
        hours = float(p.local_duration) * (1 if p.duration_unit == "hours" else day_hours)
        longest[link.position] = max(longest.get(link.position, 0), hours)
    return sum(longest.values())


def step_agency(step, performing, desk):
    """As services._step_agency, for a dossier received at `desk` (None for chain parts)."""
    if step is None or step.performer == Performer.PERFORMING_AGENCY:
        return performing
    if step.performer == Performer.RECEIVING_DESK and desk is not None:
        return desk.agency
    return step.agency or performing


def part_agency(org: Org, desk, link, performing):
    """As services._part_agency."""
    if link.agency_id:
        return link.agency
    try:
        return services.performing_agency_for(link.procedure, desk, None)
    except services.DossierError:
        return performing


# --- Plans ----------------------------------------------------------------------------------


@dataclass
class Step:
    """One timed action of a plan: `services.act(target, action, actor, at=at, ...)`."""

    at: datetime
    action: Action
    actor: User | None
    part: int | None = None  # the chain position of the part acted on; None: the dossier
    to_step: int | None = None  # a step position to go to (default: the next step)
    to_user: User | None = None
    new_due_at: datetime | None = None
    comment: str = ""
    result: str = ""


@dataclass
class Plan:
    procedure: Procedure
    agency: Agency  # performing
    desk: Desk
    channel: str
    applicant: dict
    documents: list[dict]
    arrives_at: datetime
    creator: User | None
    submit_only: bool
    kind: str
    secret: str
    steps: list[Step] = field(default_factory=list)
    chain: InterAgencyChain | None = None
    chain_positions: tuple[int, ...] = ()  # of the chain's links, in order
    fee: int = 0
    via_services: bool = False

    @property
    def rows(self) -> int:
        """Dossier rows the plan makes: itself and the chain parts that get opened (the
        first at receipt, each next one when the part before it completes)."""
        if self.chain is None or self.submit_only:
            return 1
        done = {s.part for s in self.steps if s.part is not None and s.action == A.COMPLETE}
        return 2 + sum(1 for position in self.chain_positions[:-1] if position in done)

    def cut(self, now: datetime) -> Plan:
        """The plan as it stands at `now`: the steps after it have not happened."""
        self.steps = [s for s in self.steps if s.at <= now]
        return self


SUPPLEMENT_REASONS = (
    "Đề nghị bổ sung, hoàn thiện: {doc}.",
    "Thành phần hồ sơ chưa hợp lệ: {doc} chưa có chứng thực; đề nghị bổ sung bản hợp lệ.",
    "Thông tin kê khai chưa khớp với giấy tờ; đề nghị bổ sung, hoàn thiện: {doc}.",
)
REFUSAL_REASONS = (
    "Hồ sơ không đủ điều kiện giải quyết theo quy định.",
    "Người đề nghị không thuộc đối tượng được giải quyết.",
    "Thông tin kê khai không phù hợp với cơ sở dữ liệu quốc gia về dân cư.",
    "Không thuộc thẩm quyền giải quyết của cơ quan; đã hướng dẫn nộp tại cơ quan có thẩm quyền.",
)
CHECK_REFUSALS = (
    "Hồ sơ nộp trực tuyến không thuộc phạm vi giải quyết của thủ tục.",
    "Hồ sơ không hợp lệ: tài liệu đính kèm không đọc được, không đúng thủ tục đề nghị.",
)
APOLOGY_REASONS = (
    "Hồ sơ cần xác minh thêm tại cơ sở.",
    "Chờ ý kiến phối hợp của cơ quan liên quan.",
    "Cần kiểm tra thực địa trước khi giải quyết.",
    "Số lượng hồ sơ tăng đột biến trong kỳ.",
)
SECRET_ALPHABET = services.SECRET_ALPHABET


class Planner:
    """Draws plans from a seeded generator: which procedure, where, by whom, when."""

    def __init__(self, org: Org, rng: random.Random, now: datetime):
        self.org, self.rng, self.now = org, rng, now
        self.people = People(rng)
        self.chains = {}  # first link's procedure id -> (chain, share)
        spec_share = {spec.name: spec.share for spec in CHAINS}
        for chain, links in org.chains.values():
            if links and chain.name in spec_share and self._chain_ready(chain):
                self.chains[links[0].procedure_id] = (chain, spec_share[chain.name])
        shaped = [p for p in org.procedures.values() if p.one_stop and self._has_shape(p)]
        self.tiers = {}
        for level in TIER_SHARE:
            tier = [p for p in shaped if p.level == level]
            order = list(range(len(tier)))
            rng.shuffle(order)
            weights = [
                SECTOR_WEIGHT.get(p.sector.name, 1) / (rank + 4)
                for p, rank in zip(tier, order, strict=True)
            ]
            self.tiers[level] = (tier, list(accumulate(weights)))
        self.tier_names = [lv for lv in TIER_SHARE if self.tiers[lv][0]]
        self.tier_cum = list(accumulate(TIER_SHARE[lv] for lv in self.tier_names))
        self.by_name = {(p.level, p.name): p for p in shaped}
        districts = [a for a in org.agencies.values() if a.kind == AgencyKind.DISTRICT_PC]
        communes = [a for a in org.agencies.values() if a.kind == AgencyKind.COMMUNE_PC]
        self.demo = {a.pk for a in demo_agencies(org)}
        self.districts = self._weighted(districts, lambda a: self._district_weight(a))
        self.communes = self._weighted(communes, lambda a: rng.lognormvariate(0, 0.35))
        self.pools = defaultdict(list)  # district PC -> its communes, for addresses
        for commune in self.communes[0]:
            self.pools[commune.parent_id].append(commune)

    # - shapes and weights -

    def _has_shape(self, procedure) -> bool:
        """Traffic only for procedures whose processes are the four-step shape."""
        agencies = self._performers(procedure)
        return bool(agencies) and all(
            tuple(s.role for s in self.org.process_steps(procedure, a)) == STEP_ROLES
            for a in agencies
        )

    def _performers(self, procedure) -> list[Agency]:
        if procedure.level == Level.PROVINCE:
            ok = procedure.agency_id and procedure.agency_id in self.org.desks
            return [procedure.agency] if ok else []
        kind = (
            AgencyKind.DISTRICT_PC if procedure.level == Level.DISTRICT else AgencyKind.COMMUNE_PC
        )
        return [a for a in self.org.agencies.values() if a.kind == kind and a.pk in self.org.desks]

    def _chain_ready(self, chain) -> bool:
        _c, links = self.org.chains[chain.pk]
        first = links[0].procedure
        if first.level != Level.COMMUNE or not first.one_stop:
            return False
        commune = next(
            (a for a in self.org.agencies.values() if a.kind == AgencyKind.COMMUNE_PC), None
        )
        if commune is None or commune.pk not in self.org.desks:
            return False
        desk = self.org.desks[commune.pk]
        for link in links:
            agency = part_agency(self.org, desk, link, commune)
            if tuple(s.role for s in self.org.process_steps(link.procedure, agency)) != STEP_ROLES:
                return False
        return True

    def _district_weight(self, agency) -> float:
        name = agency.admin_unit.name if agency.admin_unit_id else agency.name
        return next((w for key, w in DISTRICT_WEIGHT.items() if key in name), 1.0)

    def _weighted(self, agencies, weight):
        agencies = sorted((a for a in agencies if a.pk in self.org.desks), key=lambda a: a.code)
        weights = [weight(a) * (2.5 if self._is_demo(a) else 1) for a in agencies]
        return agencies, list(accumulate(weights))

    def _is_demo(self, agency) -> bool:
        return agency.pk in self.demo

    def _pick(self, pair):
        items, cum = pair
        return self.rng.choices(items, cum_weights=cum)[0]

    # - random plans -

    def random_plan(self, day: date, max_rows: int, recent: bool) -> Plan:
        """A dossier arriving on working day `day`, of at most `max_rows` rows."""
        rng = self.rng
        for _attempt in range(20):
            level = rng.choices(self.tier_names, cum_weights=self.tier_cum)[0]
            procedure = self._pick(self.tiers[level])
            if level == Level.COMMUNE:
                draw = rng.random()
                wanted = (
                    "Đăng ký khai sinh"
                    if draw < BIRTH_SHARE
                    else "Đăng ký khai tử"
                    if draw < BIRTH_SHARE + DEATH_SHARE
                    else None
                )
                procedure = self.by_name.get((Level.COMMUNE, wanted), procedure)
            if procedure.valid_from is None or procedure.valid_from <= day:
                break
        if level == Level.PROVINCE:
            desk = self.org.desks[procedure.agency_id]
        elif level == Level.DISTRICT:
            desk = self.org.desks[self._pick(self.districts).pk]
        else:
            desk = self.org.desks[self._pick(self.communes).pk]
        chain = None
        if procedure.pk in self.chains:
            candidate, share = self.chains[procedure.pk]
            chain = candidate if rng.random() < share else None
        channel = Channel.COUNTER
        if chain is None:
            draw = rng.random()
            if procedure.channel_online and draw < ONLINE_SHARE.get(procedure.online_level, 0):
                channel = Channel.ONLINE
            elif procedure.channel_post and draw > 1 - POST_SHARE:
                channel = Channel.POST
        arrives = self._arrival(day, channel, desk)
        plan = self.make(procedure, desk, channel, arrives, chain=chain)
        if recent:
            plan.cut(self.now)
        if plan.rows > max_rows:  # no room for the whole chain: an ordinary dossier instead
            plan = self.make(procedure, desk, channel, arrives, chain=None)
            if recent:
                plan.cut(self.now)
        return plan

    def _arrival(self, day: date, channel: str, desk) -> datetime:
        """Counter and post: inside working hours, busier in the morning; online: any hour
        of that day or of the weekend before it."""
        rng, cal = self.rng, services.calendar(desk.agency)
        tz = cal.tz
        if channel == Channel.ONLINE:
            when = day - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            minute = rng.randint(6 * 60, 23 * 60)
            at = datetime.combine(when, time(minute // 60, minute % 60), tzinfo=tz)
        else:
            periods = cal.hours.periods
            start, end = periods[0] if rng.random() < 0.62 else periods[-1]
            first = start.hour * 60 + start.minute + 5
            last = max(first, end.hour * 60 + end.minute - 10)
            minute = rng.randint(first, last)
            at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
        if at > self.now:
            at = self.now - timedelta(minutes=rng.randint(5, 90))
        return at

    def applicant(self, procedure, desk) -> dict:
        org = self.org
        agency = desk.agency
        if agency.kind == AgencyKind.COMMUNE_PC:
            commune = agency
        else:
            commune = self.rng.choice(self.pools.get(agency.pk) or self.communes[0])
        unit = commune.admin_unit
        district = org.agencies[commune.parent_id].admin_unit if commune.parent_id else None
        place = ", ".join(
            n[0].lower() + n[1:]
            for n in (unit.name if unit else "", district.name if district else "")
            if n
        )
        place = f"{place}, tỉnh Hà Nam" if place else "tỉnh Hà Nam"
        kinds = procedure.applicants or ""
        firm = "Cá nhân" not in kinds or ("Tổ chức" in kinds and self.rng.random() < 0.25)
        if procedure.level == Level.COMMUNE and "Cá nhân" in kinds:
            firm = False
        return self.people.organisation(place) if firm else self.people.person(place)

    def documents(self, procedure) -> list[dict]:
        return [
            {
                "required_document": d.pk,
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
            }
            for d in procedure.documents.all()
            if d.mandatory or self.rng.random() < 0.5
        ]

    # - the life of one dossier -

    def make(self, procedure, desk, channel, arrives_at, *, chain=None, kind=None) -> Plan:
        """The full plan of a dossier (not cut at now)."""
        rng, org = self.rng, self.org
        agency = services.performing_agency_for(procedure, desk)
        submit_only = channel != Channel.COUNTER
        if kind is None:
            kind = "chain" if chain else self._outcome(submit_only)
        plan = Plan(
            procedure=procedure,
            agency=agency,
            desk=desk,
            channel=channel,
            applicant=self.applicant(procedure, desk),
            documents=self.documents(procedure),
            arrives_at=arrives_at,
            creator=None if submit_only else org.officer(desk.agency, R.DESK_OFFICER),
            submit_only=submit_only,
            kind=kind,
            secret="".join(rng.choice(SECRET_ALPHABET) for _ in range(8)),
            chain=chain,
            fee=sum(f.amount or 0 for f in procedure.fees.all()),
        )
        received = arrives_at
        if submit_only:
            received = self._check(plan, kind)
            if received is None:
                return plan
            kind = "normal" if kind == "incomplete" else kind
        if chain is not None:
            self._chain(plan, received)
        else:
            self._process(plan, received, kind)
        return plan

    def _outcome(self, submit_only: bool) -> str:
        rng = self.rng
        if submit_only:
            draw = rng.random()
            for name, share in CHECK_OUTCOMES.items():
                if draw < share:
                    return name
                draw -= share
        return rng.choices(OUTCOME_NAMES, cum_weights=OUTCOME_CUM)[0]

    def _later(self, cal, t: datetime, hours: float, low=0.05, high=1.0) -> datetime:
        """An instant a fraction of `hours` working hours after `t` (whole minutes)."""
        minutes = max(1, int(hours * 60 * self.rng.uniform(low, high)))
        return cal.add(t, minutes / 60, "hours")

    def _minutes(self, cal, t: datetime, low: int, high: int) -> datetime:
        return cal.add(t, self.rng.randint(low, high) / 60, "hours")

    def _check(self, plan: Plan, kind: str) -> datetime | None:
        """The desk checks an online or postal submission; the instant of receipt, or None
        when the dossier ends at the check."""
        cal = services.calendar(plan.desk.agency)
        officer = self.org.officer(plan.desk.agency, R.DESK_OFFICER)
        t = self._minutes(cal, plan.arrives_at, 5, 240)
        if kind == "refused_at_check":
            plan.steps.append(Step(t, A.REFUSE, officer, comment=self.rng.choice(CHECK_REFUSALS)))
            return None
        if kind in ("incomplete", "withdrawn_at_check"):
            plan.steps.append(
                Step(t, A.REQUEST_SUPPLEMENT, officer, comment=self._supplement_reason(plan))
            )
            t = self._minutes(cal, t, 60, 40 * 60)
            if kind == "withdrawn_at_check":
                plan.steps.append(Step(t, A.WITHDRAW, officer, comment="Người nộp rút hồ sơ."))
                return None
            plan.steps.append(Step(t, A.SUPPLEMENT, officer))
            t = self._minutes(cal, t, 5, 180)
        plan.steps.append(Step(t, A.RECEIVE, officer))
        return t

    def _supplement_reason(self, plan: Plan) -> str:
        docs = [d["name"] for d in plan.documents] or ["Tờ khai"]
        doc = self.rng.choice(docs)
        return self.rng.choice(SUPPLEMENT_REASONS).format(doc=doc[:200])

    def _result(self, procedure) -> str:
        text = (procedure.result or "Văn bản giải quyết thủ tục hành chính").strip()
        return text[:300]

    def _process(self, plan: Plan, received: datetime, kind: str) -> None:
        """Receipt, review, approval and return along the procedure's process."""
        org, rng, p = self.org, self.rng, plan.procedure
        cal = services.calendar(plan.agency)
        steps = org.process_steps(p, plan.agency)
        hours = [float(s.allotted_hours) for s in steps]
        where = [step_agency(s, plan.agency, plan.desk) for s in steps]
        desk_officer = org.officer(plan.desk.agency, R.DESK_OFFICER)
        specialist = org.officer(where[1], R.SPECIALIST)
        leader = org.officer(where[2], R.LEADER)
        due = cal.due_at(received, p.local_duration, p.duration_unit)
        add = plan.steps.append
        if kind == "withdrawn":
            add(Step(self._later(cal, received, hours[0]), A.WITHDRAW, desk_officer))
            return
        t = self._later(cal, received, hours[0], 0.1, 0.9)
        add(Step(t, A.FORWARD, desk_officer, to_user=specialist))
        left = hours[1]
        if kind in ("supplemented", "supplement_withdrawn"):
            t = self._later(cal, t, min(hours[1], 24), 0.1, 0.9)
            add(Step(t, A.REQUEST_SUPPLEMENT, specialist, comment=self._supplement_reason(plan)))
            paused = t
            back = datetime.combine(
                timezone.localdate(t) + timedelta(days=rng.randint(1, 10)), time(7, 30), cal.tz
            )
            t = self._minutes(cal, back, 5, 8 * 60)
            if kind == "supplement_withdrawn":
                add(
                    Step(t, A.WITHDRAW, desk_officer, comment="Người nộp không bổ sung, rút hồ sơ.")
                )
                return
            add(Step(t, A.SUPPLEMENT, desk_officer))
            due = cal.due_at(
                received,
                p.local_duration,
                p.duration_unit,
                pauses=[(paused, t)],
                restart_on_supplement=p.restart_on_supplement,
            )
            if where[1].pk != plan.agency.pk:  # back from the desk to the specialist office
                t = self._minutes(cal, t, 5, 120)
                boss = org.officer(plan.agency, R.LEADER)
                add(Step(t, A.FORWARD, boss, to_step=2, to_user=specialist))
            left = max(cal.elapsed(t, due).total_seconds() / 3600 - hours[2] - hours[3], 0.1)
        if kind == "late":
            room = cal.elapsed(t, due).total_seconds() / 3600
            apology = self._later(cal, t, max(room - 8, room / 4), 0.3, 0.9)
            extra = 8 * rng.randint(1, 5)
            new_due = cal.add(due, extra, "hours")
            apologiser = org.officer(where[1], R.LEADER)
            reason = rng.choice(APOLOGY_REASONS)
            add(Step(apology, A.APOLOGISE, apologiser, new_due_at=new_due, comment=reason))
            t = self._later(cal, due, extra, 0.05, 0.6)
        else:
            t = self._later(cal, t, left, 0.15, 0.9)
        add(Step(t, A.FORWARD, specialist, to_user=leader))
        if kind == "refused":
            t = self._later(cal, t, hours[2], 0.1, 0.9)
            add(Step(t, A.REFUSE, leader, comment=rng.choice(REFUSAL_REASONS)))
            return
        t = self._later(cal, t, hours[2], 0.1, 0.9)
        add(Step(t, A.APPROVE, leader))
        t = self._minutes(cal, t, 2, 30)
        add(Step(t, A.COMPLETE, org.officer(where[3], R.LEADER), result=self._result(p)))
        add(Step(self._return_at(plan, cal, t, due), A.RETURN_RESULT, desk_officer))

    def _return_at(self, plan, cal, ready: datetime, due: datetime) -> datetime:
        """Online level 4 and post: sent at once; otherwise the applicant comes to the desk,
        often on the appointment day."""
        if plan.channel == Channel.POST or (
            plan.channel == Channel.ONLINE and plan.procedure.online_level >= 4
        ):
            return self._minutes(cal, ready, 5, 90)
        if self.rng.random() < 0.25:
            return self._minutes(cal, max(ready, due), 1, 16 * 60)
        return self._minutes(cal, ready, 30, 16 * 60)

    def _chain(self, plan: Plan, received: datetime) -> None:
        """Each link's agency works on its part in turn; the commune returns the whole."""
        org, chain = self.org, plan.chain
        _c, links = org.chains[chain.pk]
        plan.chain_positions = tuple(link.position for link in links)
        t = received
        for link in links:
            agency = part_agency(org, plan.desk, link, plan.agency)
            cal = services.calendar(agency)
            steps = org.process_steps(link.procedure, agency)
            hours = [float(s.allotted_hours) for s in steps]
            where = [step_agency(s, agency, None) for s in steps]
            specialist = org.officer(where[1], R.SPECIALIST)
            leader = org.officer(where[2], R.LEADER)
            at = link.position
            t = self._later(cal, t, hours[0], 0.1, 0.9)
            plan.steps.append(
                Step(t, A.FORWARD, org.officer(agency, R.DESK_OFFICER), part=at, to_user=specialist)
            )
            t = self._later(cal, t, hours[1], 0.15, 0.9)
            plan.steps.append(Step(t, A.FORWARD, specialist, part=at, to_user=leader))
            t = self._later(cal, t, hours[2], 0.1, 0.9)
            result = self._result(link.procedure)
            plan.steps.append(Step(t, A.COMPLETE, leader, part=at, result=result))
        cal = services.calendar(plan.agency)
        t = self._minutes(cal, t, 30, 240)
        leader = org.officer(plan.desk.agency, R.LEADER)
        result = "; ".join(self._result(link.procedure) for link in links)
        plan.steps.append(Step(t, A.COMPLETE, leader, result=result[:1000]))
        due = cal.due_at(received, chain_hours(cal, links), "hours")
        desk_officer = org.officer(plan.desk.agency, R.DESK_OFFICER)
        plan.steps.append(Step(self._return_at(plan, cal, t, due), A.RETURN_RESULT, desk_officer))


def demo_agencies(org: Org) -> list[Agency]:
    """The agencies of org.demo's officers (Sở Tư pháp, UBND Phủ Lý, UBND phường Quang
    Trung), found by the officers' posts."""
    found = []
    for username, _name, _key, role, _title in org_demo.DEMO_OFFICERS:
        if role != R.DESK_OFFICER:
            continue
        for (agency_id, post_role), user in org.staff.items():
            if post_role == role and user.username == username:
                found.append(org.agencies[agency_id])
    return found


# --- Showcase: open dossiers of every urgency where the demo officers work ----------------

SHOWCASE = ("overdue", "due_soon", "in_time", "supplement", "ready", "submitted", "apologised")


def _candidates(cal, now: datetime, days: int = 45):
    """Receipt instants on the half hour inside working hours, newest first."""
    t = now.astimezone(cal.tz).replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    stop = t - timedelta(days=days)
    while t > stop:
        if cal.is_working_time(t) and t <= now:
            yield t
        t -= timedelta(minutes=30)


class Showcase:
    """A handful of open dossiers at each demo agency, one per urgency the queue colours
    (overdue, due within a working day, within the deadline), plus one awaiting a
    supplement, one with its result ready, one submitted online and one with an apology."""

    def __init__(self, planner: Planner):
        self.planner, self.org, self.now = planner, planner.org, planner.now

    def plans(self) -> list[Plan]:
        plans = []
        for agency in demo_agencies(self.org):
            procedures = self._procedures(agency)
            if not procedures:
                continue
            for target in SHOWCASE:
                plan = self._plan(agency, procedures, target)
                if plan is not None:
                    plans.append(plan)
            plans += self._chains(agency)
        for plan in plans:
            plan.via_services = True
        return plans

    def _procedures(self, agency) -> list[Procedure]:
        tiers = self.planner.tiers
        if agency.kind == AgencyKind.DEPARTMENT:
            found = [p for p in tiers[Level.PROVINCE][0] if p.agency_id == agency.pk]
        elif agency.kind == AgencyKind.DISTRICT_PC:
            found = [p for p in tiers[Level.DISTRICT][0] if office_name(p) == "Phòng Tư pháp"]
            found = found or tiers[Level.DISTRICT][0]
        else:
            found = [p for p in tiers[Level.COMMUNE][0] if p.sector.name == "Hộ tịch"]
            found = found or tiers[Level.COMMUNE][0]
        return sorted(found, key=lambda p: p.pk)

    def _plan(self, agency, procedures, target) -> Plan | None:
        planner, org, now, rng = self.planner, self.org, self.now, self.planner.rng
        desk = org.desks[agency.pk]
        cal, view_cal = services.calendar(agency), services.calendar(None)

        def hours(p):
            return float(services.process_hours(p))

        if target == "submitted":
            usable = [p for p in procedures if p.channel_online or p.channel_post]
            if not usable:
                return None
            p = rng.choice(usable)
            channel = Channel.ONLINE if p.channel_online else Channel.POST
            plan = planner.make(p, desk, channel, now - timedelta(minutes=rng.randint(20, 120)))
            plan.steps = []
            return plan
        long_ones = [p for p in procedures if hours(p) >= 24] or procedures
        p = rng.choice(long_ones if target in ("in_time", "apologised") else procedures)

        def due(r):
            return cal.due_at(r, p.local_duration, p.duration_unit)

        def ahead(r):  # working hours from now to the due instant (view's calendar)
            return view_cal.elapsed(now, due(r)).total_seconds() / 3600

        def since(r):
            return cal.elapsed(r, now).total_seconds() / 3600

        wanted = {
            "overdue": lambda r: due(r) < now and -ahead(r) >= 1 and since(r) > 2,
            "due_soon": lambda r: 0 < ahead(r) <= 8 and since(r) > 1.5,
            "in_time": lambda r: ahead(r) > 8 and since(r) > 0.5,
            "supplement": lambda r: since(r) > 1.5 and due(r) > now,
            "ready": lambda r: since(r) > 3 and due(r) > now,
            "apologised": lambda r: 8 < ahead(r) <= 24 and since(r) > 1,
        }[target]
        received = next((r for r in _candidates(cal, now) if wanted(r)), None)
        if received is None:
            return None
        plan = planner.make(p, desk, Channel.COUNTER, received, kind="normal")
        steps = org.process_steps(p, plan.agency)
        where = [step_agency(s, plan.agency, desk) for s in steps]
        desk_officer = org.officer(agency, R.DESK_OFFICER)
        specialist = org.officer(where[1], R.SPECIALIST)
        leader = org.officer(where[2], R.LEADER)

        def at(minutes):
            return cal.add(received, minutes / 60, "hours")

        flow = [Step(at(15), A.FORWARD, desk_officer, to_user=specialist)]
        if target == "due_soon":
            flow.append(Step(at(60), A.FORWARD, specialist, to_user=leader))
        elif target == "supplement":
            reason = planner._supplement_reason(plan)
            flow.append(Step(at(60), A.REQUEST_SUPPLEMENT, specialist, comment=reason))
        elif target == "ready":
            flow += [
                Step(at(90), A.FORWARD, specialist, to_user=leader),
                Step(at(150), A.APPROVE, leader),
                Step(
                    at(160), A.COMPLETE, org.officer(where[3], R.LEADER), result=planner._result(p)
                ),
            ]
        elif target == "apologised":
            apology = max(at(30), now - timedelta(minutes=5))
            flow.append(
                Step(
                    apology,
                    A.APOLOGISE,
                    org.officer(where[1], R.LEADER),
                    new_due_at=cal.add(due(received), 24, "hours"),
                    comment=rng.choice(APOLOGY_REASONS),
                )
            )
        plan.steps = flow
        plan.kind = f"showcase:{target}"
        return plan.cut(now)

    def _chains(self, agency) -> list[Plan]:
        """At the commune: each chain with a part under way at another agency."""
        if agency.kind != AgencyKind.COMMUNE_PC:
            return []
        plans, cal, now = [], services.calendar(agency), self.now
        desk = self.org.desks[agency.pk]
        for procedure_id, (chain, _share) in sorted(self.planner.chains.items()):
            procedure = self.org.procedures[procedure_id]
            received = next(
                (
                    r
                    for r in _candidates(cal, self.now)
                    if cal.elapsed(r, now) > timedelta(hours=12)
                ),
                None,
            )
            if received is None:
                continue
            plan = self.planner.make(procedure, desk, Channel.COUNTER, received, chain=chain)
            plan.kind = "showcase:chain"
            plans.append(plan.cut(self.now))
        return plans


# --- Through the services -------------------------------------------------------------------


@contextmanager
def shared_calendars():
    """While the seed runs, agencies without working hours of their own use the province's
    calendar object, and calendars are looked up once: `worktime.get_calendar` builds and
    indexes one calendar per agency (about 50 ms each for the years 2019 to now), identical
    when no WorkingHoursProfile names the agency, and checks a cache key on every call.
    Results do not change, only the time to get them."""
    from motcua.worktime.models import WorkingHoursProfile

    own = set(
        WorkingHoursProfile.objects.filter(active=True, agency__isnull=False).values_list(
            "agency_id", flat=True
        )
    )
    original, known = services.calendar, {}

    def calendar(agency=None):
        key = getattr(agency, "pk", agency)
        key = key if key in own else None
        if key not in known:
            known[key] = original(key)
        return known[key]

    services.calendar = calendar
    try:
        yield
    finally:
        services.calendar = original


def run_with_services(plan: Plan) -> list[Dossier]:
    """Make the plan's dossier through `services.receive`/`submit` and `services.act`, with
    the permission checks; returns the dossier and its chain parts."""
    create = services.submit if plan.submit_only else services.receive
    kwargs = {"chain": plan.chain} if plan.chain is not None else {}
    dossier = create(
        procedure=plan.procedure,
        applicant=dict(plan.applicant),
        channel=plan.channel,
        actor=plan.creator,
        desk=plan.desk,
        documents=[dict(d) for d in plan.documents],
        received_at=plan.arrives_at,
        fee_amount=plan.fee,
        **kwargs,
    )
    for step in plan.steps:
        target = dossier if step.part is None else dossier.parts.get(chain_position=step.part)
        to_step = None
        if step.to_step is not None:
            target.refresh_from_db(fields=["current_step"])
            to_step = ProcessStep.objects.get(
                process=target.current_step.process_id, position=step.to_step
            )
        services.act(
            target,
            step.action,
            step.actor,
            at=step.at,
            comment=step.comment,
            to_step=to_step,
            to_user=step.to_user,
            new_due_at=step.new_due_at,
            result=step.result,
        )
    made = [dossier, *dossier.parts.order_by("pk")]
    _set_back(made)
    return made


def _set_back(dossiers) -> None:
    """created_at/updated_at of the simulated history rather than of the seed's run."""
    events = DossierEvent.objects.filter(dossier=OuterRef("pk"))
    ids = [d.pk for d in dossiers]
    Dossier.objects.filter(pk__in=ids).update(
        created_at=Subquery(events.order_by("at", "id").values("at")[:1]),
        updated_at=Subquery(events.order_by("-at", "-id").values("at")[:1]),
    )
    created = Dossier.objects.filter(pk=OuterRef("dossier_id")).values("created_at")[:1]
    DossierDocument.objects.filter(dossier_id__in=ids).update(uploaded_at=Subquery(created))


# --- In bulk, as the services would -------------------------------------------------------


class RawTable:
    """What bulk_create stores, without building a model instance and compiling SQL per
    row: `COPY <table> (<columns>) FROM STDIN` on PostgreSQL, `INSERT` with executemany
    elsewhere. Values are given by attname; dates, datetimes and JSON are adapted for the
    backend as Django adapts them."""

    def __init__(self, model, attnames: list[str]):
        ops = connection.ops
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.model, self.fields = model, [fields[a] for a in attnames]
        table = ops.quote_name(model._meta.db_table)
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        self.copy = f"COPY {table} ({columns}) FROM STDIN"
        self.sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        self.adapt = []
        for i, f in enumerate(self.fields):
            kind = f.get_internal_type()
            if kind == "DateTimeField":
                self.adapt.append((i, ops.adapt_datetimefield_value))
            elif kind == "DateField":
                self.adapt.append((i, ops.adapt_datefield_value))
            elif kind == "JSONField":
                self.adapt.append((i, lambda v, f=f: ops.adapt_json_value(v, f.encoder)))

    def insert(self, rows: list[list]) -> None:
        for row in rows:
            for i, adapt in self.adapt:
                if row[i] is not None:
                    row[i] = adapt(row[i])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            for start in range(0, len(rows), BATCH):
                cursor.executemany(self.sql, rows[start : start + BATCH])


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys no other row will take: from the sequence on PostgreSQL; past the
    largest id ever given on SQLite (the transaction holds the database's write lock)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"demo traffic in bulk on {connection.vendor}")
        cursor.execute(f'SELECT MAX("id") FROM "{table}"')
        last = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(last, row[0] if row else 0) + 1
    return list(range(first, first + count))


APPLICANT_COLUMNS = [
    "id",
    "kind",
    "full_name",
    "id_number",
    "tax_code",
    "phone",
    "email",
    "address",
]
DOCUMENT_COLUMNS = [
    "dossier_id",
    "required_document_id",
    "name",
    "originals",
    "copies",
    "file",
    "content_type",
    "size",
    "uploaded_at",
]
EVENT_COLUMNS = [
    "dossier_id",
    "at",
    "actor_id",
    "action",
    "from_status",
    "to_status",
    "agency_id",
    "step_id",
    "assignee_id",
    "comment",
    "working_seconds",
    "data",
]


class BulkWriter:
    """Writes plans in bulk, row for row what the services write: the services' handlers
    change the same fields of an unsaved Dossier, the same events are appended, the codes
    come from the agencies' daily counters (kept in memory, saved at each flush)."""

    def __init__(self, org: Org):
        self.org = org
        self.counters: dict[tuple[int, date], list] = {}  # -> [last, pk or None, dirty]
        for pk, agency_id, day, last in DossierCounter.objects.values_list(
            "pk", "agency_id", "day", "last"
        ):
            self.counters[(agency_id, day)] = [last, pk, False]
        self.dossier_columns = [f.attname for f in Dossier._meta.concrete_fields]
        self.tables = {
            "applicants": RawTable(Applicant, APPLICANT_COLUMNS),
            "dossiers": RawTable(Dossier, self.dossier_columns),
            "documents": RawTable(DossierDocument, DOCUMENT_COLUMNS),
            "events": RawTable(DossierEvent, EVENT_COLUMNS),
        }
        self._clear()

    def _clear(self):
        self.applicants, self.dossiers, self.documents, self.events = [], [], [], []

    # - creation (services.receive / submit) -

    def write(self, plan: Plan) -> Dossier:
        d = self._receive(plan)
        for step in plan.steps:
            target = d if step.part is None else d._demo_parts[step.part]
            self._act(target, step)
        return d

    def _code(self, agency, day: date) -> str:
        entry = self.counters.setdefault((agency.pk, day), [0, None, True])
        entry[0] += 1
        entry[2] = True
        return codes.format_code(agency.code, day, entry[0])

    def _receive(self, plan: Plan) -> Dossier:
        org, now, procedure, desk = self.org, plan.arrives_at, plan.procedure, plan.desk
        agency = plan.agency
        steps = org.process_steps(procedure, agency)
        step = steps[0] if steps else None
        day = timezone.localdate(now)
        applicant = clean_applicant(plan.applicant)  # the row services._applicant creates
        self.applicants.append(applicant)
        status = S.SUBMITTED if plan.submit_only else S.RECEIVED
        d = Dossier(
            code=self._code(agency, day),
            secret=plan.secret,
            procedure=procedure,
            procedure_version_id=org.version_on(procedure, day),
            channel=plan.channel,
            status=status,
            received_desk=desk,
            return_desk=desk,
            performing_agency=agency,
            current_agency=desk.agency if desk is not None else agency,
            current_step=step,
            submitted_at=now if plan.submit_only else None,
            fee_amount=plan.fee,
            idempotency_key=None,
        )
        self._track(d, steps)
        d._demo_applicant = applicant
        if not plan.submit_only:
            services._start_clock(d, now)
        for doc in plan.documents:
            self.documents.append(
                [
                    d,
                    doc.get("required_document"),
                    doc.get("name") or "",
                    doc.get("originals", 0),
                    doc.get("copies", 0),
                    "",
                    "",
                    0,
                    None,
                ]
            )
        action = A.SUBMIT if plan.submit_only else A.RECEIVE
        self._event(d, action, None, status, plan.creator, now, step=step)
        if plan.chain is not None and not plan.submit_only:
            self._start_chain(d, plan.chain, plan.creator, now)
        return d

    def _track(self, d: Dossier, steps, parent: Dossier | None = None) -> None:
        d._demo_steps = steps
        d._demo_parent = parent
        d._demo_parts = {}
        d._demo_first = d._demo_last = None
        self.dossiers.append(d)

    # - later actions (services.act) -

    def _act(self, d: Dossier, step: Step) -> None:
        if step.action == A.APOLOGISE and d.due_at is not None:
            # act() works on the row as reloaded, whose instants are in UTC: the apology's
            # event data records the previous appointment in that form.
            d.due_at = d.due_at.astimezone(UTC)
        before = Status(d.status)
        move = workflow.transition(before, step.action)
        to_step = None
        if step.to_step is not None:
            to_step = d._demo_steps[step.to_step - 1]
        elif step.action in (A.FORWARD, A.APPROVE):
            to_step = self._next_step(d)
        if step.action == A.COMPLETE and d.chain_id:
            extra = self._complete_in_chain(d, step.at, step.result)
        else:
            handler = services.HANDLERS.get(step.action)
            extra = (
                handler(
                    d,
                    step.at,
                    to_step=to_step,
                    to_user=step.to_user,
                    to_agency=None,
                    new_due_at=step.new_due_at,
                    result=step.result,
                    comment=step.comment,
                )
                if handler
                else {}
            )
        d.status = move.after
        if move.finishes and not d.finished_at:
            d.finished_at = step.at
        self._event(
            d,
            step.action,
            before,
            move.after,
            step.actor,
            step.at,
            comment=step.comment,
            step=d.current_step,
            data=extra or {},
        )
        if d._demo_parent is not None and move.after == S.RESULT_READY:
            self._return_part(d, step.actor, step.at)

    def _next_step(self, d: Dossier):
        """As services._next_step, from the steps in memory."""
        current = d.current_step
        if current is None:
            return None
        return next((s for s in d._demo_steps if s.position > current.position), None)

    def _complete_in_chain(self, d: Dossier, now, result) -> dict:
        """services._complete for a chain's dossiers, whose parent and parts are not saved
        yet (the handler would ask the database for the parts)."""
        waiting = any(p.status not in workflow.FINAL for p in d._demo_parts.values())
        if d._demo_parent is None and (waiting or not d._demo_parts):
            raise services.DossierError("The inter-agency parts are not all finished.")
        d.result_ready_at = now
        d.result = result or d.result
        d.current_agency = d.received_desk.agency if d.received_desk_id else d.performing_agency
        d.current_step = None
        d.assignee = None
        return {}

    def _event(self, d, action, before, after, actor, at, *, comment="", step=None, data=None):
        """As services._event: the working time since the previous event, if the clock ran."""
        used = 0
        running = before is not None and before in workflow.RUNNING
        if running and d._demo_last is not None and d.received_at:
            cal = services.calendar(d.performing_agency)
            used = int(cal.elapsed(max(d._demo_last, d.received_at), at).total_seconds())
        actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.events.append(
            [
                d,
                at,
                actor_id,
                str(action),
                str(before or ""),
                str(after),
                d.current_agency_id,
                step.pk if step is not None else None,
                d.assignee_id,
                comment,
                max(used, 0),
                data or {},
            ]
        )
        d._demo_first = d._demo_first or at
        d._demo_last = at if d._demo_last is None else max(d._demo_last, at)

    # - inter-agency chains (services.start_chain, _open_parts, _return_part) -

    def _start_chain(self, parent: Dossier, chain, actor, now) -> None:
        parent.chain = chain
        parent.status = S.PROCESSING
        cal = services.calendar(parent.performing_agency)
        links = self.org.chains[chain.pk][1]
        parent.due_at = parent.deadline_at = cal.due_at(now, chain_hours(cal, links), "hours")
        comment = _("Inter-agency: %(chain)s") % {"chain": chain.name}
        self._event(parent, A.FORWARD, S.RECEIVED, S.PROCESSING, actor, now, comment=comment)
        self._open_parts(parent, links[0].position, actor, now)

    def _open_parts(self, parent: Dossier, position, actor, now) -> None:
        org = self.org
        for link in org.chains[parent.chain_id][1]:
            if link.position != position:
                continue
            agency = part_agency(org, parent.received_desk, link, parent.performing_agency)
            steps = org.process_steps(link.procedure, agency)
            step = steps[0] if steps else None
            day = timezone.localdate(now)
            part = Dossier(
                code=self._code(agency, day),
                secret=parent.secret,
                procedure=link.procedure,
                procedure_version_id=org.version_on(link.procedure, day),
                channel=parent.channel,
                status=S.RECEIVED,
                chain=parent.chain,
                chain_position=position,
                return_desk=parent.return_desk,
                performing_agency=agency,
                current_agency=agency,
                current_step=step,
            )
            self._track(part, steps, parent)
            part._demo_applicant = parent._demo_applicant
            services._start_clock(part, now)
            parent._demo_parts[position] = part
            comment = _("Inter-agency part of dossier %(code)s") % {"code": parent.code}
            self._event(part, A.RECEIVE, None, S.RECEIVED, actor, now, step=step, comment=comment)

    def _return_part(self, part: Dossier, actor, now) -> None:
        parent = part._demo_parent
        cal = services.calendar(part.performing_agency)
        part.timeliness = cal.classify_finished(part.deadline_at, now)
        part.status = S.RETURNED
        part.finished_at = now
        part.current_agency = parent.current_agency
        self._event(
            part,
            A.RETURN_RESULT,
            S.RESULT_READY,
            S.RETURNED,
            actor,
            now,
            comment=_("Result sent to the receiving desk"),
            data={"timeliness": part.timeliness},
        )
        same = [p for p in parent._demo_parts.values() if p.chain_position == part.chain_position]
        if any(p.status not in workflow.FINAL for p in same):
            return
        later = [
            link.position
            for link in self.org.chains[parent.chain_id][1]
            if link.position > part.chain_position
        ]
        if later:
            self._open_parts(parent, min(later), actor, now)
        else:
            status = Status(parent.status)
            comment = _("All inter-agency results received")
            self._event(parent, A.HAND_BACK, status, status, actor, now, comment=comment)

    # - saving -

    def flush(self) -> int:
        """Insert what was written since the last flush, and the counters; returns the
        number of dossier rows."""
        made = len(self.dossiers)
        for applicant, pk in zip(
            self.applicants, reserve_ids(Applicant, len(self.applicants)), strict=True
        ):
            applicant["id"] = pk
        for d, pk in zip(self.dossiers, reserve_ids(Dossier, made), strict=True):
            d.pk = d.id = pk
        columns = self.dossier_columns
        rows = []
        for d in self.dossiers:
            d.applicant_id = d._demo_applicant["id"]
            d.parent_id = d._demo_parent.pk if d._demo_parent is not None else None
            d.created_at, d.updated_at = d._demo_first, d._demo_last
            values = d.__dict__
            rows.append([values[c] for c in columns])
        self.tables["applicants"].insert(
            [[a[c] for c in APPLICANT_COLUMNS] for a in self.applicants]
        )
        self.tables["dossiers"].insert(rows)
        for row in self.documents:
            row[8] = row[0]._demo_first
            row[0] = row[0].pk
        self.tables["documents"].insert(self.documents)
        for row in self.events:
            row[0] = row[0].pk
        self.tables["events"].insert(self.events)
        self._save_counters()
        self._clear()
        return made

    def _save_counters(self) -> None:
        new, changed = [], []
        for (agency_id, day), entry in self.counters.items():
            if not entry[2]:
                continue
            row = DossierCounter(pk=entry[1], agency_id=agency_id, day=day, last=entry[0])
            (changed if entry[1] else new).append((row, entry))
            entry[2] = False
        DossierCounter.objects.bulk_create([row for row, _e in new], batch_size=BATCH)
        for row, entry in new:
            entry[1] = row.pk
        DossierCounter.objects.bulk_update([row for row, _e in changed], ["last"], batch_size=500)

    def absorb(self, dossiers) -> None:
        """Learn the counters the services moved while making `dossiers`."""
        keys = set()
        for d in dossiers:
            agency_code, day, _seq = codes.parse_code(d.code)
            keys.add((self.org.by_code[agency_code].pk, day))
        if not keys:
            return
        query = Q()
        for agency_id, day in keys:
            query |= Q(agency_id=agency_id, day=day)
        for pk, agency_id, day, last in DossierCounter.objects.filter(query).values_list(
            "pk", "agency_id", "day", "last"
        ):
            entry = self.counters.setdefault((agency_id, day), [0, None, False])
            entry[0], entry[1] = max(entry[0], last), pk


# --- The traffic ----------------------------------------------------------------------------


def year_days(cal, year: int = YEAR) -> list[date]:
    day, days = date(year, 1, 1), []
    while day.year == year:
        if cal.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def recent_days(cal, now: datetime, count: int = RECENT_WORKING_DAYS) -> list[date]:
    """The last `count` working days up to now (today counts once its office hours began)."""
    local = now.astimezone(cal.tz)
    day, days = local.date(), []
    first_period = cal.hours.periods[0][0]
    if not (cal.is_working_day(day) and local.time() > first_period):
        day -= timedelta(days=1)
    while len(days) < count:
        if cal.is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def share_out(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), summing exactly."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


def day_weight(day: date) -> float:
    return MONTH_WEIGHT.get(day.month, 1.0) * WEEKDAY_WEIGHT.get(day.weekday(), 1.0)


@dataclass
class Traffic:
    """What generate_traffic made."""

    rows: int = 0
    through_services: int = 0
    by_kind: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    open_now: int = 0

    def add(self, plan: Plan) -> None:
        self.rows += plan.rows
        self.by_kind[plan.kind] += 1
        self.by_channel[plan.channel] += 1
        self.through_services += plan.rows if plan.via_services else 0
        last = plan.steps[-1].action if plan.steps else None
        self.open_now += last not in (A.RETURN_RESULT, A.REFUSE, A.WITHDRAW)


def plan_traffic(n: int, *, seed: int, now: datetime, org: Org, showcase: bool = True):
    """Yield lists of plans (chronological, about CHUNK_ROWS rows each) making exactly `n`
    dossier rows: 2020, then the recent working days (cut at now), then the showcase."""
    salt = f"{seed}:{n}:{Dossier.objects.count()}"  # traffic added later differs
    rng, sampler = random.Random(f"{salt}:traffic"), random.Random(f"{salt}:services")
    planner = Planner(org, rng, now)
    if not planner.tier_names:
        raise ValueError("No one-stop procedure in force has a four-step internal process.")
    cal = services.calendar(None)
    shown = Showcase(planner).plans() if showcase else []
    shown_rows = sum(p.rows for p in shown)
    if shown_rows > n // 4:
        shown, shown_rows = [], 0
    rest = n - shown_rows
    year, recent = year_days(cal), recent_days(cal, now)
    recent_rows = round(rest * len(recent) / (len(year) + len(recent)))
    budgets = [
        *zip(year, share_out(rest - recent_rows, [day_weight(d) for d in year]), strict=True),
        *zip(recent, share_out(recent_rows, [1.0] * len(recent)), strict=True),
    ]
    p_service = min(1.0, SERVICE_SAMPLE / max(n, 1))
    batch, rows, carry, left = [], 0, 0, rest
    for index, (day, budget) in enumerate(budgets):
        budget -= carry
        is_recent = index >= len(year)
        last_day = index == len(budgets) - 1
        day_plans = []
        # A chain's rows may overrun the day's share (the next days make up for it), never
        # the total.
        while left > 0 and (budget > 0 or last_day):
            plan = planner.random_plan(day, left, recent=is_recent)
            plan.via_services = sampler.random() < p_service
            budget -= plan.rows
            left -= plan.rows
            day_plans.append(plan)
        carry = max(0, -budget)
        day_plans.sort(key=lambda p: p.arrives_at)
        batch += day_plans
        rows += sum(p.rows for p in day_plans)
        if rows >= CHUNK_ROWS:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch
    if shown:
        yield shown


def generate_traffic(
    n: int = DEFAULT_DOSSIERS,
    *,
    seed: int = YEAR,
    now: datetime | None = None,
    showcase: bool = True,
    progress=None,
) -> Traffic:
    """Write `n` dossier rows of demo traffic (in transactions of about CHUNK_ROWS)."""
    now = now or timezone.now()
    with shared_calendars():
        org = Org()
        writer = BulkWriter(org)
        traffic = Traffic()
        for batch in plan_traffic(n, seed=seed, now=now, org=org, showcase=showcase):
            _write(batch, writer, traffic)
            if progress:
                progress(traffic)
    return traffic


def _write(batch: list[Plan], writer: BulkWriter, traffic: Traffic) -> None:
    """One transaction: the bulk plans, their counters, then the plans for the services."""
    with transaction.atomic():
        for plan in batch:
            if not plan.via_services:
                writer.write(plan)
        writer.flush()
        made = []
        for plan in batch:
            if plan.via_services:
                made += run_with_services(plan)
        writer.absorb(made)
    for plan in batch:
        traffic.add(plan)


def load(n: int = DEFAULT_DOSSIERS, *, seed: int = YEAR, now=None, progress=None) -> dict:
    """Processes, chains, officers (where missing), then `n` dossier rows of traffic."""
    with shared_calendars():
        processes = ensure_processes()
        chains = ensure_chains()
        officers = ensure_staff(seed)
        traffic = generate_traffic(n, seed=seed, now=now, progress=progress) if n else Traffic()
    return {"processes": processes, "chains": len(chains), "officers": officers, "traffic": traffic}


__all__ = [
    "BulkWriter",
    "Org",
    "Plan",
    "Planner",
    "Step",
    "ensure_chains",
    "ensure_processes",
    "ensure_staff",
    "generate_traffic",
    "load",
    "run_with_services",
]
