"""The work queue's rows as HTML, built here rather than in `_queue_results.html`.

A page draws fifty rows of six cells and up to twenty stale rows: through the template
language that was some 1,500 nodes and 1,000 variables per page, 5.5 ms of a page's 40 on a
2-core machine at a million dossiers (docs/performance.md); the same markup built with
`format_html` takes about a fifth of it. Every value is escaped by `format_html` (the postal
mark is already safe HTML, from its own template); the labels are the page's translations,
passed in. The cells' values are worked out in views._lines and _stale_lines. The filters'
selects too (`select`): Django's widget templates took 2.6 ms a page to draw the two.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

ROW = (
    '<tr class="{urgency}">\n'
    '      <td><a href="{url}">{code}</a>{postal}{stop}</td>\n'
    "      <td>{procedure}</td>\n"
    "      <td>{applicant}</td>\n"
    "      <td>{status}{step}</td>\n"
    "      <td>{agency}{assignee}</td>\n"
    "      <td>{check}{appointment}\n"
    "        {stale}\n"
    '        <span class="pill {urgency}">{pill}</span>\n'
    "        {transfer}\n"
    "        {apology}</td>\n"
    "    </tr>"
)
STALE_ROW = (
    '<tr class="stale"><td><a href="{url}">{code}</a></td><td>{procedure}</td>'
    "<td>{applicant}</td><td>{status}{step}</td><td>{last_entry} "
    '<span class="pill stale">{pill}</span><br><span class="meta">{ago}</span></td></tr>'
)
META = '<br><span class="meta">{}</span>'


def rows(lines: list[dict]) -> SafeString:
    """The queue's rows (`<tr>` each) for the lines of views._lines."""
    stop = format_html(
        '<br><span class="pill stop-requested" title="{}">{}</span>',
        _("The applicant asked online to stop this dossier: issue the stop notice or answer them."),
        _("Applicant asked to stop"),
    )
    stale = format_html('<span class="pill stale">{}</span>', _("Stale"))
    check_by = format_html("{} ", _("Check by"))
    transfer_by = _("Transfer by")
    apology = format_html('<br><span class="meta warn">{}</span>', _("Apology needed if late"))
    html = []
    for r in lines:  # the line's values, its marks turned into their markup
        marks = {
            "stop": stop if r["stop"] else "",
            "step": format_html(META, r["step"]) if r["step"] else "",
            "assignee": format_html(META, r["assignee"]) if r["assignee"] else "",
            "check": check_by if r["check"] else "",
            "stale": stale if r["stale"] else "",
            "transfer": format_html(META, f"{transfer_by} {r['transfer']}")
            if r["transfer"]
            else "",
            "apology": apology if r["apology"] else "",
        }
        html.append(format_html(ROW, **(r | marks)))
    return mark_safe("\n    ".join(html))  # each row escaped by format_html


def stale_rows(lines: list[dict]) -> SafeString:
    """The stale block's rows for the lines of views._stale_lines."""
    pill = _("Stale")
    return mark_safe(  # each row escaped by format_html
        "".join(
            format_html(
                STALE_ROW,
                **(s | {"step": format_html(META, s["step"]) if s["step"] else "", "pill": pill}),
            )
            for s in lines
        )
    )


def select(bound) -> SafeString:
    """A bound form field's `<select>` as Django's Select widget draws it (the option of
    the field's value selected, the empty one when it has none), without its templates."""
    value = bound.value()
    chosen = "" if value is None else str(value)
    selected = mark_safe(" selected")
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, selected if str(v) == chosen else "", label) for v, label in bound.field.choices),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>', bound.html_name, bound.auto_id, options
    )
