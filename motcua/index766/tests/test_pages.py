"""The command's JSON, the page, the drill-down, who sees what, and hostile filters."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext

from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.index766 import core
from motcua.org.constants import Role as R

pytestmark = pytest.mark.django_db
URL = "/reports/index766/"


@pytest.fixture
def province():
    return make_province()


def test_the_command_prints_the_json_shape(province):
    receive_at_counter(province)
    out = StringIO()
    call_command("report", "index766", "--from", "2026-01-01", "--to", "2027-12-31",
                 "--format", "json", stdout=out)  # fmt: skip
    data = json.loads(out.getvalue())
    assert set(data) >= {"points", "groups"}
    assert [(g["key"], g["max_points"]) for g in data["groups"]] == [
        ("transparency", 18), ("progress", 20), ("online", 22), ("digitisation", 22),
        ("satisfaction", 18),
    ]  # fmt: skip
    group = data["groups"][1]
    assert set(group) == {"key", "name", "points", "max_points", "indicators"}
    on_time = group["indicators"][0]
    assert {"key", "name", "numerator", "denominator", "rate", "threshold", "max_points",
            "points", "status", "fed_by", "drilldown"} <= set(on_time)  # fmt: skip
    # The one dossier, received today, is open within its deadline.
    assert (on_time["numerator"], on_time["denominator"], on_time["points"]) == (1, 1, 10)
    assert on_time["name"] == gettext(core.SPECS["on_time"].name)  # in the UI language
    assert on_time["drilldown"].startswith("/reports/index766/dossiers/?indicator=on_time")
    synced = data["groups"][0]["indicators"][3]
    assert synced["status"] == "no_data" and synced["points"] == 0 and synced["fed_by"]
    assert data["points"] == sum(g["points"] for g in data["groups"])


def test_the_command_text_and_its_refusals(province):
    out = StringIO()
    call_command("report", "index766", "--agency", province.justice.code, stdout=out)
    assert province.justice.name in out.getvalue()
    for args in (
        ["--format", "xlsx"],
        ["--agency", "KHÔNG-CÓ"],
        ["--from", "2025-05-01", "--to", "2025-04-01"],
    ):
        with pytest.raises(CommandError):
            call_command("report", "index766", *args, stdout=StringIO())


def test_the_page_and_a_drilldown_for_a_supervisor(client, province):
    d = receive_at_counter(province)
    client.force_login(province.officer("center", R.SUPERVISOR))
    response = client.get(URL, {"from": "2026-01-01", "to": "2027-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="indicator-on_time"' in html and 'id="history"' in html
    assert html.count("<tr><td>") >= 12  # twelve months of history at least
    drill = "/reports/index766/dossiers/?indicator=on_time&from=2026-01-01&to=2027-12-31"
    assert drill.replace("&", "&amp;") in html
    counted = client.get(drill + "&part=counted")
    assert counted.status_code == 200 and d.code in counted.content.decode()
    missed = client.get(drill)  # default: the dossiers not counted (late ones)
    assert missed.status_code == 200 and d.code not in missed.content.decode()


def test_an_officer_sees_only_their_agency(client, province):
    receive_at_counter(province)
    client.force_login(province.officer("health", R.SPECIALIST))
    response = client.get(URL)  # defaults to their only agency
    assert response.status_code == 200
    assert response.context["agency"] == province.health
    assert response.context["report"]["groups"][1]["indicators"][0]["denominator"] == 0
    refused = client.get(URL, {"agency": province.justice.code})
    assert refused.status_code == 400
    drill = client.get(URL + "dossiers/", {"indicator": "on_time", "part": "all",
                                           "agency": province.justice.code})  # fmt: skip
    assert drill.status_code == 400


def test_login_required(client):
    assert client.get(URL).status_code == 302
    assert client.get(URL + "dossiers/?indicator=on_time").status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "2025-05-01", "to": "2025-04-01"},
        {"from": "99999999999999999999"},
        {"agency": "KHÔNG-CÓ"},
        {"agency": "x" * 10_000},
        {"from": "2000-01-01", "to": "2099-12-31"},  # longer than ten years
        {"from": "2025-02-30"},
    ],
)
def test_hostile_filters_get_a_clear_400(client, province, query):
    client.force_login(province.officer("center", R.SUPERVISOR))
    response = client.get(URL, query)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    drill = client.get(URL + "dossiers/", {"indicator": "on_time", **query})
    assert drill.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"indicator": "synced_dossiers"},  # no data: no dossiers to list
        {"indicator": "x" * 10_000},
        {"indicator": "on_time", "page": "99999999999999999999999"},
        {"indicator": "on_time", "page": "-1"},
        {"indicator": "on_time", "part": "nothing"},
    ],
)
def test_hostile_drilldown_parameters(client, province, query):
    client.force_login(province.officer("center", R.SUPERVISOR))
    assert client.get(URL + "dossiers/", query).status_code == 400


def test_a_nul_byte_is_refused_before_the_view(client, province):
    client.force_login(province.officer("center", R.SUPERVISOR))
    assert client.get(URL, {"agency": "a\x00b"}).status_code == 400
