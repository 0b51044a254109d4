"""The versioned REST API: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

See docs/api.md. Procedures are public; dossiers need `Authorization: Bearer <token>`.
"""

from ninja import NinjaAPI, Router

from motcua.api import dossiers, errors, procedures

api = NinjaAPI(
    title="motcua API",
    version="1",
    urls_namespace="api-1",
    description=(
        "The procedure catalogue (public) and dossiers (token: `Authorization: Bearer "
        "<token>`). Creating a dossier needs an `Idempotency-Key` header. Every error is "
        '`{"error": {"code", "message", "fields", "field_messages", "missing"}}`.'
    ),
)
api.add_router("/procedures", procedures.router)
api.add_router("/dossiers", dossiers.router)

# Last: any other address under /api/v1/ is a JSON 404 like the rest, not Django's page.
unknown = Router()


@unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def no_such_endpoint(request, rest: str):
    raise errors.not_found()


api.add_router("", unknown)
errors.install(api)
