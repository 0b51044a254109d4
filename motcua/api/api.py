"""The versioned REST API: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).

See docs/api.md. Procedures are public; dossiers need `Authorization: Bearer <token>`.
"""

from ninja import NinjaAPI

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
errors.install(api)
