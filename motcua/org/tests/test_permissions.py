import pytest

from motcua.catalog.tests.factories import make_procedure
from motcua.org import services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return Agency.objects.create(
        code="000.00.01.H40", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )


def officer(agency, role):
    user = User.objects.create_user(f"u-{role}", password="pw-12345-x")
    services.appoint(user, agency, role)
    return user


@pytest.mark.parametrize(
    ("role", "can_edit_catalogue"),
    [
        (Role.SUPERVISOR, True),
        (Role.DESK_OFFICER, False),
        (Role.SPECIALIST, False),
        (Role.LEADER, False),
    ],
)
def test_only_supervisors_maintain_the_catalogue_in_the_admin(
    client, agency, role, can_edit_catalogue
):
    procedure = make_procedure()
    client.force_login(officer(agency, role))
    page = client.get(f"/admin/catalog/procedure/{procedure.pk}/change/")
    if can_edit_catalogue:
        assert page.status_code == 200
        assert client.get("/admin/catalog/procedure/import/").status_code == 200
    else:
        assert page.status_code == 302  # not staff: sent to the login page
        assert "/admin/login/" in page["Location"]


def test_supervisor_cannot_delete_procedures_or_audit_events(client, agency):
    procedure = make_procedure()
    client.force_login(officer(agency, Role.SUPERVISOR))
    assert client.get(f"/admin/catalog/procedure/{procedure.pk}/delete/").status_code == 403
    assert client.get("/admin/core/auditevent/add/").status_code == 403
