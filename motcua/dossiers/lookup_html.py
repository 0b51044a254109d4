"""The lookup's answer as HTML, built here rather than in `lookup_result.html`.

The answer is the page a citizen's lookup gets, and the busiest page a portal serves. Its
dossier's part (the notice, the facts, the postal orders, the timeline) drawn through the
template language was most of the page's rendering; drawn here with `format_html` it costs a
fraction of it, and the rest of the page is kept for visitors (`kept.kept_page`: the base
template around it rendered once per language). docs/performance.md, "The lookup, fifth
round". Every value is escaped by `format_html`; the labels are the page's translations,
with the msgids the template had. The values are worked out in `lookup._show`.
"""

from __future__ import annotations

import functools

from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

FACTS = (
    '<section class="card">\n<dl class="facts">\n'
    "  <dt>{code_label}</dt><dd><b>{{code}}</b></dd>\n"
    "  <dt>{procedure_label}</dt><dd>{{procedure}}</dd>\n"
    "  <dt>{applicant_label}</dt><dd>{{applicant}}</dd>\n"
    "  <dt>{status_label}</dt><dd><b>{{status}}</b></dd>\n"
    "  <dt>{received_label}</dt><dd>{{received_at}}</dd>\n"
    "  <dt>{due_label}</dt><dd>{{due_at}}</dd>\n"
    "  {{returned}}\n"
    "  <dt>{place_label}</dt><dd>{{place}}</dd>\n"
    "</dl>\n</section>\n"
)


@functools.cache
def _facts(language: str) -> str:
    """FACTS with the labels of a language filled in (escaped, a brace in a translation
    kept as a brace), the values' places left: made once per language."""
    labels = {
        "code_label": _("Dossier code"),
        "procedure_label": _("Procedure"),
        "applicant_label": _("Applicant"),
        "status_label": _("Status"),
        "received_label": _("Received at"),
        "due_label": _("Appointment"),
        "place_label": _("Where to receive the result"),
    }
    braced = {k: v.replace("{", "{{").replace("}", "}}") for k, v in labels.items()}
    return format_html(FACTS, **braced)


def answer(
    *,
    code: str,
    procedure: str,
    applicant: str,
    status: str,
    received_at: str,
    due_at: str,
    returned_at: str,
    place: dict,
    ready: bool,
    events: list[dict],
    postal_orders: list,
) -> SafeString:
    """The dossier's part of the answer page. `place` is `lookup._place`'s; `events` the
    timeline's lines (label, at, note); `postal_orders` the live orders, if any."""
    returned = ""
    if returned_at:
        returned = format_html("<dt>{}</dt><dd>{}</dd>", _("Result returned at"), returned_at)
    if place.get("by_post"):
        where = conditional_escape(_("By public postal service, at the applicant's address"))
    elif place.get("name"):
        address = format_html("<br>{}", place["address"]) if place.get("address") else ""
        where = format_html("{}{}", place["name"], address)
    else:
        where = "–"
    html = [
        _notice(place) if ready else "",
        format_html(
            _facts(get_language()),
            code=code,
            procedure=procedure,
            applicant=applicant,
            status=status,
            received_at=received_at,
            due_at=due_at,
            returned=returned,
            place=where,
        ),
        # The postal orders' part is the one other pages show too: its own template.
        render_to_string("postal/_tracking.html", {"orders": postal_orders})
        if postal_orders
        else "",
        format_html("<h2>{}</h2>\n", _("Progress")),
        format_html('<ol class="timeline">{}</ol>\n', _timeline(events)),
    ]
    return mark_safe("".join(html))


def _notice(place: dict) -> SafeString:
    """The result is ready: where it goes, or where to collect it."""
    where = ""
    if place.get("by_post"):
        where = conditional_escape(_("It will be sent to you by public postal service."))
    elif place.get("name"):
        # As `{% blocktranslate %}` did: the sentence is ours, the desk's name is escaped.
        sentence = _("Collect it at %(desk)s; bring your receipt.")
        where = mark_safe(sentence % {"desk": conditional_escape(place["name"])})
    return format_html('<p class="notice">{} {}</p>\n', _("The result is ready."), where)


def _timeline(events: list[dict]) -> SafeString:
    if not events:
        return mark_safe("<li>–</li>")
    return format_html_join(
        "",
        "<li><b>{}</b> – {}{}</li>",
        (
            (e["label"], e["at"], format_html("<br>{}", e["note"]) if e["note"] else "")
            for e in events
        ),
    )
