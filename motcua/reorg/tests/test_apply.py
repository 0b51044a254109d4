"""Apply the plan built for a small province modelled on Hà Nam (codes of the real units,
so vietnamadminunits' conversion applies): district 347 (Phủ Lý) with phường Châu Sơn and
Thanh Tuyền, which merge into phường Châu Sơn of Ninh Bình on 1/7/2025; the district's
People's Committee with an open and a closed dossier; Sở Kế hoạch và Đầu tư merged into
Sở Tài chính."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone, translation

from motcua.catalog import report as catalogue_report
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers import configuration
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Process, ProcessStep
from motcua.dossiers.workflow import Action
from motcua.org import services as org
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import AdminUnit, Agency, AgencySuccession, Officer, User
from motcua.reorg import build, plan, services
from motcua.reorg.models import Reorganisation
from motcua.stats import queries

pytestmark = pytest.mark.django_db
DAY = date(2025, 7, 1)
APPLICANT = {
    "kind": "person",
    "full_name": "Nguyễn Văn An",
    "id_number": "035090001234",
    "phone": "0912345678",
    "address": "Phường Châu Sơn, thành phố Phủ Lý",
}


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def make_hanam():
    province = org.create_unit("35", "Tỉnh Hà Nam", "Tỉnh")
    phuly = org.create_unit("347", "Thành phố Phủ Lý", "Thành phố", province)
    chauson = org.create_unit("13318", "Phường Châu Sơn", "Phường", phuly)
    thanhtuyen = org.create_unit("13459", "Phường Thanh Tuyền", "Phường", phuly)

    def agency(code, name, kind, level, unit, parent=None):
        return org.create_agency(
            code=code, name=name, kind=kind, level=level, admin_unit=unit, parent=parent
        )

    pc = agency("000.00.00.H40", "UBND tỉnh Hà Nam", AgencyKind.PROVINCIAL_PC, "province", province)
    center = agency(
        "000.00.99.H40", "Trung tâm PVHCC", AgencyKind.SERVICE_CENTER, "province", province, pc
    )
    plan_dept = agency(
        "000.00.01.H40", "Sở Kế hoạch và Đầu tư", AgencyKind.DEPARTMENT, "province", province, pc
    )
    finance = agency(
        "000.00.02.H40", "Sở Tài chính", AgencyKind.DEPARTMENT, "province", province, pc
    )
    dpc = agency(
        "000.00.21.H40", "UBND thành phố Phủ Lý", AgencyKind.DISTRICT_PC, "district", phuly, pc
    )
    justice = agency(
        "000.61.21.H40", "Phòng Tư pháp", AgencyKind.SPECIALIST_UNIT, "district", phuly, dpc
    )
    c1 = agency(
        "000.01.21.H40", "UBND phường Châu Sơn", AgencyKind.COMMUNE_PC, "commune", chauson, dpc
    )
    c2 = agency(
        "000.02.21.H40",
        "UBND phường Thanh Tuyền",
        AgencyKind.COMMUNE_PC,
        "commune",
        thanhtuyen,
        dpc,
    )
    desks = {}
    for a in (plan_dept, finance):
        desks[a.code] = org.open_desk(a, f"Quầy {a.name}", host=center)
    for a in (dpc, c1, c2):
        desks[a.code] = org.open_desk(a, f"Bộ phận một cửa {a.name}")
    staff = {}
    for name, a, role in (
        ("motcua.phuly", dpc, Role.DESK_OFFICER),
        ("lanhdao.phuly", dpc, Role.LEADER),
        ("chuyenvien.phuly", justice, Role.SPECIALIST),
        ("motcua.khdt", plan_dept, Role.DESK_OFFICER),
    ):
        user = User.objects.create_user(name, password="pw-not-used-123")
        desk = desks.get(a.code) if role == Role.DESK_OFFICER else None
        org.appoint(user, a, role, date(2020, 1, 1), desk=desk)
        staff[name] = user
    district_proc = make_procedure(
        code="2.000001",
        name="Đăng ký hộ kinh doanh",
        level=Level.DISTRICT,
        local_duration="3",
        statutory_duration="3",
    )
    dept_proc = make_procedure(
        code="1.000002",
        name="Đăng ký đầu tư",
        agency=plan_dept.code,
        local_duration="10",
        statutory_duration="15",
    )
    open_one = dossiers.receive(
        procedure=district_proc,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=staff["motcua.phuly"],
        desk=desks[dpc.code],
        performing_agency=dpc,
        received_at=at("2025-06-25T09:00"),
        check_complete=False,
    )
    closed_one = dossiers.receive(
        procedure=district_proc,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=staff["motcua.phuly"],
        desk=desks[dpc.code],
        performing_agency=dpc,
        received_at=at("2025-06-20T09:00"),
        check_complete=False,
    )
    dossiers.act(
        closed_one,
        Action.REFUSE,
        staff["lanhdao.phuly"],
        comment="Không thuộc thẩm quyền",
        at=at("2025-06-23T10:00"),
    )
    dept_open = dossiers.receive(
        procedure=dept_proc,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=staff["motcua.khdt"],
        desk=desks[plan_dept.code],
        received_at=at("2025-06-26T09:00"),
        check_complete=False,
    )
    return {"open": open_one, "closed": closed_one, "dept": dept_open, "staff": staff}


def snapshot_tables():
    """Every row of every table the reorganisation may write, as plain values."""
    from django.apps import apps

    out = {}
    for label in (
        "org.AdminUnit",
        "org.AdminUnitChange",
        "org.Agency",
        "org.AgencySuccession",
        "org.Desk",
        "org.Officer",
        "catalog.Procedure",
        "catalog.ProcedureVersion",
        "catalog.PublicationDecision",
        "catalog.PublicationItem",
        "dossiers.Dossier",
        "dossiers.DossierEvent",
        "dossiers.Process",
        "dossiers.ProcessStep",
        "stats.Fact",
        "core.AuditEvent",
        "reorg.Reorganisation",
    ):
        model = apps.get_model(label)
        out[label] = sorted(map(repr, model.objects.order_by("pk").values_list()))
    return out


@pytest.fixture
def hanam(tmp_path):
    made = make_hanam()
    data = build.build_plan("35", DAY)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return {**made, "data": data, "path": path}


def report_06a(start, end):
    return queries.build(queries.Period(start, end), queries.Scope())


def test_the_plan_built_from_vietnamadminunits(hanam):
    data = hanam["data"]
    plan.check(data)
    by_code = {u["to"]["code"]: u for u in data["units"]}
    assert by_code["37"]["from"] == ["35"] and by_code["37"]["to"]["name"] == "Tỉnh Ninh Bình"
    merged = [u for u in data["units"] if u["from"] == ["13318", "13459"]]
    assert merged and merged[0]["to"]["name"] == "Phường Châu Sơn"
    assert data["dissolve"] == ["347"]
    successor = {old: a["code"] for a in data["agencies"] for old in a["from"]}
    commune_pc = successor["000.01.21.H40"]
    assert successor["000.02.21.H40"] == commune_pc
    assert successor["000.00.21.H40"] == commune_pc  # the district's seat [check], to review
    assert successor["000.00.01.H40"] == successor["000.00.02.H40"]  # KH&ĐT into Tài chính
    assert any("347" in r and "seat" in r for r in data["review"])
    assert {p["code"]: p.get("to_level") for p in data["procedures"]}["2.000001"] == "commune"


def test_apply_moves_everything_and_loses_nothing(hanam):
    before_report = catalogue_report.build(
        on=date(2020, 12, 31), period=(date(2017, 1, 1), date(2020, 12, 31))
    )
    before_06a = report_06a(date(2025, 4, 1), date(2025, 6, 30))
    assert before_report["procedures"]["by_level"]["district"] == 1
    assert before_report["one_stop_units"]["district_level"] == 1
    rows = {row["agency"]: row for row in before_06a["rows"]}
    # The comparison can see a difference: the district's two dossiers are in its row.
    assert rows["000.00.21.H40"]["received"]["counter_post"] == 2
    events = set(DossierEvent.objects.values_list("pk", "dossier_id", "action", "at"))
    closed_before = Dossier.objects.filter(pk=hanam["closed"].pk).values().get()

    call_command("reorganise", "apply", str(hanam["path"]))

    # Units: Hà Nam ends, Ninh Bình is in force, no district is.
    assert AdminUnit.objects.get(code="35").valid_to == DAY
    assert AdminUnit.objects.valid_on(DAY).filter(code="37").exists()
    assert not AdminUnit.objects.valid_on(DAY).filter(level=Level.DISTRICT).exists()
    assert AdminUnit.objects.valid_on(date(2025, 6, 30)).filter(code="347").exists()
    new_ward = AdminUnit.objects.valid_on(DAY).get(code="13318")
    assert new_ward.parent.code == "37" and new_ward.level == Level.COMMUNE
    # Agencies: closed with their successors recorded.
    dpc = Agency.objects.get(code="000.00.21.H40")
    assert dpc.valid_to == DAY
    successor = AgencySuccession.objects.get(predecessor=dpc).successor
    assert successor.kind == AgencyKind.COMMUNE_PC and successor.valid_from == DAY
    assert org.successor_on(Agency.objects.get(code="000.01.21.H40"), DAY) == successor
    # Nothing lost: every event is still there, one transfer event per open dossier.
    assert events <= set(DossierEvent.objects.values_list("pk", "dossier_id", "action", "at"))
    transfers = DossierEvent.objects.filter(action="transfer")
    assert sorted(transfers.values_list("dossier_id", flat=True)) == sorted(
        [hanam["open"].pk, hanam["dept"].pk]
    )
    # Open dossiers: at an agency in force, code, deadline and status unchanged.
    for key in ("open", "dept"):
        old = hanam[key]
        new = Dossier.objects.get(pk=old.pk)
        assert new.current_agency.valid_to is None and new.current_agency.valid_from == DAY
        assert (new.code, new.deadline_at, new.due_at, new.status) == (
            old.code,
            old.deadline_at,
            old.due_at,
            old.status,
        )
        assert new.received_desk.agency == new.current_agency
    assert (
        not Dossier.objects.exclude(status__in=["returned", "refused", "withdrawn", "closed"])
        .filter(Q(current_agency__valid_to__lte=DAY))
        .exists()
    )
    # The closed dossier stays as it was (only `updated_at` could have moved: it did not).
    assert Dossier.objects.filter(pk=hanam["closed"].pk).values().get() == closed_before
    # Posts: old ones end, new ones begin at the successor.
    post = Officer.objects.get(user__username="motcua.phuly", agency=dpc)
    assert post.valid_to == DAY
    new_post = Officer.objects.get(user__username="motcua.phuly", valid_from=DAY)
    assert new_post.agency == successor and new_post.desk.agency == successor
    # Procedures: every version kept, the change a dated decision.
    old_proc = Procedure.objects.get(code="2.000001")
    assert old_proc.valid_to == DAY and old_proc.level == Level.DISTRICT
    assert Procedure.objects.get(code="2.000001-X").level == Level.COMMUNE
    dept_proc = Procedure.objects.get(code="1.000002")
    assert dept_proc.agency.valid_from == DAY
    versions = ProcedureVersion.objects.filter(procedure=dept_proc).order_by("number")
    assert [v.valid_to for v in versions] == [DAY, None]
    assert versions.last().decision.effective_on == DAY
    # Reports of the old periods: identical.
    assert (
        catalogue_report.build(on=date(2020, 12, 31), period=(date(2017, 1, 1), date(2020, 12, 31)))
        == before_report
    )
    assert report_06a(date(2025, 4, 1), date(2025, 6, 30)) == before_06a
    call_command("facts", "check")


def test_the_successor_goes_on_with_the_dossier(hanam):
    call_command("reorganise", "apply", str(hanam["path"]))
    dossier = Dossier.objects.get(pk=hanam["open"].pk)
    successor = dossier.current_agency
    assert dossiers.step_agency(dossier, None) == successor
    users = {u.username: u for u in User.objects.all()}
    # The desk officer and the specialist moved with the district: the dossier goes on at
    # the commune, never back to the closed district.
    dossiers.act(dossier, Action.FORWARD, users["motcua.phuly"], to_user=users["chuyenvien.phuly"])
    dossier.refresh_from_db()
    assert (dossier.current_agency, dossier.status) == (successor, "processing")
    dossiers.act(dossier, Action.COMPLETE, users["lanhdao.phuly"], result="Giấy chứng nhận")
    dossier.refresh_from_db()
    assert dossier.status == "result_ready" and dossier.current_agency == successor
    assert dossier.performing_agency.code == "000.00.21.H40"  # the statistics' agency
    call_command("facts", "check")


def test_applying_twice_changes_nothing(hanam, capsys):
    call_command("reorganise", "apply", str(hanam["path"]))
    before = snapshot_tables()
    call_command("reorganise", "apply", str(hanam["path"]))
    assert "đã được áp dụng" in capsys.readouterr().out  # "already applied", in Vietnamese
    assert snapshot_tables() == before
    assert Reorganisation.objects.count() == 1


def test_a_dry_run_writes_nothing_and_says_what_moves(hanam, capsys):
    before = snapshot_tables()
    call_command("reorganise", "apply", str(hanam["path"]), "--dry-run")
    out = capsys.readouterr().out
    assert hanam["open"].code in out and "Dry run" in out
    assert snapshot_tables() == before


@pytest.mark.parametrize(
    "step",
    ["_move_posts", "_move_procedures", "_move_processes", "_transfer_dossiers", "_check_result"],
)
def test_a_failure_half_way_leaves_every_table_as_it_was(hanam, monkeypatch, step):
    before = snapshot_tables()

    def boom(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(services, step, boom)
    with pytest.raises(RuntimeError):
        call_command("reorganise", "apply", str(hanam["path"]))
    assert snapshot_tables() == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["units"][1]["from"].append("99999"), "not in force"),
        (lambda d: d["agencies"][0]["from"].append("000.77.77.H40"), "Unknown agency"),
        (lambda d: d["units"][1]["from"].remove("13459"), "not in the plan"),
        (lambda d: d["units"].pop(), "not opened by this plan"),
        (lambda d: d.update(effective_on="2099-07-01"), "on or after"),
        (lambda d: d.update(effective_on="0001-07-01"), "between"),
        (lambda d: d.update(instrument="NQ\x00"), "control"),
        (
            lambda d: d["procedures"].append(
                {"code": "9.999", "to_level": "commune", "to_code": "9"}
            ),
            "not in force",
        ),
    ],
)
def test_a_hostile_or_wrong_plan_writes_nothing(hanam, tmp_path, change, words):
    data = json.loads(hanam["path"].read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot_tables()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("reorganise", "apply", str(path))
    assert words in str(refused.value)
    assert snapshot_tables() == before


def test_nul_and_huge_files_are_refused(tmp_path):
    nul = tmp_path / "nul.json"
    nul.write_bytes(b'{"format": "\x00"}')
    with pytest.raises(CommandError, match="NUL"):
        call_command("reorganise", "apply", str(nul))
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (plan.MAX_BYTES + 1))
    with pytest.raises(CommandError, match="larger"):
        call_command("reorganise", "apply", str(huge))
    assert not Reorganisation.objects.exists()


@pytest.mark.parametrize("code", ["35\x00", "x" * 10_000, "99999999999999999999", ""])
def test_a_hostile_province_code_is_refused_and_no_plan_written(tmp_path, code):
    output = tmp_path / "plan.json"
    with pytest.raises(CommandError, match="province code"):
        call_command("reorganise", "plan", "--province", code, "--on", "2025-07-01",
                     "--output", str(output))  # fmt: skip
    assert not output.exists()


def test_a_department_merged_into_one_in_force_then_the_province(hanam, tmp_path):
    """1 March 2025 (Nghị định 45/2025): Kế hoạch và Đầu tư merges into Tài chính, which
    stays; then the July plan, built afresh, closes the province."""
    merger = {
        "format": plan.FORMAT,
        "effective_on": "2025-03-01",
        "instrument": "Nghị định 45/2025/NĐ-CP",
        "province": "35",
        "decision": {"number": "QĐ-45", "title": "Công bố", "signed_on": "2025-02-28"},
        "agencies": [{"from": ["000.00.01.H40"], "code": "000.00.02.H40", "existing": True}],
    }
    path = tmp_path / "merger.json"
    path.write_text(json.dumps(merger), encoding="utf-8")
    call_command("reorganise", "apply", str(path))
    finance = Agency.objects.get(code="000.00.02.H40")
    assert Dossier.objects.get(pk=hanam["dept"].pk).current_agency == finance
    assert Procedure.objects.get(code="1.000002").agency == finance
    assert Officer.objects.get(user__username="motcua.khdt", valid_to=None).agency == finance
    assert AdminUnit.objects.get(code="35").valid_to is None

    july = build.build_plan("35", DAY)
    assert "000.00.01.H40" not in {code for a in july["agencies"] for code in a["from"]}
    path.write_text(json.dumps(july), encoding="utf-8")
    call_command("reorganise", "apply", str(path))
    assert org.successor_on(Agency.objects.get(code="000.00.01.H40"), DAY).valid_from == DAY
    assert (
        not Dossier.objects.exclude(status__in=["returned", "refused"])
        .filter(current_agency__valid_to__isnull=False)
        .exists()
    )
    assert DossierEvent.objects.filter(dossier=hanam["dept"], action="transfer").count() == 2


def _four_steps(procedure, agency, review_at=None) -> list[dict]:
    """Receipt, review (at `review_at` if given), approval, return: hours adding up to the
    procedure's time limit, as the process rules require."""
    total = dossiers.process_hours(procedure, agency)
    edge, leader = Decimal("1.00"), Decimal("2.00")
    P = ProcessStep.Performer
    rows = [
        ("Tiếp nhận", Role.DESK_OFFICER, P.RECEIVING_DESK, None, edge),
        (
            "Thẩm định",
            Role.SPECIALIST,
            P.AGENCY if review_at else P.PERFORMING_AGENCY,
            review_at,
            total - 2 * edge - leader,
        ),
        ("Phê duyệt", Role.LEADER, P.PERFORMING_AGENCY, None, leader),
        ("Trả kết quả", Role.DESK_OFFICER, P.RECEIVING_DESK, None, edge),
    ]
    return [
        {"position": i, "name": n, "role": r, "performer": p, "agency": a, "allotted_hours": h}
        for i, (n, r, p, a, h) in enumerate(rows, start=1)
    ]


