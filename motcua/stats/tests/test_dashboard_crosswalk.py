"""The dashboard across a reorganisation: Sở Y tế closed on 1 April 2025, its work going to
Sở Tư pháp (a test merger on the scenario of factories.py). With `crosswalk=on` the charts
by agency read by the map at the end of the period (overdue now by today's), an agency
asked for brings the agencies it took over, every drill-down link carries the flag and
lists exactly its number's dossiers; province totals and a period before the change read
the same either way; only the successor's officers get the crosswalked figures.

By hand, from factories.py: Sở Tư pháp received 1 online + 6 at the counter in February,
1 online + 3 at the counter in March, resolved d1 (early), d2 (on time), d3 (late), d4 (on
time); open and past their deadline now: d5, d8, d9 (d11 awaits a supplement). Sở Y tế
received h1 by post on 20 February and left it open: overdue now.
"""

import re
from datetime import date

import pytest

from motcua.index766 import indicators
from motcua.org.constants import Role
from motcua.stats.tests.factories import build_merged_scenario
from motcua.stats.tests.test_dashboard import table

pytestmark = pytest.mark.django_db
URL = "/reports/dashboard/"
AFTER = {"from": "2025-02-01", "to": "2025-04-30"}
BEFORE = {"from": "2025-02-01", "to": "2025-03-31"}
CHARTS = ("table-received", "table-share", "table-on-time", "table-overdue", "table-index")


@pytest.fixture(scope="module")
def merged(module_db):
    return build_merged_scenario()


@pytest.fixture
def supervisor(client, merged):
    client.force_login(merged.province.officer("center", Role.SUPERVISOR))
    return client


def page(client, query) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200, response.content[:2000]
    return response.content.decode()


def tables(html: str) -> dict:
    return {name: table(html, name) for name in CHARTS}


def links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="(/reports/dossiers/list/\?[^"]+)">([\d.]+)</a>', html)


def test_the_successor_counts_the_closed_agency_by_month_and_now(supervisor, merged):
    justice = merged.province.justice.code
    plain = page(supervisor, {**AFTER, "agency": justice})
    walked = page(supervisor, {**AFTER, "agency": justice, "crosswalk": "on"})
    assert table(plain, "table-received") == [
        ["02/2025", "1", "6", "0", "6", "7"],
        ["03/2025", "1", "3", "0", "3", "4"],
        ["04/2025", "0", "0", "0", "0", "0"],
    ]
    # h1, received by Sở Y tế by post in February, counts under Sở Tư pháp.
    assert table(walked, "table-received") == [
        ["02/2025", "1", "6", "1", "7", "8"],
        ["03/2025", "1", "3", "0", "3", "4"],
        ["04/2025", "0", "0", "0", "0", "0"],
    ]
    assert table(walked, "table-share")[0] == ["02/2025", "1", "8", "12,50 %"]
    assert table(plain, "table-overdue") == [["Sở Tư pháp", "3"]]
    assert table(walked, "table-overdue") == [["Sở Tư pháp", "4"]]
    assert table(walked, "table-on-time") == [["Sở Tư pháp", "4", "3", "75,00 %"]]
    assert 'id="crosswalk-note"' in walked and 'id="crosswalk-note"' not in plain


def test_the_province_reads_by_the_new_map_with_the_same_totals(supervisor, merged):
    plain = page(supervisor, AFTER)
    walked = page(supervisor, {**AFTER, "crosswalk": "on"})
    assert table(plain, "table-overdue") == [["Sở Tư pháp", "3"], ["Sở Y tế", "1"]]
    assert table(walked, "table-overdue") == [["Sở Tư pháp", "4"]]
    for name in ("table-received", "table-share", "table-on-time", "table-index"):
        assert table(walked, name) == table(plain, name), name
    assert sum(int(n) for _, n in table(walked, "table-overdue")) == 4


def test_the_index_panel_follows_the_crosswalk(supervisor, merged):
    p = merged.province
    walked = page(supervisor, {**AFTER, "agency": p.justice.code, "crosswalk": "on"})
    period = indicators.Period(date(2025, 2, 1), date(2025, 4, 30))
    expected = indicators.history(p.justice, period, crosswalk=True)
    alone = indicators.history(p.justice, period)
    assert expected != alone  # February: h1 is overdue in Sở Tư pháp's crosswalked index
    assert [row[0] for row in table(walked, "table-index")] == ["02/2025", "03/2025", "04/2025"]
    points = [row[1] for row in table(walked, "table-index")]
    assert points == [f"{h['points']:.2f}".replace(".", ",") for h in expected]


def test_a_period_before_the_change_reads_the_same_either_way(supervisor, merged):
    for query in (BEFORE, {**BEFORE, "agency": merged.province.justice.code}):
        plain = tables(page(supervisor, query))
        walked = tables(page(supervisor, {**query, "crosswalk": "on"}))
        # Overdue now is today's, after the change: it reads by today's map.
        for name in ("table-received", "table-share", "table-on-time", "table-index"):
            assert walked[name] == plain[name], (query, name)


