"""What the demo dossiers need before any traffic: an internal process for every procedure
in force, the report's two inter-agency chains, and officers wherever dossiers are handled.

- `ensure_processes`: a process of four steps (desk receipt, specialist review, leader
  approval and signature, desk return) whose allotted working hours add up to
  `services.process_hours(procedure)` (the rule the admin's process editor enforces).
  Provincial procedures: the department's process. District procedures: one process per
  district when the procedure names a specialist office (the review is there; the office's
  own leader signs for the police, military and judgment-enforcement bodies, the district
  People's Committee otherwise), else one generic process at the People's Committee.
  Commune procedures: one generic process, every step at the commune People's Committee.
  The leader's step is the last processing step (only the desk's return follows), so under
  the 2025 rules its holder signs the result with `complete` (permissions.holders).
- `ensure_chains`: the report's two chains, on procedures of the catalogue.
- `ensure_staff`: a desk officer, specialist and leader wherever dossiers are handled, with
  the rows `org.services.appoint` writes (post, role group, audit event), in bulk.

Each creates only what is missing; the admin may edit the rows freely afterwards.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure
from motcua.core.models import AuditEvent
from motcua.core.text import fold
from motcua.demo.people import People
from motcua.dossiers import services
from motcua.dossiers.models import ChainLink, InterAgencyChain, Process, ProcessStep
from motcua.org import demo as org_demo
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, Desk, Officer, User
from motcua.org.permissions import role_group

R = Role
Performer = ProcessStep.Performer
YEAR = 2020
BATCH = 2_000  # rows per INSERT
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
    district_pcs = list(
        Agency.objects.valid_on(timezone.localdate())
        .filter(kind=AgencyKind.DISTRICT_PC)
        .order_by("code")
    )
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
    # In force today: after a reorganisation the closed agencies take no new work.
    in_force = Agency.objects.valid_on(timezone.localdate())
    agencies = list(in_force.select_related("admin_unit", "parent__admin_unit"))
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
