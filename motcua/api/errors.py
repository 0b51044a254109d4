"""Every error the API returns has one JSON shape:

    {"error": {"code": "...", "message": "<localized>", "fields": {field: code},
               "field_messages": {field: "<localized>"}, "missing": [document names]}}

`code` is one of CODES; field codes are "required" or "invalid" (as in
`motcua.dossiers.validation`). Field names are dotted paths into the request
("applicant.id_number", "documents.0.required_document", "page_size", "Idempotency-Key").
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motcua.dossiers import services, workflow
from motcua.dossiers.validation import InvalidApplicant

CODES = (
    "not_allowed",
    "illegal_transition",
    "incomplete",
    "invalid",
    "not_found",
    "unauthorized",
    "conflict",
)
FIELD_MESSAGES = {
    "required": gettext_lazy("This field is required."),
    "invalid": gettext_lazy("This value is not valid."),
}
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
BODY_PARAMS = {"payload"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, fields=None, missing=None):
        assert code in CODES, code
        self.status, self.code, self.message = status, code, str(message)
        self.fields = dict(fields or {})
        self.missing = list(missing or [])
        super().__init__(self.message)


def invalid(fields: dict[str, str], message: str | None = None, status: int = 422) -> ApiError:
    return ApiError(status, "invalid", message or _("The request is not valid."), fields=fields)


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


def body(error: ApiError) -> dict:
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "fields": error.fields,
            "field_messages": {
                name: str(FIELD_MESSAGES.get(code, FIELD_MESSAGES["invalid"]))
                for name, code in error.fields.items()
            },
            "missing": error.missing,
        }
    }


def from_dossier_error(exc: services.DossierError) -> ApiError:
    if isinstance(exc, services.Incomplete):
        return ApiError(
            422, "incomplete", _("The dossier lacks required documents."), missing=exc.missing
        )
    if isinstance(exc, services.NotAllowed):
        return ApiError(403, "not_allowed", str(exc))
    if isinstance(exc.__cause__, workflow.IllegalTransition):
        return ApiError(409, "illegal_transition", str(exc))
    return ApiError(422, "invalid", str(exc))


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in PARAM_SOURCES:
        parts = parts[1:]
    if parts and parts[0] in BODY_PARAMS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def from_validation_error(exc: ValidationError) -> ApiError:
    fields = {}
    for error in exc.errors:
        name = _field_name(error.get("loc", ()))
        fields.setdefault(name, "required" if error.get("type") == "missing" else "invalid")
    return invalid(fields)


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error bodies with the structured ones."""

    def respond(request, error: ApiError):
        return api.create_response(request, body(error), status=error.status)

    api.add_exception_handler(ApiError, respond)
    api.add_exception_handler(
        services.DossierError, lambda r, exc: respond(r, from_dossier_error(exc))
    )
    api.add_exception_handler(
        InvalidApplicant,
        lambda r, exc: respond(
            r,
            invalid(
                {f"applicant.{name}": code for name, code in exc.errors.items()},
                _("The applicant's details are not valid."),
            ),
        ),
    )
    api.add_exception_handler(
        ValidationError, lambda r, exc: respond(r, from_validation_error(exc))
    )
    api.add_exception_handler(
        AuthenticationError,
        lambda r, exc: respond(
            r, ApiError(401, "unauthorized", _("A valid API token is required."))
        ),
    )
    api.add_exception_handler(Http404, lambda r, exc: respond(r, not_found()))

    def http_error(request, exc: HttpError):
        if exc.status_code == 400:  # ninja could not read the body (e.g. malformed JSON)
            error = invalid({"body": "invalid"}, _("The request body could not be read."), 400)
        else:
            code = {401: "unauthorized", 403: "not_allowed", 404: "not_found", 409: "conflict"}
            error = ApiError(exc.status_code, code.get(exc.status_code, "invalid"), exc.message)
        return respond(request, error)

    api.add_exception_handler(HttpError, http_error)
