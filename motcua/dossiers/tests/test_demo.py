"""Demo traffic (`motcua seed hanam-2020 --dossiers N`): processes for every procedure, the
report's two chains, and dossiers that are legal, timely as worktime says, and written in
bulk exactly as the services write them.

One module-wide province: the real 2020 organisation of Hà Nam with a small catalogue of
real procedure names (the full catalogue takes a minute to generate)."""

import random
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import override_settings

from motcua.catalog.models import Procedure
from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers import codes, demo, services, workflow
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierCounter,
    DossierEvent,
    InterAgencyChain,
    Process,
    ProcessStep,
    Timeliness,
)
from motcua.dossiers.validation import normalise_phone, valid_tax_code
from motcua.dossiers.views import urgency
from motcua.dossiers.workflow import OPEN, Action, Status
from motcua.org import demo as org_demo
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, User
from motcua.worktime.calendars import get_calendar

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 3, 12, 10, 20, tzinfo=VN)  # a Wednesday morning
N = 600
A, S, R = Action, Status, Role
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# level, name, performing agency (department short key or published text), sector, days
CATALOGUE = [
    ("province", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "stp", "Lý lịch tư pháp", 5),
    ("province", "Cấp bản sao trích lục hộ tịch", "stp", "Hộ tịch", 1),
    ("province", "Đăng ký thành lập doanh nghiệp tư nhân", "skhdt", "Thành lập và hoạt động "
     "doanh nghiệp", 3),
    ("province", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt", "sxd",
     "Hoạt động xây dựng", 15),
    ("district", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "UBND cấp huyện "
     "(Phòng Tư pháp)", "Chứng thực", 1),
    ("district", "Đăng ký thành lập hộ kinh doanh", "UBND cấp huyện (Phòng Tài chính - Kế "
     "hoạch)", "Thành lập và hoạt động của hộ kinh doanh", 3),
    ("district", "Giải quyết khiếu nại lần đầu", "UBND cấp huyện", "Giải quyết khiếu nại", 30),
    ("district", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội (được trợ giúp xã hội "
     "thường xuyên tại cộng đồng)", "UBND cấp huyện (Phòng Lao động - Thương binh và Xã hội)",
     "Bảo trợ xã hội", 2),
    ("district", "Xóa đăng ký thường trú", "Công an", "Đăng ký, quản lý cư trú", 4),
    ("district", "Đăng ký thường trú", "Công an", "Đăng ký, quản lý cư trú", 7),
    ("commune", "Đăng ký khai sinh", "UBND cấp xã", "Hộ tịch", 1),
    ("commune", "Đăng ký khai tử", "UBND cấp xã", "Hộ tịch", 1),
    ("commune", "Đăng ký kết hôn", "UBND cấp xã", "Hộ tịch", 1),
    ("commune", "Chứng thực chữ ký trong các giấy tờ, văn bản", "UBND cấp xã", "Chứng thực", 1),
    ("commune", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "UBND cấp xã", "Bảo hiểm y tế",
     5),
]  # fmt: skip


def make_catalogue(agencies) -> None:
    sectors = {}
    for i, (level, name, where, sector, days) in enumerate(CATALOGUE, start=1):
        sectors.setdefault(sector, f"S{len(sectors) + 1}")
        department = agencies.get(where)
        outside = where == "Công an"
        make_procedure(
            code=f"DEMO.{i:03d}",
            name=name,
            level=level,
            agency=department.code if department else "",
            performing_agency=department.name if department else where,
            sector={"code": sectors[sector], "name": sector},
            statutory_duration=str(days * 2),
            local_duration=str(days),
            one_stop=not outside,
            channel_online=not outside,
            channel_post=not outside,
            online_level=4 if i % 3 == 0 else 3,
            applicants="Tổ chức" if "doanh nghiệp" in name else "Cá nhân, Tổ chức",
            effective_on=date(2019, 1, 1),
        )


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        units = org_demo.load_units()
        agencies = org_demo.load_agencies(units)
        org_demo.load_officers(agencies)
        make_catalogue(agencies)
        result = demo.load(N, seed=7, now=NOW)
        yield {"agencies": agencies, "result": result}
        call_command("flush", "--no-input", verbosity=0)


def events_of(dossier):
    return list(dossier.events.order_by("at", "id"))


# --- processes, chains, officers ------------------------------------------------------------


def test_every_procedure_in_force_has_processes_adding_up_to_its_time_limit(province):
    districts = list(Agency.objects.filter(kind=AgencyKind.DISTRICT_PC))
    communes = Agency.objects.filter(kind=AgencyKind.COMMUNE_PC)[:3]
    for procedure in Procedure.objects.filter(status="active"):
        performers = {
            Level.PROVINCE: [procedure.agency],
            Level.DISTRICT: districts,
            Level.COMMUNE: list(communes),
        }[procedure.level]
        for agency in performers:
            process = services.process_for(procedure, agency)
            assert process is not None, (procedure.name, agency.name)
            steps = list(process.steps.order_by("position"))
            assert [s.role for s in steps] == list(demo.STEP_ROLES)
            total = sum((s.allotted_hours for s in steps), Decimal(0))
            assert total == services.process_hours(procedure)
            if procedure.level == Level.COMMUNE:
                assert {s.performer for s in steps} == {ProcessStep.Performer.PERFORMING_AGENCY}
            if procedure.level == Level.DISTRICT and demo.office_name(procedure):
                review = steps[1]
                assert review.agency.parent_id == agency.pk
                assert review.agency.short_name == demo.office_name(procedure)


def test_the_reports_two_chains_are_configured_on_catalogue_procedures(province):
    chains = {c.name: c for c in InterAgencyChain.objects.all()}
    death, birth = (chains[spec.name] for spec in demo.CHAINS)
    assert "52/2018/QĐ-UBND" in death.legal_basis and "53/2014/QĐ-UBND" in birth.legal_basis
    assert [link.procedure.name for link in death.links.all()] == [
        "Đăng ký khai tử",
        "Xóa đăng ký thường trú",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội (được trợ giúp xã hội thường "
        "xuyên tại cộng đồng)",
    ]
    assert [link.procedure.name for link in birth.links.all()] == [
        "Đăng ký khai sinh",
        "Đăng ký thường trú",
        "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    ]
    assert not any(link.agency_id for c in chains.values() for link in c.links.all())


def test_officers_for_every_agency_that_handles_dossiers(province):
    for agency in Agency.objects.filter(
        kind__in=[AgencyKind.DEPARTMENT, AgencyKind.DISTRICT_PC, AgencyKind.COMMUNE_PC]
    ):
        roles = set(agency.officers.values_list("role", flat=True))
        assert {R.DESK_OFFICER, R.SPECIALIST, R.LEADER} <= roles, agency.name
    desk_officer = User.objects.get(username="motcua.quangtrung")  # org.demo's, reused
    assert desk_officer.posts.count() == 1
    assert User.objects.filter(username="chuyenvien.quangtrung").exists()


# --- the traffic ------------------------------------------------------------------------------


def test_volumes_by_channel_tier_and_status(province):
    assert Dossier.objects.count() == N
    channels = Counter(Dossier.objects.filter(parent=None).values_list("channel", flat=True))
    total = sum(channels.values())
    assert channels[Channel.COUNTER] / total > 0.8
    assert 0 < channels[Channel.POST] < channels[Channel.ONLINE] < total * 0.2
    tiers = Counter(Dossier.objects.filter(parent=None).values_list("procedure__level", flat=True))
    assert tiers[Level.COMMUNE] > tiers[Level.DISTRICT] > 0 and tiers[Level.PROVINCE] > 0
    statuses = Counter(Dossier.objects.values_list("status", flat=True))
    assert statuses[S.RETURNED] / N > 0.8
    assert statuses[S.REFUSED] and statuses[S.WITHDRAWN]
    assert sum(statuses[s] for s in OPEN) > 0
    received_2020 = Dossier.objects.filter(received_at__year=2020)
    assert not received_2020.filter(status__in=OPEN).exists()  # last year's are all finished
    supplemented = Dossier.objects.filter(events__action=A.SUPPLEMENT).distinct()
    assert supplemented.count() > 5
    assert province["result"]["traffic"].through_services >= 150


def test_every_dossier_history_is_legal_under_the_state_machine(province):
    events = DossierEvent.objects.order_by("dossier_id", "at", "id").values_list(
        "dossier_id", "action", "from_status", "to_status"
    )
    last: dict[int, str] = {}
    for dossier_id, action, before, after in events:
        if dossier_id not in last:
            assert before == "" and action in (A.RECEIVE, A.SUBMIT), dossier_id
        else:
            assert before == last[dossier_id], dossier_id
        assert (
            workflow.transition(Status(before) if before else None, Action(action)).after == after
        )
        last[dossier_id] = after
    statuses = dict(Dossier.objects.values_list("pk", "status"))
    assert last == statuses


def test_timeliness_is_what_worktime_says(province):
    finished = Dossier.objects.exclude(timeliness="").select_related("procedure")
    assert finished.count() > N * 0.7
    for d in finished:
        cal = get_calendar(d.performing_agency_id)
        ready = d.result_ready_at or d.finished_at
        assert d.timeliness == cal.classify_finished(d.deadline_at, ready), d.code
        if d.chain_id and d.parent_id is None:
            continue  # the chain's combined limit, checked in the chain test
        p = d.procedure
        pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in d.pauses]
        expected = cal.due_at(
            d.received_at,
            p.local_duration,
            p.duration_unit,
            pauses=pauses,
            restart_on_supplement=p.restart_on_supplement,
        )
        assert d.deadline_at == expected, d.code
    returned = Dossier.objects.filter(status=S.RETURNED)
    assert not returned.filter(timeliness="").exists()
    late = returned.filter(timeliness=Timeliness.LATE, parent=None)
    assert 0 < late.count() < returned.count() * 0.1  # the report: >= 95 % on time
    assert not late.exclude(events__action=A.APOLOGISE).exists()  # each late one apologised


def test_chains_close_the_loop_at_the_receiving_desk(province):
    parents = Dossier.objects.filter(chain__isnull=False, parent=None, status=S.RETURNED)
    assert parents.count() >= 3
    for parent in parents.select_related("received_desk", "chain"):
        parts = list(parent.parts.order_by("chain_position"))
        links = list(parent.chain.links.order_by("position"))
        assert [p.procedure_id for p in parts] == [link.procedure_id for link in links]
        assert all(p.status == S.RETURNED and p.timeliness for p in parts)
        assert parts[0].performing_agency_id == parent.performing_agency_id  # the commune
        assert parts[1].performing_agency.kind == AgencyKind.DISTRICT_PC
        assert parts[1].events.filter(agency__short_name="Công an").exists()
        actions = [e.action for e in events_of(parent)]
        assert actions[:2] == [A.RECEIVE, A.FORWARD]
        assert actions[-3:] == [A.HAND_BACK, A.COMPLETE, A.RETURN_RESULT]
        returned = parent.events.get(action=A.RETURN_RESULT)
        assert returned.agency_id == parent.received_desk.agency_id
        assert returned.actor.posts.filter(
            agency=parent.received_desk.agency, role=R.DESK_OFFICER
        ).exists()
        assert parent.result_ready_at >= max(p.finished_at for p in parts)


def test_open_dossiers_show_every_urgency_at_the_demo_agencies(province):
    for username in ("motcua.stp", "motcua.phuly", "motcua.quangtrung"):
        agency = User.objects.get(username=username).posts.get().agency
        open_here = Dossier.objects.filter(
            current_agency=agency, status__in=OPEN
        ) | Dossier.objects.filter(performing_agency=agency, status__in=OPEN)
        colours = {urgency(d, NOW) for d in open_here}
        assert {"overdue", "due-soon", "in-time"} <= colours, (username, colours)
        statuses = set(open_here.values_list("status", flat=True))
        assert {S.AWAITING_SUPPLEMENT, S.RESULT_READY, S.SUBMITTED} <= statuses, username
    assert not Dossier.objects.filter(received_at__gt=NOW).exists()
    assert not DossierEvent.objects.filter(at__gt=NOW).exists()


def test_applicants_are_vietnamese_with_valid_numbers_of_ha_nam(province):
    for d in Dossier.objects.filter(parent=None).select_related("applicant")[:300]:
        a = d.applicant
        assert len(a.full_name.split()) >= 3
        assert normalise_phone(a.phone) == a.phone
        if a.kind == "person":
            assert re.fullmatch(r"035[0-3]\d{8}", a.id_number), a.id_number
        else:
            assert valid_tax_code(a.tax_code) and a.tax_code.startswith("0700")


def test_codes_come_from_the_daily_counters_and_later_receipts_do_not_collide(province):
    last = Counter()
    for code in Dossier.objects.values_list("code", flat=True):
        agency, day, seq = codes.parse_code(code)
        last[(agency, day)] = max(last[(agency, day)], seq)
    counters = {
        (agency, day): value
        for agency, day, value in DossierCounter.objects.values_list("agency__code", "day", "last")
    }
    assert counters == dict(last)
    busiest = max(last, key=last.get)
    agency = Agency.objects.get(code=busiest[0])
    procedure = Procedure.objects.filter(dossiers__performing_agency=agency).first()
    desk = Dossier.objects.filter(performing_agency=agency, parent=None).first().received_desk
    with transaction.atomic():
        received = services.receive(
            procedure=procedure,
            applicant={"full_name": "Trần Văn Bình", "id_number": "035080001111"},
            channel=Channel.COUNTER,
            desk=desk,
            received_at=datetime.combine(busiest[1], datetime.min.time(), VN).replace(hour=9),
            check_complete=False,
        )
        assert codes.parse_code(received.code)[2] == last[busiest] + 1
        transaction.set_rollback(True)


# --- bulk = services --------------------------------------------------------------------------


def snapshot(dossier) -> list[dict]:
    """Every stored field of a dossier, its parts, applicant, documents and events, except
    primary keys and the random lookup password."""
    rows = []
    for d in [dossier, *dossier.parts.order_by("chain_position")]:
        row = model_to_dict(d, exclude=["id", "secret", "applicant", "parent"])
        row["created_at"], row["updated_at"] = d.created_at, d.updated_at
        row["parent"] = d.parent.code if d.parent_id else None
        row["applicant"] = model_to_dict(d.applicant, exclude=["id"])
        row["documents"] = [
            {**model_to_dict(doc, exclude=["id", "dossier", "file"]), "at": doc.uploaded_at}
            for doc in d.documents.order_by("id")
        ]
        row["events"] = [
            {**model_to_dict(e, exclude=["id", "dossier"]), "at": e.at} for e in events_of(d)
        ]
        rows.append(row)
    return rows


def both_ways(plan):
    """The plan made through the services, then in bulk, each rolled back."""
    made = []
    for way in ("services", "bulk"):
        with transaction.atomic():
            if way == "services":
                dossier = Dossier.objects.get(pk=demo.run_with_services(plan)[0].pk)
            else:
                writer = demo.BulkWriter(demo.Org())
                code = writer.write(plan).code
                writer.flush()
                dossier = Dossier.objects.get(code=code)
            made.append(snapshot(dossier))
            transaction.set_rollback(True)
    return made


KINDS = [
    # tier, channel, kind
    (Level.PROVINCE, Channel.COUNTER, "normal"),
    (Level.PROVINCE, Channel.COUNTER, "late"),
    (Level.DISTRICT, Channel.COUNTER, "supplemented"),  # back from the desk to the office
    (Level.COMMUNE, Channel.COUNTER, "supplemented"),
    (Level.DISTRICT, Channel.COUNTER, "supplement_withdrawn"),
    (Level.PROVINCE, Channel.COUNTER, "refused"),
    (Level.COMMUNE, Channel.COUNTER, "withdrawn"),
    (Level.DISTRICT, Channel.ONLINE, "incomplete"),
    (Level.PROVINCE, Channel.POST, "refused_at_check"),
    (Level.COMMUNE, Channel.ONLINE, "withdrawn_at_check"),
    (Level.DISTRICT, Channel.COUNTER, "late"),
    (Level.COMMUNE, Channel.COUNTER, "chain"),
]


@pytest.mark.parametrize(("level", "channel", "kind"), KINDS)
def test_a_bulk_made_dossier_equals_one_made_by_the_services(province, level, channel, kind):
    org = demo.Org()
    planner = demo.Planner(org, random.Random(f"{level}{kind}"), NOW)
    tier = [p for p in planner.tiers[level][0] if p.channel_online or channel != Channel.ONLINE]
    procedure = next(p for p in tier if p.name == "Đăng ký khai tử") if kind == "chain" else None
    if level == Level.DISTRICT:
        procedure = next(p for p in tier if demo.office_name(p))
    procedure = procedure or tier[0]
    desk = (
        org.desks[procedure.agency_id]
        if level == Level.PROVINCE
        else planner.rng.choice([org.desks[a.pk] for a in planner.communes[0]])
        if level == Level.COMMUNE
        else org.desks[planner.districts[0][0].pk]
    )
    chain = planner.chains[procedure.pk][0] if kind == "chain" else None
    arrives = datetime(2020, 6, 9, 9, 40, tzinfo=VN)
    plan = planner.make(procedure, desk, channel, arrives, chain=chain, kind=kind)
    by_services, in_bulk = both_ways(plan)
    assert len(by_services) == (4 if chain else 1)
    assert differences(by_services, in_bulk) == []


def differences(a: list[dict], b: list[dict]) -> list:
    """(dossier index, field, services' value, bulk value) of every field that differs."""
    found = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        for key in sorted(set(x) | set(y)):
            if key in ("events", "documents"):
                assert len(x[key]) == len(y[key]), (i, key)
                for j, (e, f) in enumerate(zip(x[key], y[key], strict=True)):
                    found += [(i, key, j, k, e[k], f.get(k)) for k in e if e[k] != f.get(k)]
            elif x.get(key) != y.get(key):
                found.append((i, key, x.get(key), y.get(key)))
    return found


def test_the_comparison_sees_a_difference(province):
    """The equality above is not vacuous: a plan changed by one minute differs."""
    org = demo.Org()
    planner = demo.Planner(org, random.Random(1), NOW)
    procedure = planner.tiers[Level.PROVINCE][0][0]
    desk = org.desks[procedure.agency_id]
    arrives = datetime(2020, 6, 9, 9, 40, tzinfo=VN)
    plan = planner.make(procedure, desk, Channel.COUNTER, arrives, kind="normal")
    by_services, _bulk = both_ways(plan)
    plan.steps[1].at = plan.steps[1].at.replace(minute=(plan.steps[1].at.minute + 1) % 60)
    _services, in_bulk = both_ways(plan)
    assert by_services != in_bulk


# --- the command ----------------------------------------------------------------------------


def test_seed_again_changes_nothing_and_dossiers_n_adds_exactly_n(province):
    counts = (
        Dossier.objects.count(),
        Process.objects.count(),
        InterAgencyChain.objects.count(),
        User.objects.count(),
    )
    out = StringIO()
    call_command("seed", "hanam-2020", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (
        Dossier.objects.count(),
        Process.objects.count(),
        InterAgencyChain.objects.count(),
        User.objects.count(),
    ) == counts
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        call_command("seed", "hanam-2020", "--dossiers", "37", stdout=out)
    assert Dossier.objects.count() == counts[0] + 37
    assert Process.objects.count() == counts[1]
    assert "adding 37 dossiers" in out.getvalue()


def test_a_chain_cut_at_any_moment_makes_the_rows_it_counts(province):
    """--dossiers N counts rows ahead of writing them: a chain cut at now opens its parts
    one by one."""
    org = demo.Org()
    planner = demo.Planner(org, random.Random(3), NOW)
    procedure = next(p for p in planner.tiers[Level.COMMUNE][0] if p.name == "Đăng ký khai sinh")
    desk = org.desks[planner.communes[0][0].pk]
    arrives = datetime(2020, 6, 9, 9, 40, tzinfo=VN)
    chain = planner.chains[procedure.pk][0]
    full = planner.make(procedure, desk, Channel.COUNTER, arrives, chain=chain)
    seen = set()
    for step in full.steps:
        plan = planner.make(procedure, desk, Channel.COUNTER, arrives, chain=chain)
        plan.steps = full.steps
        plan.cut(step.at)
        with transaction.atomic():
            before = Dossier.objects.count()
            writer = demo.BulkWriter(org)
            writer.write(plan)
            writer.flush()
            assert Dossier.objects.count() - before == plan.rows
            transaction.set_rollback(True)
        seen.add(plan.rows)
    assert seen == {2, 3, 4}
