"""Biểu 06a across a reorganisation: a period that ended before the change reads the same
with or without the crosswalk; a later period lists a closed agency on its own, or, with the
crosswalk, under the agency that took over its work, and the drill-down follows."""

from datetime import date

import pytest

from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.stats import queries
from motcua.stats.tests.factories import build_scenario

pytestmark = pytest.mark.django_db
MERGED_ON = date(2025, 4, 1)  # Sở Y tế's work goes to Sở Tư pháp (a test merger)


@pytest.fixture
def merged():
    scenario = build_scenario()
    p = scenario.province
    org_services.close_agency(p.health, p.justice, MERGED_ON, "Quyết định thử nghiệm")
    return scenario


def report(start, end, crosswalk):
    period = queries.Period(start, end)
    return queries.build(period, queries.scope_for(None, period, crosswalk=crosswalk))


def rows(built) -> dict[str, dict]:
    return {row["agency"]: row for row in built["rows"]}


def test_a_period_before_the_change_reads_the_same_either_way(merged):
    before = report(date(2025, 2, 1), date(2025, 3, 31), crosswalk=False)
    assert report(date(2025, 2, 1), date(2025, 3, 31), crosswalk=True) == before
    assert merged.province.health.code in rows(before)


def test_after_the_change_the_crosswalk_counts_the_closed_agency_under_its_successor(merged):
    p = merged.province
    plain = report(date(2025, 2, 1), date(2025, 4, 30), crosswalk=False)
    walked = report(date(2025, 2, 1), date(2025, 4, 30), crosswalk=True)
    justice, health = rows(plain)[p.justice.code], rows(plain)[p.health.code]
    # The scenario's one Sở Y tế dossier, by hand: received by post on 20 Feb, left open.
    assert health["received"] == {"online": 0, "counter_post": 1, "carried_over": 0, "total": 1}
    assert health["in_progress"]["total"] == 1
    assert p.health.code not in rows(walked)
    joined = rows(walked)[p.justice.code]
    for section in ("received", "resolved", "in_progress"):
        for leaf, n in justice[section].items():
            assert joined[section][leaf] == n + health[section][leaf], (section, leaf)
    assert joined["other"] == justice["other"] + health["other"]
    assert walked["total"] == plain["total"]  # nothing counted twice, nothing lost


def test_the_drill_down_of_the_successor_lists_the_closed_agencys_dossiers(merged, client):
    p = merged.province
    client.force_login(p.officer("center", Role.SUPERVISOR))
    query = {"from": "2025-02-01", "to": "2025-04-30", "metric": "received"}
    alone = client.get("/reports/dossiers/list/", {**query, "agency": p.justice.code})
    walked = client.get(
        "/reports/dossiers/list/", {**query, "agency": p.justice.code, "crosswalk": "on"}
    )
    assert alone.status_code == walked.status_code == 200
    health_code = merged.dossiers["h1"].code
    assert health_code not in alone.content.decode()
    assert health_code in walked.content.decode()
    assert walked.context["page"].paginator.count == alone.context["page"].paginator.count + 1


def test_the_page_carries_the_crosswalk_into_its_links(merged, client):
    p = merged.province
    client.force_login(p.officer("center", Role.SUPERVISOR))
    page = client.get(
        "/reports/dossiers/", {"from": "2025-02-01", "to": "2025-04-30", "crosswalk": "on"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "crosswalk=on" in html
    assert p.health.name not in [line["label"] for line in page.context["lines"]]


def test_the_command_takes_the_crosswalk(merged, capsys):
    import json

    from django.core.management import call_command

    args = ["report", "dossiers", "--from", "2025-02-01", "--to", "2025-04-30"]
    call_command(*args, "--format", "json")
    plain = json.loads(capsys.readouterr().out)
    call_command(*args, "--format", "json", "--crosswalk")
    walked = json.loads(capsys.readouterr().out)
    assert merged.province.health.code in rows(plain)
    assert merged.province.health.code not in rows(walked)
    assert walked["total"] == plain["total"]


@pytest.mark.parametrize("value", ["x" * 10_000, "9" * 400, "off", "<script>"])
def test_any_crosswalk_value_is_a_yes_or_no_never_an_error(merged, client, value):
    client.force_login(merged.province.officer("center", Role.SUPERVISOR))
    query = {"from": "2025-02-01", "to": "2025-04-30", "crosswalk": value}
    assert client.get("/reports/dossiers/", query).status_code == 200
    listed = client.get("/reports/dossiers/list/", {**query, "metric": "received"})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"crosswalk": "on\x00"},
        {"crosswalk": "on", "from": "0001-01-01", "to": "0001-12-31"},
        {"crosswalk": "on", "from": "9999-01-01", "to": "9999-12-31"},
    ],
)
def test_hostile_crosswalk_queries_answer_400(merged, client, query):
    client.force_login(merged.province.officer("center", Role.SUPERVISOR))
    assert client.get("/reports/dossiers/", query).status_code == 400
