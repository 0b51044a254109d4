"""The words for the problems eforms/schema.py finds: an applicant's answer (per field) and
a supervisor's definition. The core gives a code and its parameters; this says it in the
reader's language."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.numbers import format_vn
from motcua.eforms.schema import DefinitionError, Problem

ANSWER = {
    "required": gettext_lazy("Fill in this field."),
    "required_rows": gettext_lazy("Add at least %(limit)s row(s)."),
    "too_long": gettext_lazy("Write at most %(limit)s characters (this has %(length)s)."),
    "too_short": gettext_lazy("Write at least %(limit)s characters."),
    "too_large": gettext_lazy("Enter at most %(limit)s."),
    "too_large_exclusive": gettext_lazy("Enter less than %(limit)s."),
    "too_small": gettext_lazy("Enter at least %(limit)s."),
    "too_small_exclusive": gettext_lazy("Enter more than %(limit)s."),
    "multiple_of": gettext_lazy("Enter a multiple of %(limit)s."),
    "not_a_number": gettext_lazy("Enter a number, e.g. 1.500.000 or 2,5."),
    "not_an_integer": gettext_lazy("Enter a whole number."),
    "not_a_date": gettext_lazy("Enter a real date as dd/mm/yyyy."),
    "date_too_early": gettext_lazy("Enter a date from %(limit)s on."),
    "date_too_late": gettext_lazy("Enter a date up to %(limit)s."),
    "date_in_future": gettext_lazy("The date cannot be after today."),
    "date_in_past": gettext_lazy("The date cannot be before today."),
    "invalid_choice": gettext_lazy("Choose one of the options."),
    "must_tick": gettext_lazy("Tick this box to go on."),
    "pattern": gettext_lazy("This is not written the way the form expects."),
    "email": gettext_lazy("Enter an e-mail address such as ten@example.vn."),
    "too_few_rows": gettext_lazy("Add at least %(limit)s row(s)."),
    "too_many_rows": gettext_lazy("Give at most %(limit)s rows."),
    "invalid_characters": gettext_lazy("Remove the invisible control characters from this text."),
    "invalid": gettext_lazy("This answer is not accepted."),
}

DEFINITION = {
    "not_json": gettext_lazy("The %(what)s is not valid JSON: %(detail)s."),
    "not_object": gettext_lazy("The %(what)s must be a JSON object ({…})."),
    "not_schema": gettext_lazy("The schema is not a valid JSON Schema: %(detail)s (at %(where)s)."),
    "control_characters": gettext_lazy(
        "The definition holds invisible control characters (such as \\u0000): remove them."
    ),
    "ref_not_allowed": gettext_lazy("The schema may not use $ref: write each field out in full."),
    "root_not_object": gettext_lazy(
        'The schema must describe an object: {"type": "object", "properties": {…}}.'
    ),
    "no_fields": gettext_lazy("The form has no fields."),
    "too_many_fields": gettext_lazy("A form may have at most %(limit)s fields."),
    "bad_field_name": gettext_lazy(
        "Field names are lower-case Latin letters, digits and _ (at most 40), starting with a "
        "letter."
    ),
    "missing_title": gettext_lazy('The field needs a "title": the label the applicant reads.'),
    "unsupported_type": gettext_lazy(
        "This kind of field is not supported: use text, number, integer, date, a choice "
        "(enum), yes/no (boolean), or a repeated group (an array of objects) at the top level."
    ),
    "bad_required": gettext_lazy('"required" names a field that does not exist: %(name)s.'),
    "bad_enum": gettext_lazy(
        'The choices ("enum") must be 1 to %(limit)s different non-empty texts.'
    ),
    "bad_pattern": gettext_lazy('The "pattern" is not a valid regular expression: %(detail)s.'),
    "limit_too_large": gettext_lazy("A limit of this field is too large (at most %(limit)s)."),
    "ui_unknown_key": gettext_lazy(
        'The UI hints have an unknown key "%(key)s" (known: sections, fields).'
    ),
    "ui_unknown_field": gettext_lazy("The UI hints name a field that is not in the schema."),
    "ui_field_twice": gettext_lazy("The field is listed in more than one section."),
    "ui_bad_sections": gettext_lazy('Each section is {"title": "…", "fields": ["field name", …]}.'),
    "ui_bad_hint": gettext_lazy('The hint "%(key)s" is unknown or has a value it cannot take.'),
    "ui_bad_widget": gettext_lazy('The widget "%(widget)s" does not fit this kind of field.'),
    "ui_bad_prefill": gettext_lazy(
        '"prefill" must be one of the account\'s details: full_name, id_number, tax_code, '
        "birth_date, phone, email, address."
    ),
    "bad_labels": gettext_lazy('"labels" must give a text for values of the field\'s "enum".'),
}


def _shown(value) -> str:
    """A message parameter as the reader expects it: dates dd/mm/yyyy, numbers with
    Vietnamese grouping (1.000.000; 2,5)."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_vn(int(value) if value == int(value) else value)
    return str(value)


def answer_message(problem: Problem) -> str:
    if problem.code == "pattern" and problem.params.get("message"):
        return str(problem.params["message"])  # the form's own words
    code = problem.code
    if problem.params.get("exclusive"):
        code = f"{code}_exclusive"
    text = ANSWER.get(code) or ANSWER["invalid"]
    params = {k: _shown(v) for k, v in problem.params.items()}
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(ANSWER["invalid"])


def answer_messages(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages by input name ("" for the whole form)."""
    messages: dict[str, list[str]] = {}
    for problem in problems:
        messages.setdefault(problem.field, []).append(answer_message(problem))
    return messages


def definition_messages(error: DefinitionError) -> list[str]:
    """One line per problem of a definition, naming the field it is about."""
    lines = []
    for problem in error.problems:
        params = {"what": _("definition"), **{k: _shown(v) for k, v in problem.params.items()}}
        if problem.params.get("what") == "schema":
            params["what"] = _("schema")
        elif str(problem.params.get("what", "")).startswith("ui"):
            params["what"] = _("UI hints")
        try:
            text = str(DEFINITION.get(problem.code, DEFINITION["not_schema"])) % params
        except (KeyError, TypeError, ValueError):
            text = problem.code
        lines.append(
            _("Field “%(field)s”: %(message)s") % {"field": problem.field, "message": text}
            if problem.field
            else text
        )
    return lines
