"""The dashboard /reports/dashboard/ through the test client: its numbers against the
hand-written scenario of factories.py, who sees what, hostile filters, the query count."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.org.constants import Role
from motcua.stats.tests.factories import build_scenario

pytestmark = pytest.mark.django_db
URL = "/reports/dashboard/"
FEB_MAR = {"from": "2025-02-01", "to": "2025-03-31"}


@pytest.fixture(scope="module")
def scenario(module_db):
    return build_scenario()


@pytest.fixture
def supervisor(client, scenario):
    client.force_login(scenario.province.officer("center", Role.SUPERVISOR))
    return client


def table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(
        rf'<table class="chart-data" id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_the_dashboard_needs_a_login(client, scenario):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_five_charts_with_their_tables(supervisor, scenario):
    response = supervisor.get(URL, FEB_MAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'<svg [^>]*role="img"', html)) == 5
    # Justice: February 1 online + 6 at the counter; Health: 1 by post. March: 1 + 3.
    assert table(html, "table-received") == [
        ["02/2025", "1", "6", "1", "7", "8"],
        ["03/2025", "1", "3", "0", "3", "4"],
    ]
    assert table(html, "table-share") == [
        ["02/2025", "1", "8", "12,50 %"],
        ["03/2025", "1", "4", "25,00 %"],
    ]
    # Justice resolved d1 (early), d2 (on time), d3 (late) in February, d4 on time in March.
    assert table(html, "table-on-time") == [["Sở Tư pháp", "4", "3", "75,00 %"]]
    assert len(table(html, "table-index")) == 2


def test_a_shorter_period_changes_the_numbers(supervisor, scenario):
    html = supervisor.get(URL, {"from": "2025-03-01", "to": "2025-03-31"}).content.decode()
    assert table(html, "table-received") == [["03/2025", "1", "3", "0", "3", "4"]]
    assert table(html, "table-on-time") == [["Sở Tư pháp", "1", "1", "100,00 %"]]


def test_the_agency_filter_narrows_every_chart(supervisor, scenario):
    html = supervisor.get(
        URL, {**FEB_MAR, "agency": scenario.province.health.code}
    ).content.decode()
    assert table(html, "table-received") == [
        ["02/2025", "0", "0", "1", "1", "1"],
        ["03/2025", "0", "0", "0", "0", "0"],
    ]
    assert table(html, "table-on-time") == [["Không có số liệu trong kỳ này."]]
    assert all(row[0] == "Sở Y tế" for row in table(html, "table-overdue"))


def test_overdue_now_lists_the_open_dossiers_past_their_deadline(supervisor, scenario):
    html = supervisor.get(URL, FEB_MAR).content.decode()
    rows = dict(table(html, "table-overdue"))
    # d5, d8 and d9 are open and past their deadline; d11 awaits a supplement.
    assert rows["Sở Tư pháp"] == "3"
    link = re.search(r'id="table-overdue">.*?href="([^"]+)"', html, re.S).group(1)
    listed = supervisor.get(link.replace("&amp;", "&")).content.decode()
    codes = set(re.findall(r"000\.00\.01\.H40-\d{6}-\d{4}", listed))
    assert codes == {scenario.dossiers[n].code for n in ("d5", "d8", "d9")}


def test_every_linked_number_lists_as_many_dossiers(supervisor, scenario):
    html = supervisor.get(URL, FEB_MAR).content.decode()
    cells = re.findall(r'<a href="(/reports/dossiers/list/\?[^"]+)">([\d.]+)</a>', html)
    assert len(cells) >= 6
    for link, number in cells:
        listed = supervisor.get(link.replace("&amp;", "&")).content.decode()
        found = re.search(r"(\d+) (?:hồ sơ|dossiers?)", listed)
        assert found and int(found.group(1)) == int(number.replace(".", "")), link


def test_an_officer_sees_only_the_agencies_of_their_posts(client, scenario):
    p = scenario.province
    client.force_login(p.officer("health", Role.DESK_OFFICER))
    html = client.get(URL, FEB_MAR).content.decode()
    assert "Sở Tư pháp" not in html
    assert table(html, "table-received")[0] == ["02/2025", "0", "0", "1", "1", "1"]
    response = client.get(URL, {**FEB_MAR, "agency": p.justice.code})
    assert response.status_code == 400
    assert "Sở Tư pháp" not in re.sub(r"<select.*?</select>", "", response.content.decode())


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01", "to": "2025-01-31"},
        {"from": "2025-01-01", "to": "9999-12-31"},
        {"from": "2025-03-01", "to": "2025-02-01"},
        {"from": "2022-01-01", "to": "2025-03-31"},  # 39 months
        {"from": "not-a-date"},
        {"agency": "NO-SUCH-AGENCY"},
        {"agency": "x" * 10_000},
        {"from": "2025-02-01", "to": "99999999999999999999"},
    ],
)
def test_hostile_filters_give_a_400_with_a_message(supervisor, params):
    response = supervisor.get(URL, params)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert "<svg" not in response.content.decode()


def test_thirty_six_months_are_allowed(supervisor, scenario):
    response = supervisor.get(URL, {"from": "2022-04-01", "to": "2025-03-31"})
    assert response.status_code == 200
    assert len(table(response.content.decode(), "table-received")) == 36


def test_grouped_counts_keep_the_queries_few(supervisor, scenario):
    counts = {}
    for months, start in ((1, "2025-03-01"), (12, "2024-04-01"), (36, "2022-04-01")):
        cache.clear()  # each month's index points computed, none kept from the last view
        with CaptureQueriesContext(connection) as queries:
            assert supervisor.get(URL, {"from": start, "to": "2025-03-31"}).status_code == 200
        counts[months] = len(queries)
    # Session, user, posts, delegations; the grouped sums of the fact table (months ×
    # channel; 06a cells for the period and for today, two each: the days and what came
    # before, and how far the yearly openings go); agency names; the index of QĐ 766 is
    # nine queries a month (two sums of the fact table, the signed results, the procedures
    # paid online, the handling times, the procedures, the announcements; the dossiers
    # reusing, and those linked to, the personal data store: each counted from the store's
    # own rows rather than over every dossier of the month), after one query for the
    # months' stored monthly reports (none here).
    assert counts[1] <= 21
    assert counts[12] <= counts[1] + 11 * 9
    # The statistics do not grow with the period: the index stops at twelve months.
    assert counts[36] == counts[12]
    # Seen again, the months' points are kept (index766.points): no index is computed.
    with CaptureQueriesContext(connection) as queries:
        assert supervisor.get(URL, {"from": "2022-04-01", "to": "2025-03-31"}).status_code == 200
    assert len(queries) <= counts[36] - 12 * 9
