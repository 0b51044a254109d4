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

from motcua.api.schemas import ERROR_CODES as CODES
from motcua.api.schemas import ErrorOut
from motcua.dossiers import services, workflow
from motcua.dossiers.validation import InvalidApplicant

CONFLICT = gettext_lazy("This Idempotency-Key was already used for another request.")
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
    if isinstance(exc, services.IdempotencyConflict):
        return ApiError(409, "conflict", str(CONFLICT))
    if isinstance(exc, services.Incomplete):
        return ApiError(
            422, "incomplete", _("The dossier lacks required documents."), missing=exc.missing
        )
    if isinstance(exc, services.NotAllowed):
        return ApiError(403, "not_allowed", str(exc))
    if isinstance(exc.__cause__, workflow.IllegalTransition):
        return ApiError(409, "illegal_transition", str(exc))
    # A refused value (a receipt date out of its window, an apology date): named when the
    # service says which field it is about.
    field = getattr(exc, "field", "")
    return ApiError(422, "invalid", str(exc), fields={field: "invalid"} if field else None)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in PARAM_SOURCES:
        parts = parts[1:]
    if parts and parts[0] in BODY_PARAMS:
        parts = parts[1:]
    return ".".join(parts) or "body"


def from_validation_error(exc: ValidationError) -> ApiError:
    """422 naming each field; 400 when only headers are wrong (the request, not its
    content, is malformed: e.g. no Idempotency-Key)."""
    fields, sources = {}, set()
    for error in exc.errors:
        loc = error.get("loc", ())
        sources.add(str(loc[0]) if loc else "body")
        name = _field_name(loc)
        fields.setdefault(name, "required" if error.get("type") == "missing" else "invalid")
    if sources != {"header"}:
        return invalid(fields)
    if "invalid" in fields.values():
        message = _("The %(header)s header is not valid.")
    else:
        message = _("The %(header)s header is required.")
    return invalid(fields, message % {"header": ", ".join(fields)}, 400)


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error bodies with the structured ones."""

    def respond(request, error: ApiError):
        return api.create_response(request, body(error), status=error.status)

    def dossier_error(request, exc: services.DossierError):
        if isinstance(exc, services.NotAllowed):
            # Refusals leave an audit row, as in the back office (the change itself was
            # rolled back before this answer).
            from motcua.core import audit

            user = getattr(getattr(request, "auth", None), "user", None)
            audit.refused(user, f"api {request.method} {request.path}"[:200])
        return respond(request, from_dossier_error(exc))

    api.add_exception_handler(ApiError, respond)
    api.add_exception_handler(services.DossierError, dossier_error)
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


# --- The OpenAPI document: which errors each operation answers ---------------------------------

ERROR_DESCRIPTIONS = {
    400: "Malformed request: unreadable JSON body, a missing or bad `Idempotency-Key` header, "
    "an unknown action, or control characters (NUL…) anywhere in the request "
    "(`invalid_characters`).",
    401: "No token, or an unknown or revoked one (`unauthorized`).",
    403: "The token's account or agencies may not do this (`not_allowed`).",
    404: "No such procedure, or a dossier the token may not see (`not_found`).",
    409: "The dossier's status does not allow the action (`illegal_transition`), or the "
    "`Idempotency-Key` was used for another request (`conflict`).",
    413: "The body is larger than the API accepts (`too_large`).",
    422: "A value is missing or not valid (`invalid`: `fields` names each), or mandatory "
    "documents are missing (`incomplete`: `missing` names them).",
}


def responses(ok: dict, *statuses: int) -> dict:
    """The `response=` of an operation: its success shapes and the error statuses it can
    answer, all with the one error shape."""
    return {**ok, frozenset(statuses): ErrorOut}


def documented(*statuses: int) -> dict:
    """`openapi_extra=` giving each error status its meaning."""
    return {"responses": {s: {"description": ERROR_DESCRIPTIONS[s]} for s in statuses}}
