"""Server-side SVG charts for the statistics dashboard. No Django import, no script.

Each builder takes plain lists and returns one `<svg>` string: `role="img"` with a
`<title>` and a `<desc>` (the screen reader's text), every label and value as text in the
drawing (readable when printed in black and white), every string escaped. Empty data gives
a small "no data" drawing, never an error. Colours are presentation attributes (the CSP
refuses inline `style`); the page's CSS may override them through the class names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#1f5f99", "#d9822b", "#5a8f29", "#8e44ad", "#b03a2e", "#7f8c8d")
WIDTH = 640
FONT = 12


def _e(text) -> str:
    return escape(str(text), quote=True)


def _number(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _open(chart_id: str, width: int, height: int, title: str, desc: str, kind: str) -> str:
    cid = _e(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" id="{cid}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-size="{FONT}" '
        f'font-family="sans-serif">'
        f'<title id="{cid}-title">{_e(title)}</title><desc id="{cid}-desc">{_e(desc)}</desc>'
    )


def no_data(chart_id: str, title: str, message: str) -> str:
    """A drawing that says there is nothing to draw."""
    return (
        _open(chart_id, WIDTH, 60, title, message, "empty")
        + f'<text x="{WIDTH // 2}" y="34" text-anchor="middle" class="no-data">{_e(message)}'
        "</text></svg>"
    )


def _scale_max(values: Sequence[float], max_value: float | None) -> float:
    top = max([v for v in values if v is not None] + [0])
    if max_value is not None:
        top = max(top, max_value)
    return float(top) or 1.0


def bar_chart(
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    desc: str,
    empty: str,
    value_text: Callable[[float | None], str] = str,
    max_value: float | None = None,
    label_width: int = 220,
) -> str:
    """Horizontal bars, one per label; a bar's length is proportional to its value (None:
    no bar, the value text still shown)."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    if not labels:
        return no_data(chart_id, title, empty)
    bar, gap, top = 18, 8, 8
    height = top * 2 + len(labels) * (bar + gap)
    room = WIDTH - label_width - 90
    scale = _scale_max(values, max_value)
    out = [_open(chart_id, WIDTH, height, title, desc, "bars")]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar + gap)
        length = 0.0 if value is None else room * float(value) / scale
        out.append(
            f'<g class="bar"><text x="{label_width - 6}" y="{y + 13}" text-anchor="end">'
            f"{_e(_short(label))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{_number(length)}" height="{bar}" '
            f'fill="{PALETTE[0]}"><title>{_e(label)}: {_e(value_text(value))}</title></rect>'
            f'<text x="{_number(label_width + length + 4)}" y="{y + 13}" class="value">'
            f"{_e(value_text(value))}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def _short(label: str, limit: int = 34) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def stacked_bars(
    chart_id: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    desc: str,
    empty: str,
) -> str:
    """Vertical columns, one per label, each stacking the series' values (a legend names
    the series); the total is written above each column."""
    if not labels or not series or not any(any(v for v in vs) for _, vs in series):
        return no_data(chart_id, title, empty)
    for _, vs in series:
        if len(vs) != len(labels):
            raise ValueError("a series differs in length from the labels")
    left, bottom, plot_h, legend_h = 40, 40, 220, 24
    height = legend_h + plot_h + bottom + 10
    step = (WIDTH - left - 10) / len(labels)
    column = max(4.0, step * 0.7)
    totals = [sum(vs[i] for _, vs in series) for i in range(len(labels))]
    scale = _scale_max(totals, None)
    base_y = legend_h + 10 + plot_h
    out = [_open(chart_id, WIDTH, height, title, desc, "stacked")]
    out.append(_legend([name for name, _ in series], 0))
    out.append(f'<line x1="{left}" y1="{base_y}" x2="{WIDTH - 10}" y2="{base_y}" stroke="#333"/>')
    rotate = len(labels) > 12
    for i, label in enumerate(labels):
        x = left + i * step + (step - column) / 2
        y = float(base_y)
        for s, (name, vs) in enumerate(series):
            h = plot_h * float(vs[i]) / scale
            if h <= 0:
                continue
            y -= h
            out.append(
                f'<rect class="series-{s}" x="{_number(x)}" y="{_number(y)}" '
                f'width="{_number(column)}" height="{_number(h)}" fill="{PALETTE[s % 6]}" '
                f'stroke="#fff"><title>{_e(label)} – {_e(name)}: {_e(vs[i])}</title></rect>'
            )
        cx = _number(x + column / 2)
        out.append(
            f'<text x="{cx}" y="{_number(y - 3)}" text-anchor="middle" class="value">'
            f"{_e(totals[i])}</text>"
        )
        out.append(_axis_label(cx, base_y + 14, label, rotate))
    out.append("</svg>")
    return "".join(out)


def _axis_label(x: str, y: float, label: str, rotate: bool) -> str:
    if rotate:
        return (
            f'<text x="{x}" y="{_number(y)}" text-anchor="end" '
            f'transform="rotate(-45 {x} {_number(y)})">{_e(label)}</text>'
        )
    return f'<text x="{x}" y="{_number(y)}" text-anchor="middle">{_e(label)}</text>'


def _legend(names: Sequence[str], y: int) -> str:
    out, x = ['<g class="legend">'], 40
    for s, name in enumerate(names):
        out.append(
            f'<rect x="{x}" y="{y + 4}" width="12" height="12" fill="{PALETTE[s % 6]}"/>'
            f'<text x="{x + 16}" y="{y + 15}">{_e(name)}</text>'
        )
        x += 24 + 8 * len(str(name))
    out.append("</g>")
    return "".join(out)


def line_chart(
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    desc: str,
    empty: str,
    value_text: Callable[[float | None], str] = str,
    max_value: float | None = None,
) -> str:
    """A line through the points (None: a gap in the line, no point); each point's value is
    written above it."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    if not labels or all(v is None for v in values):
        return no_data(chart_id, title, empty)
    left, bottom, plot_h, top = 40, 40, 200, 20
    height = top + plot_h + bottom
    step = (WIDTH - left - 20) / len(labels)
    scale = _scale_max(values, max_value)
    base_y = top + plot_h
    out = [_open(chart_id, WIDTH, height, title, desc, "line")]
    out.append(f'<line x1="{left}" y1="{base_y}" x2="{WIDTH - 10}" y2="{base_y}" stroke="#333"/>')
    rotate = len(labels) > 12
    segments, current = [], []
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step + step / 2
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            y = base_y - plot_h * float(value) / scale
            current.append(f"{_number(x)},{_number(y)}")
            points.append((x, y, label, value))
        out.append(_axis_label(_number(x), base_y + 14, label, rotate))
    if current:
        segments.append(current)
    for segment in segments:
        out.append(
            f'<polyline points="{" ".join(segment)}" fill="none" stroke="{PALETTE[0]}" '
            'stroke-width="2"/>'
        )
    for x, y, label, value in points:
        out.append(
            f'<circle cx="{_number(x)}" cy="{_number(y)}" r="4" fill="{PALETTE[0]}">'
            f"<title>{_e(label)}: {_e(value_text(value))}</title></circle>"
            f'<text x="{_number(x)}" y="{_number(y - 8)}" text-anchor="middle" class="value">'
            f"{_e(value_text(value))}</text>"
        )
    out.append("</svg>")
    return "".join(out)
