"""The QĐ 766 index across a reorganisation: Sở Y tế closed on 1 April 2025, its work going
to Sở Tư pháp (a test merger on the scenario of stats/tests/factories.py). With the
crosswalk, Sở Tư pháp's index counts Sở Y tế's dossiers and procedures too; a closed
agency's index is its successor's; the province's is the same either way; a period that
ended before the change reads the same; only the successor's officers (and the province's
supervisors) see the successor's crosswalked figures.

The expected figures, by hand from the scenario's comments (time limit 5 working days):

Sở Tư pháp, 1 February – 30 April 2025
  results in the period: d1 (early), d2 (on time), d3 (late), d4 (on time)  → 4, 3 in time
  open on 30 April: d5 (deadline 10 Mar), d8 (17 Mar), d9 (4 Apr): overdue;
                    d11 awaits a supplement since 5 Mar: within             → 4, 1 in time
  on time: 4 / 8;  received: 7 in February + 4 in March = 11, of which online d2, d8: 2
  procedures: its one (Cấp Phiếu lý lịch tư pháp), online level 3           → 1
Sở Y tế: h1, received by post 20 Feb (deadline 27 Feb), open on 30 April: overdue
  on time: 0 / 1;  received: 1, online 0;  procedures: Cấp chứng chỉ hành nghề dược → 1
With the crosswalk Sở Tư pháp's index adds both: on time 4 / 9, online dossiers 2 / 12,
procedures offered online 2 / 2.
"""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.index766 import indicators
from motcua.index766.indicators import Period
from motcua.org.constants import Role
from motcua.stats.tests.factories import build_merged_scenario

pytestmark = pytest.mark.django_db
AFTER = Period(date(2025, 2, 1), date(2025, 4, 30))
BEFORE = Period(date(2025, 2, 1), date(2025, 3, 31))
URL = "/reports/index766/"
LIST = "/reports/index766/dossiers/"
SPAN = {"from": "2025-02-01", "to": "2025-04-30"}


@pytest.fixture(scope="module")
def merged(module_db):
    return build_merged_scenario()


def rows(report) -> dict:
    return {r["key"]: r for g in report["groups"] for r in g["indicators"]}


def figures_only(report) -> dict:
    """The report without its drill-down addresses (which carry the crosswalk flag) and
    without the crosswalk's own key."""
    out = {k: v for k, v in report.items() if k != "crosswalk"}
    out["groups"] = [
        {
            **g,
            "indicators": [
                {k: v for k, v in r.items() if k != "drilldown"} for r in g["indicators"]
            ],
        }
        for g in report["groups"]
    ]
    return out


def figures(report, key) -> tuple:
    row = rows(report)[key]
    return row["numerator"], row["denominator"]


def test_the_successor_counts_the_closed_agencys_dossiers_and_procedures(merged):
    justice, health = merged.province.justice, merged.province.health
    alone = indicators.build(justice, AFTER)
    walked = indicators.build(justice, AFTER, crosswalk=True)
    assert figures(alone, "on_time") == (4, 8)
    assert figures(indicators.build(health, AFTER), "on_time") == (0, 1)
    assert figures(walked, "on_time") == (4, 9)
    assert figures(alone, "online_dossiers") == (2, 11)
    assert figures(walked, "online_dossiers") == (2, 12)
    assert figures(alone, "offered_online") == (1, 1)
    assert figures(walked, "offered_online") == (2, 2)
    assert walked["agency"] == justice.code
    assert walked["crosswalk"] == {
        "asked": justice.code,
        "agency": justice.code,
        "predecessors": [{"code": health.code, "name": "Sở Y tế", "closed_on": "2025-04-01"}],
    }
    assert "crosswalk" not in alone
    assert "crosswalk=on" in rows(walked)["on_time"]["drilldown"]


def test_the_drill_down_of_the_successor_lists_the_closed_agencys_dossiers(merged):
    justice, h1 = merged.province.justice, merged.dossiers["h1"]
    alone = indicators.drilldown("on_time", AFTER, justice, "all")
    walked = indicators.drilldown("on_time", AFTER, justice, "all", crosswalk=True)
    assert alone.count() == 8 and walked.count() == 9
    assert set(walked.values_list("pk", flat=True)) - set(alone.values_list("pk", flat=True)) == {
        h1.pk
    }
    missed = indicators.drilldown("on_time", AFTER, justice, "missed", crosswalk=True)
    assert missed.count() == 5  # d3, d5, d8, d9 and h1