def test_a_closed_agency_with_the_crosswalk_is_shown_as_its_successor(supervisor, merged):
    p = merged.province
    asked = page(supervisor, {**AFTER, "agency": p.health.code, "crosswalk": "on"})
    successor = page(supervisor, {**AFTER, "agency": p.justice.code, "crosswalk": "on"})
    assert tables(asked) == tables(successor)
    note = re.search(r'id="crosswalk-note">(.*?)</p>', asked, re.S).group(1)
    assert "Sở Y tế" in note and "01/04/2025" in note and "Sở Tư pháp" in note
    alone = page(supervisor, {**AFTER, "agency": p.health.code})
    assert table(alone, "table-received")[0] == ["02/2025", "0", "0", "1", "1", "1"]


@pytest.mark.parametrize(
    "query",
    [
        {**AFTER, "crosswalk": "on"},
        {**AFTER, "crosswalk": "on", "agency": "000.00.01.H40"},
        {**BEFORE, "crosswalk": "on", "agency": "000.00.01.H40"},
    ],
)
def test_every_link_carries_the_flag_and_lists_as_many_dossiers(supervisor, merged, query):
    html = page(supervisor, query)
    cells = links(html)
    assert len(cells) >= 6
    for link, number in cells:
        assert "crosswalk=on" in link, link
        listed = supervisor.get(link.replace("&amp;", "&"))
        assert listed.status_code == 200, link
        assert listed.context["page"].paginator.count == int(number.replace(".", "")), link


def test_the_successors_officer_sees_the_crosswalked_figures(client, merged):
    p = merged.province
    client.force_login(p.officer("justice", Role.LEADER))
    plain = page(client, AFTER)
    walked = page(client, {**AFTER, "crosswalk": "on"})
    assert "Sở Y tế" not in re.sub(r"<select.*?</select>", "", plain)
    assert table(plain, "table-received")[0] == ["02/2025", "1", "6", "0", "6", "7"]
    assert table(walked, "table-received")[0] == ["02/2025", "1", "6", "1", "7", "8"]
    assert table(walked, "table-overdue") == [["Sở Tư pháp", "4"]]
    # The closed agency: refused on its own, its successor's figures under the crosswalk.
    assert client.get(URL, {**AFTER, "agency": p.health.code}).status_code == 400
    asked = page(client, {**AFTER, "agency": p.health.code, "crosswalk": "on"})
    assert table(asked, "table-received") == table(walked, "table-received")


def test_an_officer_of_another_agency_never_gets_the_successors_figures(client, merged):
    p = merged.province
    client.force_login(merged.other_officer)
    for agency in (p.justice, p.health):
        for extra in ({}, {"crosswalk": "on"}):
            response = client.get(URL, {**AFTER, "agency": agency.code, **extra})
            assert response.status_code == 400
            assert "<svg" not in response.content.decode()
    own = page(client, {**AFTER, "crosswalk": "on"})
    assert "Sở Tư pháp" not in re.sub(r"<select.*?</select>", "", own)
    assert all(row[-1] == "0" for row in table(own, "table-received"))


def test_the_closed_agencys_officer_keeps_its_own_row(client, merged):
    """Sở Y tế's desk officer is still posted there (the test merger moved no post): with
    the crosswalk they see Sở Y tế's own figures, never Sở Tư pháp's, and each number
    still lists its dossiers."""
    p = merged.province
    client.force_login(p.officer("health", Role.DESK_OFFICER))
    walked = page(client, {**AFTER, "crosswalk": "on"})
    assert table(walked, "table-overdue") == [["Sở Y tế", "1"]]
    assert table(walked, "table-received")[0] == ["02/2025", "0", "0", "1", "1", "1"]
    period = indicators.Period(date(2025, 2, 1), date(2025, 4, 30))
    own = [f"{h['points']:.2f}".replace(".", ",") for h in indicators.history(p.health, period)]
    assert [row[1] for row in table(walked, "table-index")] == own
    for link, number in links(walked):
        listed = client.get(link.replace("&amp;", "&"))
        assert listed.context["page"].paginator.count == int(number), link
    assert client.get(URL, {**AFTER, "agency": p.health.code, "crosswalk": "on"}).status_code == 400


@pytest.mark.parametrize("value", ["x" * 10_000, "9" * 400, "off", "<script>"])
def test_any_crosswalk_value_is_a_yes_or_no_never_an_error(supervisor, merged, value):
    html = page(supervisor, {**AFTER, "crosswalk": value})
    assert table(html, "table-overdue") == [["Sở Tư pháp", "4"]]


@pytest.mark.parametrize(
    "query",
    [
        {"crosswalk": "on\x00"},
        {"crosswalk": "on", "agency": "x" * 10_000},
        {"crosswalk": "on", "from": "0001-01-01", "to": "0001-12-31"},
        {"crosswalk": "on", "from": "9999-01-01", "to": "9999-12-31"},
    ],
)
def test_hostile_crosswalk_queries_answer_400(supervisor, merged, query):
    assert supervisor.get(URL, query).status_code == 400


@pytest.mark.parametrize("value", ["\x00", "0001-01-01", "9999-12-31", "x" * 10_000, "2025-02-30"])
def test_hostile_crosswalk_days_in_a_list_answer_400(supervisor, merged, value):
    query = {**AFTER, "metric": "received", "crosswalk": "on", "crosswalk_on": value}
    assert supervisor.get("/reports/dossiers/list/", query).status_code == 400
