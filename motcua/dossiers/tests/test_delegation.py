"""Delegation of a leader's approval to a deputy, and supervisors editing processes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers import permissions, services
from motcua.dossiers.models import Delegation, Process
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
R = Role


@pytest.fixture
def province():
    return make_province()


def at_leader_step(province):
    desk = province.officer("justice", R.DESK_OFFICER)
    dossier = receive_at_counter(province)
    dossier = services.act(dossier, Action.FORWARD, desk)
    specialist = province.officer("justice", R.SPECIALIST)
    return services.act(dossier, Action.FORWARD, specialist)


def fresh(user):
    """The same user without the per-request cache of posts."""
    return type(user).objects.get(pk=user.pk)


def test_deputy_approves_only_while_the_delegation_is_in_force(client, province):
    leader = province.officer("justice", R.LEADER)
    deputy = province.officer("justice", R.SPECIALIST)
    dossier = at_leader_step(province)
    assert not permissions.can(fresh(deputy), Action.COMPLETE, dossier)
    now = timezone.now()
    delegation = services.delegate(
        leader=leader,
        deputy=deputy,
        agency=province.justice,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        reason="Đi công tác",
    )
    assert permissions.can(fresh(deputy), Action.COMPLETE, dossier)
    dossier = services.act(dossier, Action.COMPLETE, fresh(deputy))
    assert dossier.status in (Status.PROCESSING, Status.RESULT_READY)
    # The event says whose approval the deputy gave, and the dossier page shows it.
    approval = dossier.events.get(action=Action.COMPLETE)
    assert approval.actor == deputy
    assert approval.data["on_behalf_of"] == leader.username
    assert approval.data["delegation"] == delegation.pk
    client.force_login(leader)
    page = client.get(f"/office/dossiers/{dossier.code}/").content.decode()
    assert f"(thừa ủy quyền của {leader.username})" in page
    services.end_delegation(delegation, actor=leader)
    assert not permissions.can(fresh(deputy), Action.COMPLETE, dossier)
    assert Delegation.objects.filter(pk=delegation.pk).exists()  # kept, ended
    actions = list(
        AuditEvent.objects.filter(object_type="dossiers.delegation", object_id=str(delegation.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["delegation.created", "delegation.ended"]


def test_delegation_rules(province):
    leader = province.officer("justice", R.LEADER)
    now = timezone.now()
    period = {"starts_at": now, "ends_at": now + timedelta(days=1)}
    with pytest.raises(services.NotAllowed):  # a specialist is not a leader
        services.delegate(
            leader=province.officer("justice", R.SPECIALIST),
            deputy=province.officer("justice", R.DESK_OFFICER),
            agency=province.justice,
            **period,
        )
    with pytest.raises(services.DossierError):  # a deputy of another agency
        services.delegate(
            leader=leader,
            deputy=province.officer("health", R.SPECIALIST),
            agency=province.justice,
            **period,
        )
    with pytest.raises(services.DossierError):  # ends before it starts
        services.delegate(
            leader=leader,
            deputy=province.officer("justice", R.SPECIALIST),
            agency=province.justice,
            starts_at=now,
            ends_at=now - timedelta(hours=1),
        )
    services.delegate(
        leader=leader,
        deputy=province.officer("justice", R.SPECIALIST),
        agency=province.justice,
        **period,
    )
    with pytest.raises(services.DossierError):  # overlapping period
        services.delegate(
            leader=leader,
            deputy=province.officer("justice", R.DESK_OFFICER),
            agency=province.justice,
            starts_at=now + timedelta(hours=2),
            ends_at=now + timedelta(days=2),
        )
    assert Delegation.objects.count() == 1


def test_delegation_page(client, province):
    leader = province.officer("justice", R.LEADER)
    deputy = province.officer("justice", R.SPECIALIST)
    client.force_login(leader)
    page = client.get("/office/delegations/")
    assert page.status_code == 200
    assert list(page.context["form"].fields["deputy"].queryset) == [
        province.officer("justice", R.DESK_OFFICER),
        deputy,
    ] or set(page.context["form"].fields["deputy"].queryset) == {
        province.officer("justice", R.DESK_OFFICER),
        deputy,
    }
    now = timezone.localtime()
    response = client.post(
        "/office/delegations/",
        {
            "agency": province.justice.pk,
            "deputy": deputy.pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Nghỉ phép",
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.leader, delegation.deputy) == (leader, deputy)
    # Bad input: a clear message, nothing stored.
    response = client.post(
        "/office/delegations/",
        {"agency": province.justice.pk, "deputy": deputy.pk, "starts_at": "x", "ends_at": ""},
    )
    assert response.status_code == 400 and Delegation.objects.count() == 1
    # Only the leader who gave it ends it.
    client.force_login(deputy)
    assert client.post(f"/office/delegations/{delegation.pk}/end/").status_code == 404
    assert client.get("/office/delegations/").context["can_delegate"] is False
    client.force_login(leader)
    client.post(f"/office/delegations/{delegation.pk}/end/")
    delegation.refresh_from_db()
    assert delegation.ends_at <= timezone.now()


def test_supervisor_edits_a_process_whose_steps_add_up(admin_client, province):
    process = Process.objects.get()
    steps = list(process.steps.all())
    url = f"/admin/dossiers/process/{process.pk}/change/"
    assert admin_client.get(url).status_code == 200
    data = {
        "procedure": province.procedure.pk,
        "agency": province.justice.pk,
        "name": process.name,
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "1",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, step in enumerate(steps):
        data |= {
            f"steps-{i}-id": step.pk,
            f"steps-{i}-process": process.pk,
            f"steps-{i}-position": step.position,
            f"steps-{i}-name": step.name,
            f"steps-{i}-role": step.role,
            f"steps-{i}-performer": step.performer,
            f"steps-{i}-allotted_hours": str(step.allotted_hours),
        }
    # 5 working days = 40 hours; raising the review to 32 hours makes 48: refused.
    data["steps-1-allotted_hours"] = "32"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "40" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert process.steps.get(position=2).allotted_hours == 24
    # Moving 8 hours from review to approval keeps 40: saved.
    data["steps-1-allotted_hours"] = "16"
    data["steps-2-allotted_hours"] = "16"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert process.steps.get(position=3).allotted_hours == 16


def test_dossiers_are_read_only_in_the_admin(admin_client, province):
    dossier = at_leader_step(province)
    assert admin_client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/dossiers/dossier/{dossier.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert type(dossier).objects.filter(pk=dossier.pk).exists()
