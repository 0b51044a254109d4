"""The shipped announcements (data/vn_exceptions.json) against the `holidays` package,
and the public-service calendar they give, year by year. No database."""

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from motcua.worktime.core import DAY_OFF, WORKING_DAY
from motcua.worktime.vn import CULTURE_DAY_NAME, build_calendar, load_announcements

YEARS = range(2017, 2027)
DOC = Path(__file__).resolve().parents[3] / "docs" / "worktime.md"
CAL = build_calendar()
VN = holidays.country_holidays("VN", years=range(2016, 2028))

# Where the shipped data and holidays 0.109 differ, and why (docs/worktime.md says more).
DIFFERENCES = {
    date(2026, 1, 2): "day off by Công văn 12729/VPCP-KGVX (25/12/2025), unknown to holidays",
    date(2026, 1, 10): "make-up Saturday for 2/1/2026, unknown to holidays",
}


def test_announcements_are_well_formed():
    items = load_announcements()
    assert items, "no shipped announcements"
    by_date = {item.date: item for item in items}
    for item in items:
        assert item.date.year in YEARS
        assert item.reason and item.document and item.issuer
        if item.kind == DAY_OFF:
            assert item.date.weekday() < 5, f"{item.date}: a day off on a weekend"
        else:
            assert item.kind == WORKING_DAY
            assert item.date.weekday() >= 5, f"{item.date}: a make-up day on a weekday"
        if item.swap_with is not None:
            partner = by_date[item.swap_with]
            assert partner.swap_with == item.date and partner.kind != item.kind
            assert partner.document == item.document
        if not item.confirmed:
            assert "Unconfirmed" in item.note


def test_shipped_data_agrees_with_holidays_except_documented_differences():
    unknown_to_package = set()
    for item in load_announcements():
        known = item.date in VN if item.kind == DAY_OFF else item.date in VN.weekend_workdays
        if not known:
            unknown_to_package.add(item.date)
    assert unknown_to_package == set(DIFFERENCES)


def test_every_swap_holidays_knows_is_shipped():
    shipped = {item.date: item.kind for item in load_announcements()}
    for day in VN.weekend_workdays:
        if day.year in YEARS:
            assert shipped.get(day) == WORKING_DAY, day
    for day, name in VN.items():
        if day.year in YEARS and name.startswith("Day off (substituted"):
            assert shipped.get(day) == DAY_OFF, day


@pytest.mark.parametrize("year", YEARS)
def test_calendar_matches_holidays_working_days_but_for_the_differences(year):
    day, differing = date(year, 1, 1), set()
    while day.year == year:
        if CAL.is_working_day(day) != VN.is_working_day(day):
            differing.add(day)
        day += timedelta(days=1)
    assert differing == {d for d in DIFFERENCES if d.year == year}


def off_run(first_guess: date) -> tuple[date, date]:
    """The consecutive non-working days around a date (which must be off)."""
    assert not CAL.is_working_day(first_guess), first_guess
    start = end = first_guess
    while not CAL.is_working_day(start - timedelta(days=1)):
        start -= timedelta(days=1)
    while not CAL.is_working_day(end + timedelta(days=1)):
        end += timedelta(days=1)
    return start, end


# Holiday breaks of public servants as announced each year: (a day inside, first, last).
BREAKS = [
    # Tết Nguyên đán
    ("2017-01-28", "2017-01-26", "2017-02-01"),
    ("2018-02-16", "2018-02-14", "2018-02-20"),
    ("2019-02-05", "2019-02-02", "2019-02-10"),
    ("2020-01-25", "2020-01-23", "2020-01-29"),
    ("2021-02-12", "2021-02-10", "2021-02-16"),
    ("2022-02-01", "2022-01-29", "2022-02-06"),
    ("2023-01-22", "2023-01-20", "2023-01-26"),
    ("2024-02-10", "2024-02-08", "2024-02-14"),
    ("2025-01-29", "2025-01-25", "2025-02-02"),
    ("2026-02-17", "2026-02-14", "2026-02-22"),
    # Tết Dương lịch
    ("2019-01-01", "2018-12-29", "2019-01-01"),
    ("2026-01-01", "2026-01-01", "2026-01-04"),
    # Giỗ Tổ, 30/4 and 1/5
    ("2019-04-30", "2019-04-27", "2019-05-01"),
    ("2023-04-30", "2023-04-29", "2023-05-03"),
    ("2024-04-30", "2024-04-27", "2024-05-01"),
    ("2025-04-30", "2025-04-30", "2025-05-04"),
    ("2026-04-27", "2026-04-25", "2026-04-27"),
    # Quốc khánh
    ("2017-09-02", "2017-09-02", "2017-09-04"),
    ("2021-09-02", "2021-09-02", "2021-09-05"),
    ("2022-09-02", "2022-09-01", "2022-09-04"),
    ("2024-09-02", "2024-08-31", "2024-09-03"),
    ("2025-09-02", "2025-08-30", "2025-09-02"),
    ("2026-09-02", "2026-08-29", "2026-09-02"),
]


@pytest.mark.parametrize(("inside", "first", "last"), BREAKS)
def test_announced_breaks(inside, first, last):
    assert off_run(date.fromisoformat(inside)) == (
        date.fromisoformat(first),
        date.fromisoformat(last),
    )


@pytest.mark.parametrize(
    "saturday", ["2019-01-05", "2019-05-04", "2024-05-04", "2025-04-26", "2026-01-10", "2026-08-22"]
)
def test_make_up_saturdays_are_working_days(saturday):
    assert CAL.is_working_day(date.fromisoformat(saturday))


def test_culture_day_comes_from_holidays_and_can_be_switched_off():
    assert VN.get(date(2026, 11, 24)) == "Vietnam Cultural Day"
    assert CAL.note(date(2026, 11, 24)).name == CULTURE_DAY_NAME
    assert build_calendar(include_culture_day=False).is_working_day(date(2026, 11, 24))
    assert CAL.is_working_day(date(2025, 11, 24))  # a Monday: not a holiday before 2026


def test_docs_list_the_differences_and_the_unconfirmed_entries():
    text = DOC.read_text(encoding="utf-8")
    for day in DIFFERENCES:
        assert day.isoformat() in text
    for item in load_announcements():
        assert item.date.isoformat() in text
        assert item.document in text
