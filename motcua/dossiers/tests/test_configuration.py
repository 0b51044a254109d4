"""Processes, steps, chains and delegations are written only by the services, also from the
admin; supervisors configure processes and chains there, other officers do not."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from motcua.catalog.tests.factories import make_procedure
from motcua.core.models import AuditEvent
from motcua.dossiers import configuration, services
from motcua.dossiers.models import (
    ChainLink,
    Delegation,
    InterAgencyChain,
    Process,
    ProcessStep,
)
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.org.models import User

pytestmark = pytest.mark.django_db
R = Role
P = ProcessStep.Performer


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the msgids); the portal's default is Vietnamese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def province():
    return make_province()


@pytest.fixture
def procedure(province):
    """A procedure of 2 working days (16 working hours) without a process yet."""
    return make_procedure(
        name="Cấp bản sao trích lục", agency=province.justice.code, local_duration="2"
    )


def four_steps(hours=("2", "10", "2", "2"), roles=None):
    roles = roles or (R.DESK_OFFICER, R.SPECIALIST, R.LEADER, R.DESK_OFFICER)
    performers = (P.RECEIVING_DESK, P.PERFORMING_AGENCY, P.PERFORMING_AGENCY, P.RECEIVING_DESK)
    return [
        {
            "position": i,
            "name": f"Bước {i}",
            "role": role,
            "performer": performer,
            "agency": None,
            "allotted_hours": Decimal(h),
        }
        for i, (role, performer, h) in enumerate(zip(roles, performers, hours, strict=True), 1)
    ]


def header(procedure, agency, **extra):
    return {
        "procedure": procedure,
        "agency": agency,
        "name": "Quy trình thử",
        "is_active": True,
    } | extra


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The service ------------------------------------------------------------------------------


def test_save_process_writes_steps_and_an_audit_event(province, procedure):
    actor = province.officer("center", R.SUPERVISOR)
    process = configuration.save_process(header(procedure, province.justice), four_steps(), actor)
    assert [(s.position, s.role) for s in process.steps.order_by("position")] == [
        (1, R.DESK_OFFICER),
        (2, R.SPECIALIST),
        (3, R.LEADER),
        (4, R.DESK_OFFICER),
    ]
    event = AuditEvent.objects.get(action="process.created", object_id=str(process.pk))
    assert event.actor == actor
    assert [s["hours"] for s in event.data["steps"]] == ["2.00", "10.00", "2.00", "2.00"]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([], "at least one step"),
        (four_steps(roles=(R.SPECIALIST, R.SPECIALIST, R.LEADER, R.DESK_OFFICER)), "receipt"),
        (
            four_steps(roles=(R.DESK_OFFICER, R.SPECIALIST, R.SPECIALIST, R.DESK_OFFICER)),
            "approval",
        ),
        (four_steps(hours=("2", "12", "2", "2")), "18 working hours"),
        ([s | {"position": 1} for s in four_steps()], "same position"),
        ([s | {"position": 1000 + s["position"]} for s in four_steps()], "1 to 999"),
        ([*four_steps()[:3], four_steps()[3] | {"performer": P.AGENCY}], "choose the agency"),
        ([*four_steps()[:3], four_steps()[3] | {"name": "x\x00"}], "Step 4 needs a name"),
        ([*four_steps()[:3], four_steps()[3] | {"name": "x" * 10_000}], "Step 4 needs a name"),
        ([*four_steps()[:3], four_steps()[3] | {"allotted_hours": Decimal("-2")}], "above zero"),
    ],
)
def test_a_process_the_core_cannot_run_is_refused_and_nothing_is_written(
    province, procedure, steps, expected
):
    before = (Process.objects.count(), ProcessStep.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        configuration.save_process(header(procedure, province.justice), steps, None)
    assert expected in messages_of(refused.value)
    after = (Process.objects.count(), ProcessStep.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_one_active_process_per_procedure_and_agency_including_every_agency(province, procedure):
    configuration.save_process(header(procedure, None), four_steps(), None)
    with pytest.raises(ValidationError) as refused:
        configuration.save_process(header(procedure, None, name="Bản thứ hai"), four_steps(), None)
    assert "already active" in messages_of(refused.value)
    # Inactive, it may be saved; activating it is then refused while the other is active.
    second = configuration.save_process(
        header(procedure, None, name="Bản thứ hai", is_active=False), four_steps(), None
    )
    with pytest.raises(ValidationError):
        configuration.set_process_active(second, True, None)
    first = Process.objects.get(procedure=procedure, is_active=True)
    configuration.set_process_active(first, False, None)
    configuration.set_process_active(second, True, None)
    assert list(Process.objects.filter(procedure=procedure, is_active=True)) == [second]
    assert AuditEvent.objects.filter(action="process.deactivated", object_id=str(first.pk)).exists()


def test_positions_can_be_swapped_in_one_save(province, procedure):
    process = configuration.save_process(header(procedure, province.justice), four_steps(), None)
    steps = [
        {"id": s.pk, **{f: getattr(s, f) for f in configuration.STEP_FIELDS}}
        for s in process.steps.order_by("position")
    ]
    steps[1]["position"], steps[2]["position"] = 3, 2  # review after approval, then back
    steps[1]["role"], steps[2]["role"] = R.SPECIALIST, R.LEADER
    configuration.save_process(header(procedure, province.justice), steps, None, process=process)
    assert list(process.steps.order_by("position").values_list("pk", flat=True)) == [
        steps[0]["id"],
        steps[2]["id"],
        steps[1]["id"],
        steps[3]["id"],
    ]


def test_a_step_dossiers_are_at_is_never_removed(province):
    receive_at_counter(province)  # the dossier is at the first step of the process
    process = Process.objects.get(procedure=province.procedure)
    kept = [
        {"id": s.pk, **{f: getattr(s, f) for f in configuration.STEP_FIELDS}}
        for s in process.steps.order_by("position")
    ]
    new_first = kept[0] | {"id": None}
    with pytest.raises(ValidationError) as refused:
        configuration.save_process(
            header(province.procedure, province.justice), [new_first, *kept[1:]], None, process
        )
    assert "used by dossiers" in messages_of(refused.value)
    assert process.steps.filter(pk=kept[0]["id"]).exists()


def test_chains_need_two_links_and_keep_their_links_once_followed(province, procedure):
    other = make_procedure(name="Đăng ký thường trú", local_duration="3")
    links = [
        {"position": 1, "procedure": procedure, "agency": None},
        {"position": 2, "procedure": other, "agency": None},
    ]
    with pytest.raises(ValidationError):
        configuration.save_chain({"name": "Liên thông thử"}, links[:1], None)
    chain = configuration.save_chain({"name": "Liên thông thử", "legal_basis": ""}, links, None)
    assert chain.links.count() == 2
    assert AuditEvent.objects.filter(action="chain.created", object_id=str(chain.pk)).exists()
    with pytest.raises(ValidationError) as refused:
        configuration.save_chain({"name": "x\x00"}, links, None)
    assert "Null characters" in messages_of(refused.value)


# --- Through the admin ------------------------------------------------------------------------


def step_rows(steps, prefix="steps", initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(steps)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(steps):
        for field, value in step.items():
            data[f"{prefix}-{i}-{field}"] = "" if value is None else str(value)
    return data


def add_form(procedure, agency, steps, **fields):
    data = {
        "procedure": procedure.pk,
        "agency": agency.pk,
        "name": "Quy trình thử",
        "is_active": "on",
    }
    return data | fields | step_rows(steps)


@pytest.fixture
def supervisor_client(client, province):
    client.force_login(province.officer("center", R.SUPERVISOR))
    return client


def test_a_supervisor_configures_processes_in_the_admin(supervisor_client, province, procedure):
    client = supervisor_client
    assert client.get("/admin/dossiers/process/").status_code == 200
    assert client.get("/admin/dossiers/process/add/").status_code == 200
    assert client.get("/admin/dossiers/interagencychain/").status_code == 200
    assert client.get("/admin/dossiers/delegation/").status_code == 200
    assert client.get("/admin/dossiers/dossier/").status_code == 200
    response = client.post(
        "/admin/dossiers/process/add/", add_form(procedure, province.justice, four_steps())
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    process = Process.objects.get(procedure=procedure)
    assert process.steps.count() == 4
    event = AuditEvent.objects.get(action="process.created", object_id=str(process.pk))
    assert event.actor == province.officer("center", R.SUPERVISOR)
    assert client.get(f"/admin/dossiers/process/{process.pk}/change/").status_code == 200
    # Processes are deactivated, never deleted.
    assert client.get(f"/admin/dossiers/process/{process.pk}/delete/").status_code == 403
    assert "delete_selected" not in client.get("/admin/dossiers/process/").content.decode()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "steps": four_steps(
                    roles=(R.DESK_OFFICER, R.SPECIALIST, R.SPECIALIST, R.DESK_OFFICER)
                )
            },
            "approval",
        ),
        ({"steps": four_steps(hours=("2", "11", "2", "2"))}, "17"),
        ({"name": "Quy trình\x00"}, None),
        ({"name": "x" * 10_000}, "300"),
        ({"steps": four_steps(hours=("2", "99999999", "2", "2"))}, "digits"),
    ],
)
def test_an_invalid_process_shows_errors_and_writes_nothing(
    supervisor_client, province, procedure, change, expected
):
    steps = change.pop("steps", four_steps())
    before = (Process.objects.count(), ProcessStep.objects.count(), AuditEvent.objects.count())
    response = supervisor_client.post(
        "/admin/dossiers/process/add/",
        add_form(procedure, province.justice, steps, **change),
    )
    if expected is None:  # refused at the edge (core/hostile.py), before the admin runs
        assert response.status_code == 400
    else:
        assert response.status_code == 200
        form = response.context["adminform"].form
        formset = response.context["inline_admin_formsets"][0].formset
        shown = str(form.errors) + str(formset.non_form_errors()) + str(formset.errors)
        assert expected in shown
    after = (Process.objects.count(), ProcessStep.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_a_second_active_process_is_a_clear_error_in_the_admin(supervisor_client, province):
    response = supervisor_client.post(
        "/admin/dossiers/process/add/",
        add_form(province.procedure, province.justice, four_steps(hours=("4", "24", "8", "4"))),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert Process.objects.get(procedure=province.procedure).name in str(errors)
    assert Process.objects.filter(procedure=province.procedure).count() == 1


def test_a_supervisor_adds_a_chain_in_the_admin(supervisor_client, procedure):
    other = make_procedure(name="Đăng ký thường trú", local_duration="3")
    data = {"name": "Khai sinh – thường trú", "legal_basis": "", "is_active": "on"}
    data |= step_rows(
        [{"position": 1, "procedure": procedure.pk}, {"position": 2, "procedure": other.pk}],
        prefix="links",
    )
    response = supervisor_client.post("/admin/dossiers/interagencychain/add/", data)
    assert response.status_code == 302
    chain = InterAgencyChain.objects.get()
    assert sorted(chain.links.values_list("position", flat=True)) == [1, 2]
    assert AuditEvent.objects.filter(action="chain.created", object_id=str(chain.pk)).exists()
    assert (
        supervisor_client.get(f"/admin/dossiers/interagencychain/{chain.pk}/delete/").status_code
        == 403
    )
    # One link only: refused, nothing written.
    data |= {"links-TOTAL_FORMS": "1", "name": "Một mắt xích"}
    response = supervisor_client.post("/admin/dossiers/interagencychain/add/", data)
    assert response.status_code == 200
    assert InterAgencyChain.objects.count() == 1 and ChainLink.objects.count() == 2


@pytest.mark.parametrize("role", [R.DESK_OFFICER, R.SPECIALIST, R.LEADER])
def test_other_officers_do_not_configure_processes(client, province, role):
    client.force_login(province.officer("justice", role))
    response = client.get("/admin/dossiers/process/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_supervisor_role_gets_403(client, province):
    """An administrator's post makes a user staff; without superuser rights or the
    supervisor's group the process pages are forbidden."""
    user = User.objects.create_user("admin.post", password="pw-not-used-123")
    org_services.appoint(user, province.center, R.ADMIN)
    client.force_login(user)
    assert client.get("/admin/dossiers/process/").status_code == 403
    assert client.get("/admin/dossiers/process/add/").status_code == 403