def test_a_closed_agency_with_the_crosswalk_is_its_successors_index(merged):
    justice, health = merged.province.justice, merged.province.health
    asked = indicators.build(health, AFTER, crosswalk=True)
    assert asked["agency"] == justice.code
    assert asked["crosswalk"]["asked"] == health.code
    assert figures(asked, "on_time") == (4, 9)
    same = indicators.build(justice, AFTER, crosswalk=True)
    assert asked["groups"] == same["groups"]  # the links too: they name the successor


def test_the_province_is_the_same_either_way(merged):
    for period in (AFTER, BEFORE):
        plain = indicators.build(None, period)
        walked = indicators.build(None, period, crosswalk=True)
        assert walked["crosswalk"] == {"asked": None, "agency": None, "predecessors": []}
        assert figures_only(walked) == figures_only(plain)
        links = [r["drilldown"] for r in rows(walked).values() if r["drilldown"]]
        assert links and all(link.endswith("&crosswalk=on") for link in links)
    assert figures(indicators.build(None, AFTER), "on_time") == (4, 9)


def test_a_period_before_the_change_reads_the_same_either_way(merged):
    justice, health = merged.province.justice, merged.province.health
    for agency in (justice, health):
        plain = indicators.build(agency, BEFORE)
        walked = indicators.build(agency, BEFORE, crosswalk=True)
        assert walked["crosswalk"]["predecessors"] == []
        assert figures_only(walked) == figures_only(plain)
    assert indicators.history(justice, BEFORE, crosswalk=True) == indicators.history(
        justice, BEFORE
    )


def test_the_history_reads_every_month_by_the_map_at_the_periods_end(merged):
    justice = merged.province.justice
    walked = indicators.history(justice, AFTER, crosswalk=True)
    assert [m["month"] for m in walked] == ["02/2025", "03/2025", "04/2025"]
    # February under the crosswalk is February of both agencies, although Sở Y tế was
    # still open then. Sở Tư pháp on 28 Feb: results d1, d2 in time, d3 late; open d4 and
    # d5 (paused) within, d7 overdue → 4 / 6; Sở Y tế's h1 is overdue (deadline 27 Feb).
    february = Period(date(2025, 2, 1), date(2025, 2, 28))
    both = indicators.counts({justice.pk, merged.province.health.pk}, february)
    assert figures_of(both["on_time"]) == (4, 7)
    alone = indicators.counts(justice, february)
    assert figures_of(alone["on_time"]) == (4, 6)
    assert walked[0]["points"] == indicators.core.evaluate(both)["points"]
    assert walked[0]["points"] != indicators.history(justice, AFTER)[0]["points"]


def figures_of(count) -> tuple:
    return count.numerator, count.denominator


# --- the page, the list, the command ----------------------------------------------------------


