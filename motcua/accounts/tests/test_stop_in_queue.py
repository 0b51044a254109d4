"""The desk's work queue shows the dossiers whose applicant asked online to stop them
(rule 7: the desk must answer with the stop notice) and filters them."""

import pytest

from motcua.accounts.tests.factories import dossier_of, make_citizen, second_citizen
from motcua.dossiers import services as dossier_services
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
MARK = 'class="pill stop-requested"'


def asked_to_stop(province, account):
    dossier = dossier_of(province, account)
    dossier_services.request_stop(dossier, account.user, "Tôi không còn nhu cầu.")
    return dossier


def queue(client, desk, query=""):
    client.force_login(desk)
    response = client.get(f"/office/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_request_to_stop_is_marked_and_filtered_until_the_desk_acts(client, province):
    asker, other = make_citizen(), second_citizen()
    asked = asked_to_stop(province, asker)
    quiet = dossier_of(province, other)
    desk = province.officer("justice", Role.DESK_OFFICER)

    html = queue(client, desk)
    row = html[html.index(asked.code) : html.index("</tr>", html.index(asked.code))]
    assert MARK in row
    quiet_row = html[html.index(quiet.code) : html.index("</tr>", html.index(quiet.code))]
    assert MARK not in quiet_row

    only = queue(client, desk, "?stop_requested=on")
    assert asked.code in only and quiet.code not in only

    # The stop notice answers the request: no mark, not in the filter any more.
    dossier_services.act(asked, Action.WITHDRAW, desk, comment="Theo đề nghị của công dân")
    assert asked.code not in queue(client, desk, "?stop_requested=on")
    html = queue(client, desk, "?status=withdrawn")
    assert asked.code in html and MARK not in html


def test_the_filter_keeps_to_the_dossiers_the_officer_may_see(client, province):
    asked = asked_to_stop(province, make_citizen())
    elsewhere = province.officer("health", Role.DESK_OFFICER)
    assert asked.code not in queue(client, elsewhere, "?stop_requested=on")


@pytest.mark.parametrize(
    "value", ["\x00", "x" * 10_000, "9" * 400, "on&stop_requested=off", "<script>"]
)
def test_hostile_filter_values_never_fail(client, province, value):
    asked_to_stop(province, make_citizen())
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    response = client.get("/office/", {"stop_requested": value, "page": "9" * 30})
    assert response.status_code in (200, 400)