# --- Delegations through the admin ------------------------------------------------------------


def delegation_form(province, start, end, **extra):
    return {
        "leader": province.officer("justice", R.LEADER).pk,
        "deputy": province.officer("justice", R.SPECIALIST).pk,
        "agency": province.justice.pk,
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": "07:30:00",
        "ends_at_0": f"{end:%Y-%m-%d}",
        "ends_at_1": "17:30:00",
        "reason": "Đi công tác",
    } | extra


def test_delegations_in_the_admin_go_through_the_services(admin_client, admin_user, province):
    today = timezone.localdate()
    url = "/admin/dossiers/delegation/add/"
    # Started yesterday, so that "end now" ends it whatever the hour the test runs at.
    started = today - timedelta(days=1)
    response = admin_client.post(url, delegation_form(province, started, today + timedelta(days=3)))
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    created = AuditEvent.objects.get(action="delegation.created", object_id=str(delegation.pk))
    assert created.actor == admin_user
    # Overlapping the first: the service refuses, the form shows it.
    response = admin_client.post(
        url, delegation_form(province, today + timedelta(days=1), today + timedelta(days=5))
    )
    assert response.status_code == 200
    assert "already has a delegation" in str(response.context["adminform"].form.non_field_errors())
    # Not a leader of the agency: refused.
    bad = delegation_form(
        province,
        today + timedelta(days=10),
        today + timedelta(days=11),
        leader=province.officer("justice", R.DESK_OFFICER).pk,
    )
    assert admin_client.post(url, bad).status_code == 200
    assert Delegation.objects.count() == 1
    # Ended through end_delegation: the record stays, an audit event says so.
    change = f"/admin/dossiers/delegation/{delegation.pk}/change/"
    assert admin_client.post(change, {"end_now": "on"}).status_code == 302
    delegation.refresh_from_db()
    assert delegation.ends_at <= timezone.now()
    assert AuditEvent.objects.filter(
        action="delegation.ended", object_id=str(delegation.pk)
    ).exists()
    assert (
        admin_client.get(f"/admin/dossiers/delegation/{delegation.pk}/delete/").status_code == 403
    )


