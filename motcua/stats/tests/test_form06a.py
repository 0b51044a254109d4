"""The pure core of Biểu 06a: sums, rates, groups and layout, on hand-written counts."""

import pytest

from motcua.stats import form06a
from motcua.stats.form06a import Agency, Cell, Sector


def counts(**values):
    return {**form06a.zero(), **values}


PROVINCE_DEPT = Agency(1, "S01", "Sở Tư pháp", "province", "department")
DISTRICT = Agency(2, "H01", "UBND huyện Kim Bảng", "district", "district_pc")
COMMUNE = Agency(3, "X01", "UBND xã Ba Sao", "commune", "commune_pc", parent_id=2)
OTHER_COMMUNE = Agency(4, "X02", "UBND xã Tượng Lĩnh", "commune", "commune_pc")
AGENCIES = [OTHER_COMMUNE, COMMUNE, DISTRICT, PROVINCE_DEPT]
SECTORS = [Sector(10, "HT", "Hộ tịch"), Sector(11, "DD", "Đất đai")]
CELLS = [
    Cell(
        1,
        10,
        counts(
            online=3, counter_post=2, carried_over=1, early=2, on_time=1, late=1, within=1, other=1
        ),
    ),
    Cell(1, 11, counts(counter_post=4, early=1, late=1, overdue=2)),
    Cell(2, 11, counts(online=1, on_time=1)),
    Cell(3, 10, counts(counter_post=5, carried_over=2, early=4, late=1, within=1, overdue=1)),
    Cell(4, 10, counts(counter_post=1, within=1)),
]


@pytest.fixture
def report():
    return form06a.build(("2025-02-01", "2025-02-28"), AGENCIES, SECTORS, CELLS)


def test_rows_are_agencies_in_tier_order_and_add_up_to_the_total(report):
    assert [r["agency"] for r in report["rows"]] == ["S01", "H01", "X01", "X02"]
    dept = report["rows"][0]
    assert dept["received"] == {"online": 3, "counter_post": 6, "carried_over": 1, "total": 10}
    assert dept["resolved"] == {"early": 3, "on_time": 1, "late": 2, "total": 6}
    assert dept["in_progress"] == {"within": 1, "overdue": 2, "total": 3}
    assert dept["other"] == 1
    assert dept["on_time_rate"] == 0.6667  # 4 / 6
    total = report["total"]
    assert total["received"]["total"] == 10 + 1 + 7 + 1
    for section in ("received", "resolved", "in_progress"):
        for key in total[section]:
            assert total[section][key] == sum(r[section][key] for r in report["rows"])


def test_groups_by_tier_district_and_sector(report):
    groups = {(g["kind"], g.get("tier"), g["key"]): g for g in report["groups"]}
    assert groups[("tier", None, "commune")]["received"]["total"] == 7 + 1
    # The district's rollup: its People's Committee and the commune under it, not the other.
    unit = groups[("unit", "district", "H01")]
    assert unit["members"] == ["H01", "X01"]
    assert unit["received"]["total"] == 1 + 7
    assert groups[("sector", "province", "HT")]["received"]["total"] == 6
    assert groups[("sector", "province", "DD")]["received"]["total"] == 4
    assert groups[("sector", "commune", "HT")]["received"]["total"] == 8
    tiers = [g for g in report["groups"] if g["kind"] == "tier"]
    assert sum(g["received"]["total"] for g in tiers) == report["total"]["received"]["total"]


def test_no_district_no_district_rollup():
    report = form06a.build(("2025-07-01", "2025-07-31"), [PROVINCE_DEPT], SECTORS, CELLS[:2])
    assert not [g for g in report["groups"] if g["kind"] == "unit"]
    assert "units" not in [line.get("key") for line in form06a.lines(report)]


def test_a_cell_of_an_unlisted_agency_is_an_error():
    with pytest.raises(ValueError):
        form06a.build(("2025-02-01", "2025-02-28"), [PROVINCE_DEPT], SECTORS, CELLS)


@pytest.mark.parametrize(
    "early, on_time, resolved, fraction, text",
    [
        (2, 1, 3, 1.0, "100,00 %"),
        (1, 1, 3, 0.6667, "66,67 %"),
        (0, 0, 0, None, "–"),
        (19, 1, 21, 0.9524, "95,24 %"),
        (0, 0, 7, 0.0, "0,00 %"),
    ],
)
def test_on_time_rate(early, on_time, resolved, fraction, text):
    rate = form06a.on_time_rate(early, on_time, resolved)
    assert rate == fraction
    assert form06a.rate_text(rate) == text


def test_check_refuses_counts_that_do_not_balance():
    form06a.check(counts(online=2, early=1, within=1))
    with pytest.raises(ValueError):
        form06a.check(counts(online=2, early=1))


def test_lines_follow_the_form_and_carry_their_drill_down_filter(report):
    lines = form06a.lines(report)
    assert lines[0]["style"] == "total" and lines[0]["filter"] == {}
    assert lines[0]["values"][0] == report["total"]["received"]["total"]
    assert form06a.CELL_METRICS == [
        "received",
        "online",
        "counter_post",
        "carried_over",
        "resolved",
        "early",
        "on_time",
        "late",
        "in_progress",
        "within",
        "overdue",
        "other",
        None,
    ]
    row = next(line for line in lines if line.get("filter") == {"agency": "X01"})
    assert row["values"][:4] == [7, 0, 5, 2]
    assert {"group": "H01"} in [line.get("filter") for line in lines]
    assert {"tier": "province", "sector": "DD"} in [line.get("filter") for line in lines]


def test_text_layout_uses_vietnamese_numbers(report):
    text = form06a.render_text(report)
    assert "từ ngày 01/02/2025 đến ngày 28/02/2025" in text
    assert "66,67 %" in text and "Tổng cộng" in text
