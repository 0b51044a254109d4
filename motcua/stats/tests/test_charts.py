"""The SVG builders of the dashboard: proportions, escaping, empty data."""

import re
import xml.etree.ElementTree as ET

import pytest

from motcua.stats import charts

SVG = "{http://www.w3.org/2000/svg}"
KW = {"title": "T", "desc": "D", "empty": "Không có số liệu"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML or this raises


def bar_rects(root):
    return [r for r in root.iter(f"{SVG}rect")]


def test_bar_lengths_are_proportional_to_the_values():
    root = parse(charts.bar_chart("c", ["a", "b", "c"], [10, 20, 5], **KW))
    widths = [float(r.get("width")) for r in bar_rects(root)]
    assert widths[1] == pytest.approx(2 * widths[0])
    assert widths[2] == pytest.approx(widths[0] / 2)
    assert widths[1] > 0


def test_a_max_value_fixes_the_scale():
    root = parse(charts.bar_chart("c", ["a", "b"], [50, 100], max_value=100, **KW))
    short, full = (float(r.get("width")) for r in bar_rects(root))
    assert short == pytest.approx(full / 2)
    half = parse(charts.bar_chart("c", ["a"], [50], max_value=100, **KW))
    assert float(bar_rects(half)[0].get("width")) == pytest.approx(full / 2)


def test_stacked_columns_stack_the_series_in_proportion():
    svg = charts.stacked_bars(
        "s", ["01/2025", "02/2025"], [("Online", [1, 3]), ("Counter", [1, 0])], **KW
    )
    rects = [r for r in parse(svg).iter(f"{SVG}rect") if r.get("class", "").startswith("series")]
    heights = {(r.get("class"), r.find(f"{SVG}title").text): float(r.get("height")) for r in rects}
    online_jan = heights[("series-0", "01/2025 – Online: 1")]
    counter_jan = heights[("series-1", "01/2025 – Counter: 1")]
    online_feb = heights[("series-0", "02/2025 – Online: 3")]
    assert online_jan == pytest.approx(counter_jan)
    assert online_feb == pytest.approx(3 * online_jan, abs=0.05)
    assert len(rects) == 3  # a zero value draws nothing
    totals = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("class") == "value"]
    assert totals == ["2", "3"]


def test_line_points_follow_the_values_and_skip_gaps():
    svg = charts.line_chart("l", ["a", "b", "c", "d"], [0, 50, None, 100], max_value=100, **KW)
    root = parse(svg)
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert len(ys) == 3
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2])  # 0, 50, 100 evenly spaced
    assert len(list(root.iter(f"{SVG}polyline"))) == 2  # the None splits the line


@pytest.mark.parametrize(
    "build",
    [
        lambda label: charts.bar_chart("x", [label], [1], **KW),
        lambda label: charts.stacked_bars("x", [label], [(label, [1])], **KW),
        lambda label: charts.line_chart("x", [label], [1], **KW),
        lambda label: charts.bar_chart("x", ["a"], [1], title=label, desc=label, empty="e"),
    ],
)
def test_labels_are_escaped(build):
    svg = build('<script>alert("x")</script>&')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    parse(svg)


def test_the_id_is_escaped():
    svg = charts.bar_chart('x" onload="alert(1)', ["a"], [1], **KW)
    assert 'onload="' not in svg
    parse(svg)


@pytest.mark.parametrize(
    "svg",
    [
        charts.bar_chart("e", [], [], **KW),
        charts.stacked_bars("e", [], [], **KW),
        charts.stacked_bars("e", ["01/2025"], [("Online", [0])], **KW),
        charts.line_chart("e", [], [], **KW),
        charts.line_chart("e", ["01/2025"], [None], **KW),
    ],
)
def test_empty_data_gives_a_no_data_drawing(svg):
    root = parse(svg)
    assert "chart-empty" in root.get("class")
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Không có số liệu"]
    assert root.find(f"{SVG}title").text == "T"


def test_every_chart_names_itself_for_screen_readers():
    svg = charts.line_chart("idx", ["a"], [3], **KW)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "idx-title idx-desc"
    assert root.find(f"{SVG}title").get("id") == "idx-title"
    assert root.find(f"{SVG}desc").text == "D"


def test_mismatched_lengths_are_a_programming_error():
    with pytest.raises(ValueError):
        charts.bar_chart("x", ["a", "b"], [1], **KW)


def test_no_inline_style_or_script():
    svg = charts.stacked_bars("s", ["a"], [("x", [1]), ("y", [2])], **KW)
    svg += charts.bar_chart("b", ["a"], [1], **KW) + charts.line_chart("l", ["a"], [1], **KW)
    assert not re.search(r"\sstyle=|<script|\son\w+=", svg)