def test_processes_follow_their_procedures_and_agencies(hanam):
    """After the change a new dossier at the successor finds an internal process: the
    merged department's own steps at Sở Tài chính of Ninh Bình; the district procedure's
    replacement at the commune level has the commune's own review instead of the closed
    district office's."""
    dept_proc = Procedure.objects.get(code="1.000002")
    district_proc = Procedure.objects.get(code="2.000001")
    plan_dept = Agency.objects.get(code="000.00.01.H40")
    justice = Agency.objects.get(code="000.61.21.H40")
    old_dept = configuration.save_process(
        {"procedure": dept_proc, "agency": plan_dept, "name": "KHĐT", "is_active": True},
        _four_steps(dept_proc, plan_dept),
        None,
    )
    configuration.save_process(
        {"procedure": district_proc, "agency": None, "name": "Cấp huyện", "is_active": True},
        _four_steps(district_proc, None, review_at=justice),
        None,
    )
    call_command("reorganise", "apply", str(hanam["path"]))

    dept_proc.refresh_from_db()
    new_dept = dept_proc.agency
    assert new_dept.name == "Sở Tài chính tỉnh Ninh Bình" and new_dept.valid_to is None
    carried = dossiers.process_for(dept_proc, new_dept)
    assert carried is not None and carried.agency == new_dept and carried.pk != old_dept.pk
    assert [
        (s.role, s.performer, s.allotted_hours) for s in carried.steps.order_by("position")
    ] == [(s.role, s.performer, s.allotted_hours) for s in old_dept.steps.order_by("position")]
    old_dept.refresh_from_db()
    assert old_dept.is_active is False  # kept, with its steps, for the dossiers on them
    assert old_dept.steps.count() == 4

    commune_proc = Procedure.objects.get(code="2.000001-X")
    commune = Agency.objects.get(name="UBND phường Châu Sơn", valid_to__isnull=True)
    own = dossiers.process_for(commune_proc, commune)
    assert own is not None and own.agency is None
    review = own.steps.get(position=2)
    assert (review.performer, review.agency) == (ProcessStep.Performer.PERFORMING_AGENCY, None)

    # A new dossier at the successor department starts on the carried process.
    desk = new_dept.desks.get()
    officer = User.objects.create_user("motcua.stc", password="pw-not-used-123")
    org.appoint(officer, new_dept, Role.DESK_OFFICER, DAY, desk=desk)
    dossier = dossiers.receive(
        procedure=dept_proc,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=officer,
        desk=desk,
        check_complete=False,
    )
    assert dossier.current_step.process == carried
    assert Process.objects.filter(procedure=dept_proc, is_active=True).count() == 1