def test_the_page_has_the_box_and_carries_it_into_its_links(merged, client):
    p = merged.province
    client.force_login(p.officer("center", Role.SUPERVISOR))
    plain = client.get(URL, {**SPAN, "agency": p.justice.code})
    assert plain.status_code == 200
    html = plain.content.decode()
    assert 'name="crosswalk"' in html and "crosswalk=on" not in html
    page = client.get(URL, {**SPAN, "agency": p.justice.code, "crosswalk": "on"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="crosswalk" value="on" checked' in html
    assert figures(page.context["report"], "on_time") == (4, 9)
    assert 'id="crosswalk-predecessors"' in html and "Sở Y tế" in html
    link = rows(page.context["report"])["on_time"]["drilldown"]
    listed = client.get(link + "&part=all")
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == 9
    assert merged.dossiers["h1"].code in listed.content.decode()


def test_the_page_of_a_closed_agency_says_so_and_points_to_its_successor(merged, client):
    p = merged.province
    client.force_login(p.officer("center", Role.SUPERVISOR))
    page = client.get(URL, {**SPAN, "agency": p.health.code, "crosswalk": "on"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="crosswalk-closed"' in html and "01/04/2025" in html
    assert f"agency={p.justice.code}&amp;crosswalk=on" in html
    assert page.context["agency"] == p.justice
    assert figures(page.context["report"], "on_time") == (4, 9)
    # Without the crosswalk the closed agency's own figures, no notice.
    alone = client.get(URL, {**SPAN, "agency": p.health.code})
    assert 'id="crosswalk-closed"' not in alone.content.decode()
    assert figures(alone.context["report"], "on_time") == (0, 1)


def test_the_successors_officer_sees_the_crosswalked_figures(merged, client):
    p = merged.province
    client.force_login(p.officer("justice", Role.LEADER))
    own = client.get(URL, SPAN)  # one post: their agency is chosen for them
    assert figures(own.context["report"], "on_time") == (4, 8)
    walked = client.get(URL, {**SPAN, "crosswalk": "on"})
    assert walked.status_code == 200
    assert figures(walked.context["report"], "on_time") == (4, 9)
    # The closed agency: refused on its own, its successor's index under the crosswalk.
    assert client.get(URL, {**SPAN, "agency": p.health.code}).status_code == 400
    asked = client.get(URL, {**SPAN, "agency": p.health.code, "crosswalk": "on"})
    assert asked.status_code == 200 and asked.context["agency"] == p.justice


def test_an_officer_of_another_agency_never_gets_the_successors_figures(merged, client):
    p = merged.province
    client.force_login(merged.other_officer)
    for agency in (p.justice, p.health):
        for extra in ({}, {"crosswalk": "on"}):
            query = {**SPAN, "agency": agency.code, **extra}
            response = client.get(URL, query)
            assert response.status_code == 400, query
            assert "report" not in response.context
            listed = client.get(LIST, {**query, "indicator": "on_time", "part": "all"})
            assert listed.status_code == 400, query
    own = client.get(URL, {**SPAN, "crosswalk": "on"})
    assert own.status_code == 200
    assert own.context["agency"] == merged.other
    assert figures(own.context["report"], "on_time") == (0, 0)


def test_the_closed_agencys_officer_does_not_get_the_successors_figures(merged, client):
    """Sở Y tế's desk officer still holds a post there (the test merger moved no post): with
    the crosswalk, Sở Y tế reads as Sở Tư pháp, which is not theirs."""
    p = merged.province
    client.force_login(p.officer("health", Role.DESK_OFFICER))
    assert figures(client.get(URL, SPAN).context["report"], "on_time") == (0, 1)
    assert client.get(URL, {**SPAN, "crosswalk": "on"}).status_code == 400


def test_the_command_takes_the_crosswalk(merged):
    p = merged.province

    def run(*args):
        out = StringIO()
        call_command("report", "index766", "--from", "2025-02-01", "--to", "2025-04-30",
                     *args, stdout=out)  # fmt: skip
        return out.getvalue()

    plain = json.loads(run("--agency", p.justice.code, "--format", "json"))
    walked = json.loads(run("--agency", p.justice.code, "--crosswalk", "--format", "json"))
    assert figures(plain, "on_time") == (4, 8) and figures(walked, "on_time") == (4, 9)
    province = json.loads(run("--format", "json"))
    province_walked = json.loads(run("--crosswalk", "--format", "json"))
    assert figures_only(province_walked) == figures_only(province)
    text = run("--agency", p.health.code, "--crosswalk")
    assert "Sở Tư pháp" in text.splitlines()[0]
    assert "01/04/2025" in text and "Sở Y tế" in text


@pytest.mark.parametrize("value", ["x" * 10_000, "9" * 400, "off", "<script>", "false", ""])
def test_any_crosswalk_value_is_a_yes_or_no_never_an_error(merged, client, value):
    p = merged.province
    client.force_login(p.officer("center", Role.SUPERVISOR))
    query = {**SPAN, "agency": p.justice.code, "crosswalk": value}
    page = client.get(URL, query)
    assert page.status_code == 200
    expected = (4, 8) if value in ("false", "") else (4, 9)
    assert figures(page.context["report"], "on_time") == expected
    listed = client.get(LIST, {**query, "indicator": "on_time", "part": "all"})
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == expected[1]


@pytest.mark.parametrize(
    "query",
    [
        {"crosswalk": "on\x00"},
        {"crosswalk": "on", "agency": "\x00"},
        {"crosswalk": "on", "agency": "X" * 5000},
        {"crosswalk": "on", "from": "0001-01-01", "to": "0001-12-31"},
        {"crosswalk": "on", "from": "9999-01-01", "to": "9999-12-31"},
    ],
)
def test_hostile_crosswalk_queries_answer_400(merged, client, query):
    client.force_login(merged.province.officer("center", Role.SUPERVISOR))
    assert client.get(URL, query).status_code == 400
    assert client.get(LIST, {**query, "indicator": "on_time"}).status_code == 400
