"""Supervisors see the organisation on any date, with predecessors and successors."""

from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from motcua.org import services as org
from motcua.org.constants import Role
from motcua.org.models import Agency, User
from motcua.reorg.tests.test_apply import hanam  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
URL = "/office/organisation/"


@pytest.fixture
def supervisor(hanam):  # noqa: F811
    user = User.objects.create_user("giamsat", password="pw-not-used-123")
    org.appoint(user, Agency.objects.get(code="000.00.99.H40"), Role.SUPERVISOR, date(2020, 1, 1))
    call_command("reorganise", "apply", str(hanam["path"]))
    client = Client()
    client.force_login(user)
    return client


def test_before_the_reorganisation(supervisor):
    page = supervisor.get(URL, {"on": "2025-06-30"}).content.decode()
    assert "Thành phố Phủ Lý" in page and "Tỉnh Hà Nam" in page
    assert "Tỉnh Ninh Bình" in page  # as the successor of Hà Nam
    assert "UBND thành phố Phủ Lý" in page


def test_after_the_reorganisation(supervisor):
    response = supervisor.get(URL, {"on": "2025-07-01", "level": "district"})
    assert response.status_code == 200
    assert "Thành phố Phủ Lý" not in response.content.decode()
    page = supervisor.get(URL, {"on": "2025-07-01"}).content.decode()
    assert "Tỉnh Ninh Bình" in page
    # The new ward names the two it came from; the new commune PC the agencies it took over.
    assert "Phường Thanh Tuyền (13459" in page
    assert "UBND thành phố Phủ Lý (000.00.21.H40" in page


def test_the_supervisor_moved_with_the_center_still_sees_it(supervisor):
    assert supervisor.get(URL).status_code == 200


def test_officers_who_do_not_see_the_province_get_nothing(hanam):  # noqa: F811
    client = Client()
    client.force_login(User.objects.get(username="motcua.phuly"))
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"on": "0001-01-01"}, 400, "02/09/1945"),
        ({"on": "9999-12-31"}, 400, "31/12/2099"),
        ({"on": "31/12/2020"}, 400, "YYYY-MM-DD"),
        ({"q": "x" * 10_000}, 200, ""),
        ({"level": "x" * 10_000}, 200, ""),
        ({"units": "9" * 40, "agencies": "-1"}, 200, ""),
    ],
)
def test_hostile_input_gives_a_message_not_an_error(supervisor, params, status, words):
    response = supervisor.get(URL, params)
    assert response.status_code == status
    assert words in response.content.decode()


def test_nul_is_refused_before_the_view(supervisor):
    assert supervisor.get(URL, {"q": "a\x00b"}).status_code == 400
