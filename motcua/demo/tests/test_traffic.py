"""Demo traffic (`motcua seed hanam-2020 --dossiers N`): processes for every procedure, the
report's two chains, officers, and dossiers that are legal, timely as worktime says, and
shaped as docs/demo-data.md says (the province: conftest.py)."""

import random
import re
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.test import override_settings

from motcua.catalog.models import Procedure
from motcua.demo import setup
from motcua.demo.org import Org
from motcua.demo.planner import Planner
from motcua.demo.tests.conftest import FAST_HASHER, NOW, VN, N
from motcua.demo.writer import BulkWriter
from motcua.dossiers import codes, services, workflow
from motcua.dossiers.models import (
    Channel,
    Dossier,
    DossierCounter,
    DossierEvent,
    InterAgencyChain,
    Process,
    ProcessStep,
    SupplementRequest,
    Timeliness,
    since_arrival,
)
from motcua.dossiers.validation import normalise_phone, valid_tax_code
from motcua.dossiers.views import urgency
from motcua.dossiers.workflow import OPEN, Action, Status
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, User
from motcua.worktime.calendars import get_calendar

pytestmark = pytest.mark.django_db
A, S, R = Action, Status, Role


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
            assert [s.role for s in steps] == list(setup.STEP_ROLES)
            total = sum((s.allotted_hours for s in steps), Decimal(0))
            assert total == services.process_hours(procedure)
            if procedure.level == Level.COMMUNE:
                assert {s.performer for s in steps} == {ProcessStep.Performer.PERFORMING_AGENCY}
            if procedure.level == Level.DISTRICT and setup.office_name(procedure):
                review = steps[1]
                assert review.agency.parent_id == agency.pk
                assert review.agency.short_name == setup.office_name(procedure)


def test_the_reports_two_chains_are_configured_on_catalogue_procedures(province):
    chains = {c.name: c for c in InterAgencyChain.objects.all()}
    death, birth = (chains[spec.name] for spec in setup.CHAINS)
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


def test_no_event_predates_its_dossiers_arrival(province):
    """The bound one dossier's event reads rely on (models.since_arrival): every event of a
    dossier is dated at or after it was submitted, else received; a dossier that never
    arrived has no dated bound, and its events are all read."""
    arrival = Coalesce("dossier__submitted_at", "dossier__received_at")
    events = DossierEvent.objects.annotate(arrival=arrival)
    assert events.exists()
    assert not events.filter(at__lt=models.F("arrival")).exists()
    for dossier in Dossier.objects.order_by("?")[:200]:
        everything = set(dossier.events.values_list("pk", flat=True))
        assert set(dossier.events.filter(since_arrival(dossier)).values_list("pk", flat=True)) == (
            everything
        )


def test_timeliness_is_judged_on_processing_finished_by_date(province):
    """Rule 6: timeliness is decided on processing finished against the legal deadline,
    by date; the result may be returned days later; late ones all apologised."""
    finished = Dossier.objects.exclude(timeliness="").select_related("procedure")
    assert finished.count() > N * 0.7
    for d in finished:
        cal = get_calendar(d.performing_agency_id)
        assert d.timeliness == cal.classify_finished(d.deadline_at, d.finished_at), d.code
        if d.chain_id and d.parent_id is None:
            continue  # the chain's combined limit, checked in the chain test
        pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in d.pauses]
        assert d.deadline_at == services.deadline_for(d, pauses), d.code
    returned = Dossier.objects.filter(status=S.RETURNED, parent=None)
    assert not returned.filter(timeliness="").exists()
    assert not returned.filter(returned_at__lt=models.F("finished_at")).exists()
    later = returned.filter(returned_at__gt=models.F("finished_at") + timedelta(days=2))
    assert later.count() > returned.count() * 0.03  # some collected days after ready
    late = returned.filter(timeliness=Timeliness.LATE)
    assert 0 < late.count() < returned.count() * 0.1  # the report: >= 95 % on time
    assert not late.exclude(events__action=A.APOLOGISE).exists()  # each late one apologised
    assert not Dossier.objects.filter(
        apologised_at__isnull=False, due_at__lte=models.F("deadline_at")
    ).exists()  # the new appointment is after the legal deadline


def test_2025_rules_shape_the_histories(province):
    """The leader of the last processing step signs (complete, never approve); supplement
    requests after receipt are SupplementRequest rows and restart the time limit; stops
    record the request; submissions carry their check time."""
    assert not DossierEvent.objects.filter(action=A.APPROVE).exists()
    signed = DossierEvent.objects.filter(action=A.COMPLETE, dossier__chain=None)
    assert signed.exists()
    assert not signed.exclude(actor__posts__role=R.LEADER).exists()
    after = SupplementRequest.objects.filter(after_receipt=True)
    assert after.count() == sum(Dossier.objects.values_list("supplement_count", flat=True))
    assert after.filter(supplemented_at__isnull=False).exists()
    assert SupplementRequest.objects.filter(after_receipt=False).exists()
    for d in Dossier.objects.filter(
        supplement_requests__supplemented_at__isnull=False, supplement_requests__after_receipt=True
    ).distinct()[:20]:
        last = d.supplement_requests.order_by("requested_at").last()
        assert d.deadline_at > last.supplemented_at  # restarted from the supplement
    stops = DossierEvent.objects.filter(action=A.WITHDRAW)
    assert stops.exists() and not stops.filter(comment="").exists()
    assert not stops.filter(from_status=S.RESULT_READY).exists()
    submitted = Dossier.objects.filter(status=S.SUBMITTED)
    assert submitted.exists() and not submitted.filter(check_due_at=None).exists()
    received = Dossier.objects.filter(parent=None, received_at__isnull=False)
    assert not received.filter(transfer_due_at=None).exists()
    assert not received.exclude(check_due_at=None).exists()


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
    org = Org()
    planner = Planner(org, random.Random(3), NOW)
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
            writer = BulkWriter(org)
            writer.write(plan)
            writer.flush()
            assert Dossier.objects.count() - before == plan.rows
            transaction.set_rollback(True)
        seen.add(plan.rows)
    assert seen == {2, 3, 4}
