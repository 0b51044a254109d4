"""The index arithmetic, by hand (rules file, "QĐ 766/QĐ-TTg index"): below its threshold
an indicator scores rate × points / threshold, at or above it full points; an indicator
without data scores 0; groups add up to 18/20/22/22/18 and the total to 100."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from motcua.index766 import core
from motcua.index766.core import Count


def test_groups_and_default_points_are_the_published_ones():
    assert [(g.key, g.max_points) for g in core.GROUPS] == [
        ("transparency", 18),
        ("progress", 20),
        ("online", 22),
        ("digitisation", 22),
        ("satisfaction", 18),
    ]
    table = core.points_table()
    # Equal shares by default: 18/4, 20/2, 22/5, 22/5, 18/3.
    assert table["announced_on_time"] == D("4.5")
    assert table["on_time"] == table["handling_time"] == D(10)
    assert table["offered_online"] == table["digitised"] == D("4.4")
    assert table["handling_satisfaction"] == D(6)
    assert sum(table.values()) == 100


def test_points_of_a_group_must_add_up():
    with pytest.raises(ValueError):
        core.points_table({"on_time": D(15)})  # 15 + 10 ≠ 20
    table = core.points_table({"on_time": D(15), "handling_time": D(5)})
    assert table["on_time"] == 15 and table["handling_time"] == 5


@pytest.mark.parametrize(
    "numerator, denominator, threshold, points, expected",
    [
        (50, 100, D(50), D("4.4"), D("4.40")),  # exactly at the threshold: full
        (90, 100, D(50), D("4.4"), D("4.40")),  # above: full, never more
        (25, 100, D(50), D("4.4"), D("2.20")),  # 25 × 4.4 / 50
        (3, 4, D(80), D("4.4"), D("4.13")),  # 75 × 4.4 / 80 = 4.125 → 4.13
        (1, 3, D(100), D(10), D("3.33")),  # 33.33… × 10 / 100
        (0, 7, D(80), D("4.4"), D("0.00")),
        (0, 0, D(80), D("4.4"), D("0.00")),  # nothing to judge: no points
    ],
)
def test_score(numerator, denominator, threshold, points, expected):
    assert core.score(numerator, denominator, threshold, points) == expected


def test_each_indicator_row_carries_its_figures():
    spec = core.SPECS["online_dossiers"]
    row = core.indicator(spec, Count(30, 80), D("4.4"))
    # 37.5% received online against a 50% target: 37.5 × 4.4 / 50 = 3.30.
    assert row["status"] == "ok" and row["fed_by"] is None
    assert (row["numerator"], row["denominator"], row["rate"]) == (30, 80, D("37.50"))
    assert (row["threshold"], row["max_points"], row["points"]) == (D(50), D("4.4"), D("3.30"))


def test_an_indicator_without_data_scores_zero_and_names_what_will_feed_it():
    row = core.indicator(core.SPECS["synced_dossiers"], Count(10, 10), D("4.5"))
    assert row["status"] == "no_data" and row["points"] == 0
    assert (row["numerator"], row["denominator"], row["rate"]) == (0, 0, None)
    assert row["fed_by"] == "National portal sync"
    assert core.indicator(core.SPECS["on_time"], None, D(10))["status"] == "no_data"


def test_satisfaction_is_100_minus_the_late_rate_and_the_complaints_share():
    # 20 dossiers, 17 on time: 15% late; 2 with a complaint: 10%. 100 − 25 = 75%.
    count = core.satisfaction_count(17, 20, complaints=2)
    assert count.rate == D(75)
    row = core.indicator(core.SPECS["handling_satisfaction"], count, D(6))
    assert row["rate"] == D("75.00") and row["points"] == D("5.00")  # 75 × 6 / 90
    # Without the feedback module only the late part is known, and the row says so.
    row = core.indicator(core.SPECS["handling_satisfaction"], core.satisfaction_count(19, 20), D(6))
    assert row["rate"] == D("95.00") and row["points"] == D("6.00")  # ≥ 90: full
    assert row["fed_by"] == "Feedback and complaints (PAKN)"


def test_group_sums_and_total():
    counts = {
        "on_time": Count(1, 2),  # 50% of 100: 5.00
        "handling_time": Count(2, 2),  # 10.00
        "offered_online": Count(4, 5),  # 80% ≥ 80: 4.40
        "online_used": Count(1, 4),  # 25% of 100: 1.10
        "online_dossiers": Count(1, 2),  # 50% ≥ 50: 4.40
        "digitised": Count(3, 5),  # 60 × 4.4 / 80 = 3.30
        "handling_satisfaction": core.satisfaction_count(1, 2),  # 50 × 6 / 90 = 3.33
        "announced_on_time": Count(1, 1),  # 4.50
        "complete_components": Count(0, 3),  # 0
    }
    report = core.evaluate(counts)
    groups = {g["key"]: g["points"] for g in report["groups"]}
    assert groups == {
        "transparency": D("4.50"),
        "progress": D("15.00"),
        "online": D("9.90"),
        "digitisation": D("3.30"),
        "satisfaction": D("3.33"),
    }
    assert report["points"] == D("36.03") and report["max_points"] == 100
    nodata = [
        r["key"] for g in report["groups"] for r in g["indicators"] if r["status"] == "no_data"
    ]
    assert nodata == [
        "national_database",
        "synced_dossiers",
        "online_payment_procedures",
        "paid_online",
        "electronic_result",
        "reused",
        "store_linked",
        "vneid",
        "pakn_on_time",
        "pakn_satisfaction",
    ]


def test_everything_at_its_threshold_scores_the_points_of_the_computed_indicators():
    full = {key: Count(1, 1) for key in core.SPECS}
    report = core.evaluate(full)
    # Out of reach without data: 4.5 × 2 (transparency)
    # + 4.4 × 1 (digitisation: VNeID) + 6 × 2 (satisfaction) = 25.4.
    assert report["points"] == 100 - D("25.4") == D("74.60")


def hours(n):
    return timedelta(hours=n)


def test_handling_time_subtracts_every_supplement_interval():
    t0 = datetime(2025, 3, 3, 10)

    def elapsed(a, b):  # a toy calendar: every hour counts
        return b - a

    finished = t0 + hours(100)
    pauses = [(t0 + hours(10), t0 + hours(30)), (t0 + hours(50), t0 + hours(60))]
    assert core.handling_seconds(elapsed, t0, finished, pauses) == hours(70).total_seconds()
    # A pause still open at the end counts up to the end only.
    open_pause = [(t0 + hours(90), None)]
    assert core.handling_seconds(elapsed, t0, finished, open_pause) == hours(90).total_seconds()
    assert core.average_days(8 * 3600 + 16 * 3600, 2, 8 * 3600) == D("1.50")
    assert core.average_days(0, 0, 8 * 3600) is None


def test_months_of_a_period_are_cut_to_it_and_limited_to_twelve():
    assert core.months(date(2025, 1, 15), date(2025, 3, 10)) == [
        (date(2025, 1, 15), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 10)),
    ]
    months = core.months(date(2020, 1, 1), date(2025, 6, 30))
    assert len(months) == 12 and months[0] == (date(2024, 7, 1), date(2024, 7, 31))


def test_text_shows_no_data_and_points():
    report = core.evaluate({"on_time": Count(1, 2)})
    report |= {"scope": "Tỉnh", "period": {"from": "2025-03-01", "to": "2025-03-31"}}
    text = core.render_text(report)
    assert "Total points: 5,00/100" in text
    assert "Dossiers synced to the national portal: no data yet (National portal sync)" in text
    assert "1/2 = 50,00%; 5,00/10" in text
