"""The built-in form of a procedure that has no form of its own: the applicant's details
(filled from the account) and a free "what you request" field.

Built-in forms are kept by name and never changed once dossiers use them: a dossier's
e-form record names the one it answers (`FormRecord.builtin`), so a later built-in form
gets a new name and the old one stays here."""

from django.utils.translation import gettext as _

BUILTIN = "default-1"

PHONE_PATTERN = r"^\+?[0-9 .()-]{8,20}$"
ID_PATTERN = r"^([0-9]{9}|[0-9]{12})$"
TAX_PATTERN = r"^[0-9]{10}(-[0-9]{3})?$"


def _default_1() -> tuple[dict, dict]:
    schema = {
        "type": "object",
        "properties": {
            "applicant_name": {
                "type": "string",
                "title": _("Full name (or the organisation's name)"),
                "maxLength": 300,
            },
            "id_number": {
                "type": "string",
                "title": _("Personal identification number"),
                "pattern": ID_PATTERN,
            },
            "tax_code": {"type": "string", "title": _("Tax code"), "pattern": TAX_PATTERN},
            "birth_date": {"type": "string", "format": "date", "title": _("Date of birth")},
            "phone": {
                "type": "string",
                "title": _("Phone"),
                "maxLength": 20,
                "pattern": PHONE_PATTERN,
            },
            "email": {"type": "string", "format": "email", "title": _("E-mail"), "maxLength": 254},
            "address": {"type": "string", "title": _("Contact address"), "maxLength": 500},
            "request": {
                "type": "string",
                "title": _("What you request"),
                "description": _(
                    "Say what you ask the agency to do and anything it should know about your case."
                ),
                "maxLength": 4000,
            },
            "declaration": {
                "type": "boolean",
                "const": True,
                "title": _(
                    "I declare that the information above is true and take responsibility "
                    "for it before the law."
                ),
            },
        },
        "required": ["applicant_name", "address", "request", "declaration"],
    }
    ui = {
        "sections": [
            {
                "title": _("The applicant"),
                "fields": [
                    "applicant_name",
                    "id_number",
                    "tax_code",
                    "birth_date",
                    "phone",
                    "email",
                    "address",
                ],
            },
            {"title": _("Your request"), "fields": ["request", "declaration"]},
        ],
        "fields": {
            "applicant_name": {"prefill": "full_name"},
            "id_number": {
                "prefill": "id_number",
                "error": _(
                    "Enter the 12 digits of the citizen identity card (or the 9 of an old ID card)."
                ),
            },
            "tax_code": {
                "prefill": "tax_code",
                "error": _("Enter the 10-digit tax code, with its 3-digit branch number if any."),
            },
            "birth_date": {"prefill": "birth_date", "when": "past"},
            "phone": {
                "prefill": "phone",
                "error": _("Enter a phone number, e.g. 0912 345 678."),
            },
            "email": {"prefill": "email"},
            "address": {"prefill": "address"},
            "request": {"widget": "textarea", "rows": 6},
        },
    }
    return schema, ui


BUILTINS = {BUILTIN: _default_1}


def builtin(name: str = BUILTIN) -> tuple[dict, dict]:
    """The schema and UI hints of a built-in form, in the current language."""
    return BUILTINS[name]()