@pytest.mark.parametrize(
    "dates",
    [
        (date(9999, 12, 30), date(9999, 12, 31)),
        (date(1, 1, 1), date(1, 1, 2)),
    ],
)
def test_hostile_delegation_dates_are_form_errors(admin_client, province, dates):
    response = admin_client.post(
        "/admin/dossiers/delegation/add/", delegation_form(province, *dates)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Delegation.objects.exists()
    assert not AuditEvent.objects.filter(action="delegation.created").exists()


def test_hostile_delegation_reason_is_a_form_error(admin_client, province):
    today = timezone.localdate()
    for reason, status in (("x\x00y", 400), ("x" * 10_000, 200)):
        form = delegation_form(province, today, today + timedelta(days=1), reason=reason)
        response = admin_client.post("/admin/dossiers/delegation/add/", form)
        assert response.status_code == status
        if status == 200:
            assert "reason" in response.context["adminform"].form.errors
    assert not Delegation.objects.exists()


def test_supervisors_see_delegations_but_do_not_write_them(supervisor_client, province):
    assert supervisor_client.get("/admin/dossiers/delegation/add/").status_code == 403


def test_processes_are_deactivated_through_the_service_in_the_admin(supervisor_client, province):
    process = Process.objects.get(procedure=province.procedure)
    action = {"action": "deactivate", "_selected_action": [process.pk]}
    assert supervisor_client.post("/admin/dossiers/process/", action).status_code == 302
    process.refresh_from_db()
    assert not process.is_active
    assert AuditEvent.objects.filter(
        action="process.deactivated", object_id=str(process.pk)
    ).exists()
    # A second active process of the same procedure and agency: activation is refused.
    configuration.save_process(
        header(province.procedure, province.justice, name="Quy trình mới"),
        four_steps(hours=("4", "24", "8", "4")),
        None,
    )
    action["action"] = "activate"
    response = supervisor_client.post("/admin/dossiers/process/", action, follow=True)
    assert "already active" in response.content.decode()
    process.refresh_from_db()
    assert not process.is_active


def test_a_refusal_at_save_time_rolls_back_and_is_said_on_the_page(
    supervisor_client, province, procedure, monkeypatch
):
    """Another save between the form's check and the service's: the service refuses inside
    the save; the admin rolls everything back and shows the reason, not a server error."""

    def changed_meanwhile(*args, **kwargs):
        Process.objects.create(procedure=procedure, name="written, then rolled back")
        raise ValidationError("Saved by someone else in the meantime.")

    monkeypatch.setattr(configuration, "save_process", changed_meanwhile)
    before = (Process.objects.count(), AuditEvent.objects.count())
    response = supervisor_client.post(
        "/admin/dossiers/process/add/",
        add_form(procedure, province.justice, four_steps()),
        follow=True,
    )
    assert response.status_code == 200
    assert "Saved by someone else" in response.content.decode()
    assert (Process.objects.count(), AuditEvent.objects.count()) == before


def test_a_supervisor_views_a_delegation(supervisor_client, province):
    now = timezone.now()
    delegation = services.delegate(
        leader=province.officer("justice", R.LEADER),
        deputy=province.officer("justice", R.SPECIALIST),
        agency=province.justice,
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )
    url = f"/admin/dossiers/delegation/{delegation.pk}/change/"
    assert supervisor_client.get(url).status_code == 200
    assert supervisor_client.post(url, {"end_now": "on"}).status_code == 403
    delegation.refresh_from_db()
    assert delegation.ends_at > now
