import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.catalog import report, reportcore, services
from motcua.catalog.tests.factories import make_procedure, procedure_data
from motcua.org.constants import AgencyKind, Level
from motcua.org.models import Agency, Desk

pytestmark = pytest.mark.django_db
PERIOD = (date(2017, 1, 1), date(2020, 12, 31))


def decision(number, day):
    return services.create_decision(number, number, day, day)


@pytest.fixture
def history():
    """A small history whose figures can be checked by hand."""
    before = decision("1/QĐ-UBND", date(2016, 5, 1))  # outside the period
    old = make_procedure(effective_on=date(2016, 5, 1), decision=before)
    gone = make_procedure(effective_on=date(2016, 5, 1), decision=before)
    d1, d2 = decision("2/QĐ-UBND", date(2018, 1, 10)), decision("3/QĐ-UBND", date(2020, 6, 1))
    # new: 10 → 4 days (cut), hours 8 → 8 (not cut, one day each)
    make_procedure(
        decision=d1,
        effective_on=date(2018, 1, 10),
        level="commune",
        statutory_duration="10",
        local_duration="4",
        online_level=4,
        inter_agency=True,
    )
    make_procedure(
        decision=d1,
        effective_on=date(2018, 1, 10),
        level="district",
        duration_unit="hours",
        statutory_duration="8",
        local_duration="8",
        online_level=3,
        one_stop=False,
    )
    # amended: 20 → 15 days (cut); replacing: 6 → 6 (not cut); abolished: not eligible
    services.amend_procedure(
        old,
        procedure_data(statutory_duration="20", local_duration="15", online_level=2),
        effective_on=date(2020, 6, 1),
        decision=d2,
    )
    services.replace_procedures(
        [gone],
        procedure_data(statutory_duration="6", local_duration="6"),
        effective_on=date(2020, 6, 1),
        decision=d2,
    )
    abolished = make_procedure(decision=d1, effective_on=date(2018, 1, 10))
    services.abolish_procedure(abolished, effective_on=date(2020, 6, 1), decision=d2)
    # a decision after the period does not count
    later = decision("4/QĐ-UBND", date(2021, 3, 1))
    make_procedure(decision=later, effective_on=date(2021, 3, 1))
    dept = Agency.objects.create(
        code="A1", name="Sở A", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    Desk.objects.create(agency=dept, name="Quầy Sở A")
    Desk.objects.create(agency=dept, name="Quầy thứ hai của Sở A")  # still one agency
    dept2 = Agency.objects.create(
        code="A3", name="Sở C", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    Desk.objects.create(agency=dept2, name="Quầy Sở C")
    closed = Agency.objects.create(
        code="A2",
        name="UBND xã B",
        kind=AgencyKind.COMMUNE_PC,
        level=Level.COMMUNE,
        valid_to=date(2019, 1, 1),
    )
    Desk.objects.create(agency=closed, name="Quầy xã B")


def test_publication_figures(history):
    pub = report.build(on=date(2020, 12, 31), period=PERIOD)["publication"]
    assert pub == {
        "decisions": 2,
        "procedures_in_decisions": 6,
        "new": 3,
        "amended": 1,
        "replaced_old": 1,
        "replaced_by_new": 1,
        "abolished": 1,
        "time_cut": {"cut": 3, "eligible": 5, "percent": "60,00", "not_cut": 2},
        # statutory 10 + 1 + 10 (abolished later) + 20 + 6 = 47; local 4 + 1 + 5 + 15 + 6
        "days": {"local_total": 31, "statutory_total": 47, "saved": 16, "percent_saved": "34,04"},
    }


def test_procedure_figures_as_on_a_date(history):
    p = report.build(on=date(2020, 12, 31), period=PERIOD)["procedures"]
    assert p["total"] == 4
    assert p["by_level"] == {"province": 2, "district": 1, "commune": 1}
    assert p["one_stop"]["by_level"] == {"province": 2, "district": 0, "commune": 1}
    assert p["one_stop"]["percent"] == "75,00"
    assert p["inter_agency"] == 1
    assert p["online_level"]["4"] == {
        "total": 1,
        "percent": "25,00",
        "by_level": {"province": 0, "district": 0, "commune": 1},
    }
    assert p["online_level_3_or_4"] == {
        "total": 3,
        "percent": "75,00",
    }  # the replacement is level 3
    # On a date before the 2020 decision the replaced and abolished ones were in force.
    assert report.build(on=date(2019, 1, 1), period=PERIOD)["procedures"]["total"] == 5
    assert report.build(on=date(2021, 6, 1), period=PERIOD)["procedures"]["total"] == 5


def test_one_stop_units_count_agencies_with_desks_in_being(history):
    assert report.build(on=date(2018, 6, 1))["one_stop_units"]["total"] == 3
    assert report.build(on=date(2020, 6, 1))["one_stop_units"] == {
        "provincial_departments": 2,
        "district_level": 0,
        "commune_level": 0,
        "total": 2,
    }


def test_command_prints_json_and_vietnamese_text(history):
    out = StringIO()
    call_command("report", "catalogue", "--format", "json", "--on", "2020-12-31", stdout=out)
    data = json.loads(out.getvalue())
    assert data["publication"]["time_cut"]["percent"] == "60,00"
    assert data["as_of"] == "2020-12-31"
    out = StringIO()
    call_command("report", "catalogue", "--on", "2020-12-31", stdout=out)
    text = out.getvalue()
    assert "Tổng số thủ tục hành chính: 4" in text
    assert "Cắt giảm thời gian: 3/5 thủ tục, đạt 60,00%" in text
    assert "31/47 ngày, cắt giảm 16 ngày = 34,04%" in text


def test_report_page_and_json(client, history):
    page = client.get("/reports/catalogue/", {"on": "2020-12-31"})
    assert page.status_code == 200
    assert "34,04" in page.content.decode()
    data = client.get("/reports/catalogue/", {"on": "2020-12-31", "format": "json"}).json()
    assert data["procedures"]["total"] == 4


def test_reportcore_fractional_days_stay_exact():
    section = reportcore.publication_section(1, {"new": 1}, 0, 1, 1, 0.5, 1)
    assert section["days"] == {
        "local_total": "0.5",
        "statutory_total": 1,
        "saved": "0.5",
        "percent_saved": "50,00",
    }