def test_a_commune_whose_district_was_reclassified_then_merged_is_traced():
    """Kim Bảng became a thị xã on 1/1/2025 (its communes' rows were renewed under it) and,
    the same day, xã Nhật Tựu merged into phường Tân Tựu: the plan must find Nhật Tựu's
    People's Committee through both steps, not leave it in force."""
    from motcua.org import demo as org_demo

    day = "2025-01-01"
    data = {
        "province": {"code": "35", "name": "Tỉnh Hà Nam", "type": "Tỉnh"},
        "districts": [
            {"code": "350", "name": "Huyện Kim Bảng", "type": "Huyện", "valid_from": None}
        ],
        "communes": [
            {"code": c, "name": n, "type": "Xã", "district_code": "350", "valid_from": None}
            for c, n in (("13399", "Xã Nhật Tựu"), ("13402", "Xã Nhật Tân"))
        ],
        "changes": [
            {"date": day, "instrument": "NQ 1288", "kind": "reclassify", "code": "350",
             "new_name": "Thị xã Kim Bảng", "new_type": "Thị xã"},
            {"date": day, "instrument": "NQ 1288", "kind": "merge",
             "from_codes": ["13399", "13402"], "into_code": "13402",
             "new_name": "Phường Tân Tựu", "new_type": "Phường"},
        ],
    }  # fmt: skip
    org_demo.load_units(data=data)
    first = AdminUnit.objects.filter(code="13399").order_by("pk").first()
    assert first.valid_to == date(2025, 1, 1)
    assert build.current_code(first) == "13402"
