"""Officers' posts: written only by org.services (also from the admin), with the role's group,
the staff flag, the overlap check and an audit event."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from motcua.core.models import AuditEvent
from motcua.org import services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, Officer, User

pytestmark = pytest.mark.django_db
R = Role


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the msgids); the portal's default is Vietnamese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def agency():
    return Agency.objects.create(
        code="000.00.01.H40", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )


@pytest.fixture
def other_agency():
    return Agency.objects.create(
        code="000.00.02.H40", name="Sở Y tế", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )


@pytest.fixture
def user():
    return User.objects.create_user("nguyen.an", password="pw-not-used-123")


def groups(user) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def is_staff(user) -> bool:
    return User.objects.get(pk=user.pk).is_staff


def counts():
    return Officer.objects.count(), AuditEvent.objects.count()


# --- The services ------------------------------------------------------------------------------


def test_appointing_a_supervisor_gives_the_group_staff_and_an_audit_event(user, agency):
    actor = User.objects.create_superuser("root", password="pw-not-used-123")
    post = services.appoint(user, agency, R.SUPERVISOR, date(2026, 1, 1), actor=actor)
    assert groups(user) == {"role:supervisor"} and is_staff(user)
    event = AuditEvent.objects.get(action="officer.appointed", object_id=str(post.pk))
    assert event.actor == actor and event.data["valid_from"] == "2026-01-01"


def test_a_desk_officer_gets_the_group_but_not_the_admin(user, agency):
    services.appoint(user, agency, R.DESK_OFFICER)
    assert groups(user) == {"role:desk_officer"} and not is_staff(user)


@pytest.mark.parametrize(
    ("first", "second", "overlaps"),
    [
        ((None, None), (date(2026, 1, 1), None), True),
        ((date(2025, 1, 1), date(2026, 1, 1)), (date(2025, 12, 31), None), True),
        ((date(2025, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), None), False),  # next day
        ((date(2026, 6, 1), None), (None, date(2026, 6, 1)), False),  # ended before it
        ((date(2026, 6, 1), None), (None, date(2026, 6, 2)), True),
    ],
)
def test_an_overlapping_post_of_the_same_role_and_agency_is_refused(
    user, agency, first, second, overlaps
):
    services.appoint(user, agency, R.SPECIALIST, first[0], valid_to=first[1])
    before = counts()
    if overlaps:
        with pytest.raises(ValidationError, match="overlapping"):
            services.appoint(user, agency, R.SPECIALIST, second[0], valid_to=second[1])
        assert counts() == before
    else:
        services.appoint(user, agency, R.SPECIALIST, second[0], valid_to=second[1])
        assert counts() == (before[0] + 1, before[1] + 1)


def test_the_same_period_in_another_role_or_agency_is_not_an_overlap(user, agency, other_agency):
    services.appoint(user, agency, R.SPECIALIST)
    services.appoint(user, agency, R.LEADER)
    services.appoint(user, other_agency, R.SPECIALIST)
    assert Officer.objects.filter(user=user).count() == 3


def test_ending_the_last_post_of_a_role_takes_its_group_and_staff(user, agency, other_agency):
    first = services.appoint(user, agency, R.SUPERVISOR, date(2024, 1, 1))
    second = services.appoint(user, other_agency, R.SUPERVISOR, date(2024, 1, 1))
    services.appoint(user, agency, R.SPECIALIST, date(2024, 1, 1))
    services.end_post(first, date(2025, 1, 1))
    assert "role:supervisor" in groups(user) and is_staff(user)  # the other post is in force
    services.end_post(second, date(2025, 1, 1))
    assert groups(user) == {"role:specialist"} and not is_staff(user)
    assert AuditEvent.objects.filter(action="officer.post_ended").count() == 2
    first.refresh_from_db()
    assert first.valid_to == date(2025, 1, 1)  # ended, not deleted
    with pytest.raises(ValidationError, match="already ends"):
        services.end_post(first, date(2025, 6, 1))


def test_a_superuser_keeps_the_staff_flag(agency):
    root = User.objects.create_superuser("root", password="pw-not-used-123")
    post = services.appoint(root, agency, R.SUPERVISOR)
    services.end_post(post, date.today())
    assert is_staff(root)


def test_change_post_checks_the_period_and_never_moves_the_post(user, agency):
    post = services.appoint(user, agency, R.SPECIALIST, date(2024, 1, 1), valid_to=date(2025, 1, 1))
    services.appoint(user, agency, R.SPECIALIST, date(2025, 1, 1))
    with pytest.raises(ValidationError, match="overlapping"):
        services.change_post(post, valid_to=date(2025, 3, 1))
    with pytest.raises(ValueError):
        services.change_post(post, agency=agency)
    services.change_post(post, title="Chuyên viên chính")
    post.refresh_from_db()
    assert post.title == "Chuyên viên chính" and post.valid_to == date(2025, 1, 1)
    assert AuditEvent.objects.filter(action="officer.post_changed", object_id=str(post.pk)).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"valid_from": date(9999, 12, 31)}, "valid_from"),
        ({"valid_from": date(1, 1, 1)}, "valid_from"),
        ({"valid_to": date(9999, 1, 1)}, "valid_to"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": "Chuyên\x00viên"}, "title"),
        ({"valid_from": date(2026, 1, 2), "valid_to": date(2026, 1, 1)}, "valid_to"),
    ],
)
def test_hostile_values_are_refused_and_nothing_is_written(user, agency, kwargs, field):
    before = counts()
    valid_from = kwargs.pop("valid_from", None)
    with pytest.raises(ValidationError) as refused:
        services.appoint(user, agency, R.SPECIALIST, valid_from, **kwargs)
    assert field in refused.value.message_dict
    assert counts() == before and groups(user) == set()


def test_a_desk_of_another_agency_is_refused(user, agency, other_agency):
    desk = services.open_desk(other_agency, "Quầy Sở Y tế")
    with pytest.raises(ValidationError) as refused:
        services.appoint(user, agency, R.DESK_OFFICER, desk=desk)
    assert "desk" in refused.value.message_dict


# --- Through the admin -------------------------------------------------------------------------


def post_form(user, agency, role=R.SUPERVISOR, **fields):
    return {
        "user": user.pk,
        "agency": agency.pk,
        "role": role,
        "title": "",
        "desk": "",
        "valid_from": "2026-01-01",
        "valid_to": "",
    } | fields


def test_adding_a_post_in_the_admin_runs_the_service(admin_client, admin_user, user, agency):
    assert admin_client.get("/admin/org/officer/add/").status_code == 200
    assert admin_client.get("/admin/org/user/add/").status_code == 200
    response = admin_client.post("/admin/org/officer/add/", post_form(user, agency))
    assert response.status_code == 302
    post = Officer.objects.get(user=user)
    assert groups(user) == {"role:supervisor"} and is_staff(user)
    event = AuditEvent.objects.get(action="officer.appointed", object_id=str(post.pk))
    assert event.actor == admin_user


def test_an_overlapping_post_is_a_form_error_in_the_admin(admin_client, user, agency):
    services.appoint(user, agency, R.SUPERVISOR, date(2025, 1, 1))
    before = counts()
    response = admin_client.post("/admin/org/officer/add/", post_form(user, agency))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1 and "overlapping" in errors[0]  # one clear message
    assert counts() == before


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"valid_from": "9999-12-31"}, 200, "valid_from"),
        ({"valid_from": "0001-01-01"}, 200, "valid_from"),
        ({"valid_to": "9999-12-31"}, 200, "valid_to"),
        ({"title": "x" * 10_000}, 200, "title"),
        ({"valid_from": "2026-13-45"}, 200, "valid_from"),
        ({"title": "Chuyên\x00viên"}, 400, None),  # refused at the edge (core/hostile.py)
    ],
)
def test_hostile_values_in_the_admin_are_form_errors(
    admin_client, user, agency, fields, status, field
):
    before = counts()
    response = admin_client.post("/admin/org/officer/add/", post_form(user, agency, **fields))
    assert response.status_code == status
    if field:
        assert field in response.context["adminform"].form.errors
    assert counts() == before and groups(user) == set()


def test_ending_a_post_in_the_admin_takes_the_group(admin_client, user, agency):
    post = services.appoint(user, agency, R.SUPERVISOR, date(2025, 1, 1))
    url = f"/admin/org/officer/{post.pk}/change/"
    assert admin_client.get(url).status_code == 200
    # The holder, agency and role cannot be changed (disabled): the posted values are ignored.
    other = User.objects.create_user("someone.else", password="pw-not-used-123")
    data = post_form(other, agency, role=R.LEADER, valid_from="2025-01-01", valid_to="2025-06-01")
    assert admin_client.post(url, data).status_code == 302
    post.refresh_from_db()
    assert (post.user, post.role, post.valid_to) == (user, R.SUPERVISOR, date(2025, 6, 1))
    assert groups(user) == set() and not is_staff(user)
    assert AuditEvent.objects.filter(action="officer.post_ended", object_id=str(post.pk)).exists()


def test_posts_are_never_deleted_in_the_admin(admin_client, user, agency):
    post = services.appoint(user, agency, R.SPECIALIST)
    assert admin_client.get(f"/admin/org/officer/{post.pk}/delete/").status_code == 403
    response = admin_client.post(
        "/admin/org/officer/", {"action": "delete_selected", "_selected_action": [post.pk]}
    )
    assert Officer.objects.filter(pk=post.pk).exists()
    assert response.status_code in (200, 302)


def user_form(user, posts, initial=0):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "full_name": "Nguyễn An",
        "phone": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "posts-TOTAL_FORMS": str(len(posts)),
        "posts-INITIAL_FORMS": str(initial),
        "posts-MIN_NUM_FORMS": "0",
        "posts-MAX_NUM_FORMS": "1000",
    }
    for i, post in enumerate(posts):
        for field, value in post.items():
            data[f"posts-{i}-{field}"] = value
    return data


def test_a_post_added_on_the_user_page_runs_the_service(admin_client, user, agency):
    url = f"/admin/org/user/{user.pk}/change/"
    assert admin_client.get(url).status_code == 200
    row = {
        "user": str(user.pk),
        "agency": str(agency.pk),
        "role": R.SUPERVISOR,
        "title": "",
        "desk": "",
        "valid_from": "2026-01-01",
        "valid_to": "",
    }
    response = admin_client.post(url, user_form(user, [row]))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert groups(user) == {"role:supervisor"} and is_staff(user)
    assert AuditEvent.objects.filter(action="officer.appointed").count() == 1
    # A new row overlapping the stored post: refused, nothing written.
    before = counts()
    response = admin_client.post(url, user_form(user, [row | {"valid_from": "2027-01-01"}]))
    assert response.status_code == 200
    assert counts() == before


def test_staff_and_groups_are_not_edited_by_hand(admin_client, user):
    url = f"/admin/org/user/{user.pk}/change/"
    response = admin_client.post(url, user_form(user, []) | {"is_staff": "on"})
    assert response.status_code == 302
    assert not is_staff(user)


def test_two_overlapping_new_rows_on_the_user_page_are_refused(admin_client, user, agency):
    row = {
        "user": str(user.pk),
        "agency": str(agency.pk),
        "role": R.LEADER,
        "title": "",
        "desk": "",
        "valid_from": "2026-01-01",
        "valid_to": "2026-07-01",
    }
    rows = [row, row | {"valid_from": "2026-06-01", "valid_to": ""}]
    before = counts()
    response = admin_client.post(f"/admin/org/user/{user.pk}/change/", user_form(user, rows))
    assert response.status_code == 200
    assert "overlap" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert counts() == before and groups(user) == set()
    # Back to back they are two posts.
    rows[1]["valid_from"] = "2026-07-01"
    assert (
        admin_client.post(f"/admin/org/user/{user.pk}/change/", user_form(user, rows)).status_code
        == 302
    )
    assert Officer.objects.filter(user=user, role=R.LEADER).count() == 2


def test_supervisors_see_posts_but_do_not_write_them(client, user, agency):
    services.appoint(user, agency, R.SUPERVISOR)
    client.force_login(user)
    assert client.get("/admin/org/officer/").status_code == 200
    assert client.get("/admin/org/officer/add/").status_code == 403


def test_the_migration_gives_existing_supervisor_groups_the_process_configuration():
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    stale = Group.objects.create(name="role:supervisor")  # as a database of before 0002 has it
    assert not stale.permissions.exists()
    migration = importlib.import_module("motcua.org.migrations.0002_refresh_role_groups")
    migration.refresh(apps, None)
    codenames = set(stale.permissions.values_list("codename", flat=True))
    assert {"change_process", "add_processstep", "view_dossierevent"} <= codenames
    assert "delete_process" not in codenames


def test_a_refusal_at_save_time_is_said_on_the_page(admin_client, user, agency, monkeypatch):
    """The post overlapping one saved in between the form's check and the save."""
    real_appoint = services.appoint

    def raced(*args, **kwargs):
        real_appoint(*args, **kwargs)  # written, then rolled back with the whole save
        raise ValidationError("Saved by someone else in the meantime.")

    monkeypatch.setattr(services, "appoint", raced)
    before = counts()
    response = admin_client.post("/admin/org/officer/add/", post_form(user, agency), follow=True)
    assert response.status_code == 200
    assert "Saved by someone else" in response.content.decode()
    assert counts() == before and groups(user) == set() and not is_staff(user)


@pytest.mark.parametrize(
    ("code", "accepted"),
    [
        ("H15.50.05.13", True),  # Quyết định 20/2020/QĐ-TTg
        ("000.00.37.H40", True),  # QCVN 102:2016, as in the 2018–2020 records
        ("SO-TU-PHAP", False),
        ("H15" + ".01" * 20, False),  # over 35 characters
    ],
)
def test_an_agency_code_is_an_electronic_identifier(code, accepted):
    make = lambda: services.create_agency(  # noqa: E731
        code=code, name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    if accepted:
        assert make().code == code
    else:
        with pytest.raises(ValueError):
            make()
        assert not Agency.objects.filter(code=code).exists()
