"""The public statistics page /thong-ke/: no sign-in, the officers' 06a numbers for the
month, the index 766 of the province and of each agency (stored when the month's reports
are, else live and cached), no personal data, the same page for everyone, few queries,
and hostile filters answered with a 400."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from motcua.core.numbers import format_vn
from motcua.dossiers.tests.factories import APPLICANT
from motcua.index766 import indicators
from motcua.org.constants import Role
from motcua.org.models import Agency
from motcua.stats import public, scheduled
from motcua.stats.models import MonthlyReport, ReportKind
from motcua.stats.tests.factories import EXPECTED_JUSTICE, FEB, MAR, build_scenario

pytestmark = pytest.mark.django_db
URL = "/thong-ke/"


@pytest.fixture(scope="module")
def scenario(module_db):
    return build_scenario()


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # the live scores are cached per month and agency code
    yield
    cache.clear()


def agency_points(agency, period) -> str:
    return format_vn(indicators.build(agency, indicators.Period(*period))["points"], 2)


def officers_report(client, scenario, period) -> dict:
    client.force_login(scenario.province.officer("center", Role.SUPERVISOR))
    response = client.get(
        "/reports/dossiers/",
        {"from": period[0].isoformat(), "to": period[1].isoformat(), "format": "json"},
    )
    client.logout()
    assert response.status_code == 200
    return response.json()


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize("period", [FEB, MAR], ids=["february", "march"])
def test_the_numbers_are_the_officers_06a_numbers(client, scenario, period):
    report = officers_report(client, scenario, period)
    response = client.get(URL, {"month": f"{period[0]:%Y-%m}"})
    assert response.status_code == 200
    rows = {r["name"]: r for r in response.context["rows"]}
    assert set(rows) == {r["name"] for r in report["rows"]}
    for entry in [*report["rows"], {**report["total"], "name": None}]:
        shown = rows[entry["name"]] if entry["name"] else response.context["total"]
        received, resolved = entry["received"], entry["resolved"]
        assert shown["total"] == received["total"]
        assert shown["received"] == received["online"] + received["counter_post"]
        assert shown["online"] == received["online"]
        assert shown["resolved"] == resolved["total"]
        assert shown["on_time"] == resolved["early"] + resolved["on_time"]
    # And by hand (stats/tests/factories.py): the justice department's month.
    justice = rows[scenario.province.justice.name]
    expected = EXPECTED_JUSTICE[period]
    assert justice["received"] == expected["online"] + expected["counter_post"]
    assert justice["resolved"] == expected["early"] + expected["on_time"] + expected["late"]


def test_the_page_shows_rates_with_the_decimal_comma(client, scenario):
    page = main(client.get(URL, {"month": "2025-02"}))
    # Sở Tư pháp in February: 7 received, 1 online (14,29 %); 3 resolved, 2 in time.
    justice = page[page.index(scenario.province.justice.name) :]
    justice = justice[: justice.index("</tr>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', justice)
    points = agency_points(scenario.province.justice, FEB)
    assert cells == ["7", "7", "14,29 %", "3", "66,67 %", points]
    # Sở Y tế: one dossier by post, none resolved: the rate is a dash, not 0 %.
    health = page[page.index(scenario.province.health.name) :]
    health = health[: health.index("</tr>")]
    assert re.findall(r'<td class="num">([^<]*)</td>', health) == [
        "1",
        "1",
        "0,00 %",
        "0",
        "–",
        agency_points(scenario.province.health, FEB),
    ]


def test_the_province_index_is_the_index_766_of_the_month(client, scenario):
    response = client.get(URL, {"month": "2025-03"})
    expected = indicators.build(None, indicators.Period(*MAR))["points"]
    assert response.context["index"] == format_vn(expected, 2)
    assert f"<b>{format_vn(expected, 2)}</b>" in main(response)


def test_no_personal_data_is_shown(client, scenario):
    html = client.get(URL, {"month": "2025-02"}).content.decode()
    assert scenario.province.justice.name in html  # the page does show the agencies
    for value in (APPLICANT["full_name"], APPLICANT["id_number"], APPLICANT["phone"]):
        assert value not in html
    for dossier in scenario.dossiers.values():
        assert dossier.code and dossier.code not in html
    page = main(client.get(URL, {"month": "2025-02"}))
    assert "/reports/" not in page  # no drill-down
    for agency in (scenario.province.justice, scenario.province.health):
        assert agency.code not in page  # nor agency codes (the index is keyed by them)


def test_the_page_is_the_same_for_everyone_and_needs_no_sign_in(client, scenario):
    anonymous = client.get(URL, {"month": "2025-03"})
    assert anonymous.status_code == 200
    assert "sessionid" not in anonymous.cookies
    client.force_login(scenario.province.officer("justice", Role.DESK_OFFICER))
    signed_in = client.get(URL, {"month": "2025-03"})
    assert signed_in.status_code == 200
    assert main(signed_in) == main(anonymous)


def test_the_default_month_is_the_last_complete_month(client, scenario):
    assert public.last_complete_month(date(2025, 1, 15)) == date(2024, 12, 1)
    assert public.last_complete_month(date(2025, 3, 31)) == date(2025, 2, 1)
    assert public.month_period(date(2024, 2, 1)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert public.month_period(date(2025, 12, 1)) == (date(2025, 12, 1), date(2025, 12, 31))
    response = client.get(URL)
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["month"] == public.last_complete_month(today)
    assert response.context["end"] < today.replace(day=1)


def test_a_tier_keeps_its_agencies_only(client, scenario):
    province = client.get(URL, {"month": "2025-02", "tier": "province"})
    names = {r["name"] for r in province.context["rows"]}
    assert {scenario.province.justice.name, scenario.province.health.name} <= names
    commune = client.get(URL, {"month": "2025-02", "tier": "commune"})
    assert commune.status_code == 200
    assert scenario.province.justice.name not in {r["name"] for r in commune.context["rows"]}
    assert commune.context["total"]["received"] == 0


def test_each_agency_shows_its_index_766_score(client, scenario):
    p = scenario.province
    response = client.get(URL, {"month": "2025-03"})
    rows = {r["name"]: r for r in response.context["rows"]}
    for agency in (p.justice, p.health):
        expected = indicators.build(agency, indicators.Period(*MAR))
        assert rows[agency.name]["index"] == format_vn(expected["points"], 2)
    # By hand: at the justice department in March, of the dossiers finished with a result
    # (d4) or open at the month's end (d5, d8, d9, d11), on time are d4, d9 and d11: the
    # index's "on time" indicator the score is made of.
    expected = indicators.build(p.justice, indicators.Period(*MAR))
    on_time = next(r for g in expected["groups"] for r in g["indicators"] if r["key"] == "on_time")
    assert (on_time["numerator"], on_time["denominator"]) == (3, 5)
    # The agencies' scores differ from the province's and from each other here.
    assert rows[p.justice.name]["index"] != rows[p.health.name]["index"]


def test_a_stored_month_shows_the_stored_scores(client, scenario):
    p = scenario.province
    april = datetime(2025, 4, 1, 2, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    scheduled.produce_month(date(2025, 3, 1), now=april)
    stored = MonthlyReport.objects.filter(month=date(2025, 3, 1), kind=ReportKind.INDEX766)
    # What was reported on 1 April stands, even if the live figures change later: mark the
    # stored scores to see that the page reads them.
    for report in stored:
        report.data = {**report.data, "points": "12.34" if report.scope else "56.78"}
        report.save()
    response = client.get(URL, {"month": "2025-03"})
    rows = {r["name"]: r for r in response.context["rows"]}
    assert rows[p.justice.name]["index"] == rows[p.health.name]["index"] == "12,34"
    assert response.context["index"] == "56,78"
    html = main(response)
    assert '<td class="num">12,34</td>' in html and "<b>56,78</b>" in html
    # Another month, not stored: live.
    february = client.get(URL, {"month": "2025-02"})
    rows = {r["name"]: r for r in february.context["rows"]}
    assert rows[p.justice.name]["index"] == agency_points(p.justice, FEB)


def test_few_queries_whatever_the_number_of_agencies(
    client, scenario, django_assert_max_num_queries
):
    april = datetime(2025, 4, 1, 2, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    scheduled.produce_month(date(2025, 2, 1), now=april)
    # A stored month: the 06a's three queries and one for every stored score.
    with django_assert_max_num_queries(6):
        before = client.get(URL, {"month": "2025-02"})
    assert before.status_code == 200
    assert all(r["index"] != "–" for r in before.context["rows"])
    for n in range(30):  # thirty more communes, each a row of the page, not stored
        Agency.objects.create(
            code=f"H40.99.{n:02d}", name=f"UBND xã Thử {n:02d}", kind="commune_pc", level="commune"
        )
    after = client.get(URL, {"month": "2025-02"})  # computes their scores once, live
    assert len(after.context["rows"]) == len(before.context["rows"]) + 30
    communes = [r for r in after.context["rows"] if r["name"].startswith("UBND xã Thử")]
    commune = Agency.objects.get(code="H40.99.00")
    assert communes[0]["index"] == agency_points(commune, FEB)
    with django_assert_max_num_queries(6):  # then from the cache
        again = client.get(URL, {"month": "2025-02"})
    assert main(again) == main(after)
    # A month not stored: live once, then cached, whatever the number of agencies.
    client.get(URL, {"month": "2025-03"})
    with django_assert_max_num_queries(5):
        march = client.get(URL, {"month": "2025-03"})
    assert march.context["index"] == format_vn(
        indicators.build(None, indicators.Period(*MAR))["points"], 2
    )


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2025-13"},
        {"month": "2025-00"},
        {"month": "1999-12"},
        {"month": "2100-01"},
        {"month": "0001-01"},
        {"month": "9999-12"},
        {"month": "2025-1"},
        {"month": "2025-02-01"},
        {"month": "99999999999999999999"},
        {"month": "x" * 10_000},
        {"month": "2025-02\x00"},
        {"month": "２０２５-０２"},
        {"month": "2025-02", "tier": "galaxy"},
        {"month": "2025-02", "tier": "x" * 10_000},
        {"month": "9999-99"},
        {"month": "\x00"},
        {"month": "2025-02", "tier": "\x00"},
        {"month": "0001"},
    ],
)
def test_hostile_filters_are_a_clear_400(client, scenario, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    if "\x00" not in "".join(params.values()):  # NUL is refused before the view
        assert 'class="errorlist"' in response.content.decode()
        assert response.context["form"].errors


def test_bounds_are_accepted(client, scenario):
    for month in ("2000-01", "2099-12"):
        response = client.get(URL, {"month": month})
        assert response.status_code == 200
        assert response.context["total"]["received"] == 0


def test_the_catalogue_home_page_links_to_it(client, scenario):
    assert f'href="{URL}"' in client.get("/").content.decode()
