"""The answers of a dossier's e-form, as the officer and the applicant read them."""

from datetime import date

from django import template
from django.utils.translation import gettext as _

from motcua.core.numbers import format_vn
from motcua.eforms.schema import DefinitionError, Field

register = template.Library()


def shown(f: Field, value) -> str:
    """One answer as text: dates dd/mm/yyyy, numbers the Vietnamese way, choices by label."""
    if value is None or value == "":
        return ""
    if f.kind == "yesno":
        return _("Yes") if value else _("No")
    if f.kind == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if f.kind in ("number", "integer") and isinstance(value, int | float):
        return format_vn(int(value) if value == int(value) else value)
    if f.kind == "choice":
        return dict(f.choices).get(value, str(value))
    return str(value)


def answers(record) -> list[dict]:
    """The record's answers in the order of its form, each with its label."""
    from motcua.eforms.services import form_of_record

    data = record.data or {}
    try:
        form = form_of_record(record)
    except (DefinitionError, KeyError):  # never expected: stored forms were checked
        return [{"label": k, "text": str(v), "rows": None} for k, v in data.items()]
    items = []
    for f in form.fields:
        if f.is_group:
            rows = [
                [shown(c, (r or {}).get(c.name)) for c in f.children]
                for r in data.get(f.name) or []
            ]
            items.append({"label": f.label, "headers": [c.label for c in f.children], "rows": rows})
        else:
            items.append({"label": f.label, "text": shown(f, data.get(f.name)), "rows": None})
    return items


@register.inclusion_tag("eforms/_answers.html")
def eform_answers(record):
    return {"items": answers(record)}


@register.inclusion_tag("eforms/_panel.html")
def eform_panel(dossier):
    """The dossier's online application form and where its result goes (officer's page)."""
    record = dossier.eforms.select_related("definition").order_by("-id").first()
    return {"dossier": dossier, "record": record}


@register.inclusion_tag("eforms/_edit_link.html", takes_context=True)
def eform_edit_link(context, procedure):
    """On a procedure's public page: a link to its form, for those who may edit it."""
    from motcua.eforms.services import may_edit

    request = context.get("request")
    user = getattr(request, "user", None)
    return {"procedure": procedure, "show": user is not None and may_edit(user, procedure)}
