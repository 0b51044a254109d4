"""Who may download a signed result: its applicant (signed in with their account) and the
officers who see the dossier; everyone else gets 404, anonymous visitors the sign-in page.
The officer's dossier page shows the result and its status."""

import pytest

from motcua.core.models import AuditEvent
from motcua.org.constants import Role
from motcua.org.models import User
from motcua.results.models import ResultDocument
from motcua.results.tests.conftest import at_leader, complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def citizen(signed):
    user = User.objects.create_user("citizen.an", password="pw-not-used-123")
    signed.applicant.user = user
    signed.applicant.save()
    return user


def url(dossier) -> str:
    return f"/results/{dossier.code}/download/"


def test_the_applicant_downloads_the_signed_pdf(client, signed, citizen):
    client.force_login(citizen)
    response = client.get(url(signed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert (
        b"".join(response.streaming_content)
        == ResultDocument.objects.get(dossier=signed).file.read()
    )
    assert AuditEvent.objects.filter(action="result.downloaded", actor=citizen).count() == 1


@pytest.mark.parametrize("role", [Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER])
def test_officers_who_see_the_dossier_download_it(client, signed, province, role):
    client.force_login(province.officer("justice", role))
    assert client.get(url(signed)).status_code == 200


def test_a_province_wide_supervisor_downloads_it(client, signed, province):
    client.force_login(province.officer("center", Role.SUPERVISOR))
    assert client.get(url(signed)).status_code == 200


def test_another_citizen_gets_404(client, signed, citizen):
    other = User.objects.create_user("citizen.binh", password="pw-not-used-123")
    client.force_login(other)
    assert client.get(url(signed)).status_code == 404
    assert AuditEvent.objects.filter(action="permission.refused", actor=other).exists()


@pytest.mark.parametrize("role", [Role.DESK_OFFICER, Role.LEADER])
def test_an_officer_of_another_agency_gets_404(client, signed, province, role):
    client.force_login(province.officer("health", role))
    assert client.get(url(signed)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, signed):
    response = client.get(url(signed))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(("/sign-in/", "/accounts/login/"))
    assert f"next=%2Fresults%2F{signed.code}%2Fdownload%2F" in location


def test_the_applicants_panel_shows_the_download_not_the_internals(signed):
    from django.template import Context, Template

    panel = Template('{% load results_tags %}{% result_panel dossier "applicant" %}').render(
        Context({"dossier": signed})
    )
    assert url(signed) in panel and "/verify/" in panel
    assert ResultDocument.objects.get(dossier=signed).certificate_serial not in panel


def test_unknown_and_hostile_codes_get_404_or_400(client, signed, province):
    client.force_login(province.officer("justice", Role.LEADER))
    for code in ("KHONG-CO", "x" * 3000, signed.code.lower() + "'--"):
        assert client.get(f"/results/{code}/download/").status_code == 404
    assert client.get(f"/results/{signed.code}%00/download/").status_code == 400


def test_nobody_downloads_a_result_still_being_signed(
    client, province, certs, django_capture_on_commit_callbacks
):
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=False):
        complete(province, dossier)
    client.force_login(province.officer("justice", Role.LEADER))
    assert client.get(url(dossier)).status_code == 404
    page = client.get(f"/office/dossiers/{dossier.code}/").content.decode()
    assert "Being signed" in page


def test_the_dossier_page_shows_the_signed_result(client, signed, province):
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    page = client.get(f"/office/dossiers/{signed.code}/").content.decode()
    result = ResultDocument.objects.get(dossier=signed)
    assert "Electronic result" in page and "Signed" in page
    assert url(signed) in page
    assert result.certificate_serial in page
    assert "01/KQ-STP" in page


def test_the_dossier_page_of_an_open_dossier_has_no_result_panel(client, province, certs):
    dossier = at_leader(province)
    client.force_login(province.officer("justice", Role.LEADER))
    page = client.get(f"/office/dossiers/{dossier.code}/").content.decode()
    assert "Electronic result" not in page
