"""The history line's months (index766.points): a month whose monthly report is stored shows
the stored points, the points sent to supervisors and leaders; another is computed once and
then kept, so a second view computes no index; the crosswalk's line is never the stored one
(the reports count each agency as it was)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.dossiers.tests.factories import make_province
from motcua.index766 import indicators
from motcua.stats.models import MonthlyReport, ReportKind

pytestmark = pytest.mark.django_db
Q1 = indicators.Period(date(2025, 1, 1), date(2025, 3, 31))


@pytest.fixture
def province():
    return make_province()


def stored(first: date, scope: str, points) -> None:
    MonthlyReport.objects.create(
        month=first,
        kind=ReportKind.INDEX766,
        scope=scope,
        data={"points": points},
        created_at=timezone.now(),
    )


def live(agency, start: date, end: date) -> Decimal:
    return indicators.build(agency, indicators.Period(start, end))["points"]


def test_a_stored_month_shows_the_stored_points(province):
    stored(date(2025, 2, 1), "", "12.34")
    stored(date(2025, 2, 1), province.justice.code, "56.78")
    rows = indicators.history(None, Q1)
    assert [r["month"] for r in rows] == ["01/2025", "02/2025", "03/2025"]
    assert [r["points"] for r in rows] == [
        live(None, date(2025, 1, 1), date(2025, 1, 31)),
        Decimal("12.34"),
        live(None, date(2025, 3, 1), date(2025, 3, 31)),
    ]
    justice = indicators.history(province.justice, Q1)
    assert justice[1]["points"] == Decimal("56.78")
    # Another agency has no stored report for February: computed.
    health = indicators.history(province.health, Q1)
    assert health[1]["points"] == live(province.health, date(2025, 2, 1), date(2025, 2, 28))


def test_a_month_cut_by_the_period_is_never_the_stored_month(province):
    stored(date(2025, 2, 1), "", "12.34")
    rows = indicators.history(None, indicators.Period(date(2025, 2, 10), date(2025, 3, 31)))
    assert rows[0]["from"] == "2025-02-10"
    assert rows[0]["points"] == live(None, date(2025, 2, 10), date(2025, 2, 28))


def test_seen_again_no_month_is_computed(province):
    first = indicators.history(province.justice, Q1)
    with CaptureQueriesContext(connection) as queries:
        again = indicators.history(province.justice, Q1)
    assert again == first
    assert len(queries) <= 1  # the stored reports' one query; the months are kept


def test_the_crosswalk_line_is_not_the_stored_one(province):
    stored(date(2025, 2, 1), province.justice.code, "56.78")
    walked = indicators.history(province.justice, Q1, crosswalk=True)
    assert walked[1]["points"] == live(province.justice, date(2025, 2, 1), date(2025, 2, 28))


def test_an_unreadable_stored_value_is_computed_instead(province):
    stored(date(2025, 2, 1), "", "not a number")
    rows = indicators.history(None, Q1)
    assert rows[1]["points"] == live(None, date(2025, 2, 1), date(2025, 2, 28))
