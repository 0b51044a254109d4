"""The procedure catalogue, public: no token needed."""

from django.db.models import Prefetch
from ninja import Query, Router

from motcua.api.errors import documented, not_found, responses
from motcua.api.schemas import ProcedureDetail, ProcedureFilters, ProcedurePage
from motcua.catalog import services as catalog_services
from motcua.catalog.constants import Status
from motcua.catalog.models import Procedure, RequiredDocument
from motcua.catalog.search import search

router = Router(tags=["procedures"])


def _item(p: Procedure) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "level": p.level,
        "sector": {"code": p.sector.code, "name": p.sector.name},
        "agency": p.agency.code if p.agency_id else "",
        "performing_agency": p.performing_agency,
        "channel_counter": p.channel_counter,
        "channel_online": p.channel_online,
        "channel_post": p.channel_post,
        "duration_unit": p.duration_unit,
        "statutory_duration": f"{p.statutory_duration:.2f}",
        "local_duration": f"{p.local_duration:.2f}",
        "online_level": p.online_level,
        "online_scope": p.online_scope,
    }


@router.get(
    "",
    response=responses({200: ProcedurePage}, 400, 422),
    openapi_extra=documented(400, 422),
    summary="List procedures",
)
def list_procedures(request, filters: Query[ProcedureFilters]):
    """Procedures in force, searched and filtered; ranked by relevance when searching,
    by name otherwise."""
    f = filters
    q, page, page_size = f.q.strip(), f.page, f.page_size
    queryset = Procedure.objects.filter(status=Status.ACTIVE).select_related("sector", "agency")
    if f.level:
        queryset = queryset.filter(level=f.level)
    if f.agency:
        queryset = queryset.filter(agency__code=f.agency.strip())
    if f.sector:
        queryset = queryset.filter(sector__code=f.sector.strip())
    if f.online_level:
        queryset = queryset.filter(online_level=f.online_level)
    queryset = search(queryset, q) if q else queryset.order_by("name_folded", "code")
    count = queryset.count()
    start = (page - 1) * page_size
    rows = list(queryset[start : start + page_size])
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "has_next": start + len(rows) < count,
        "items": [_item(p) for p in rows],
    }


@router.get(
    "/{code}",
    response=responses({200: ProcedureDetail}, 400, 404),
    openapi_extra=documented(400, 404),
    summary="One procedure",
)
def get_procedure(request, code: str):
    """The procedure's full text as its latest version records it (the catalogue's snapshot
    shape), with the ids of its required documents."""
    procedure = (
        Procedure.objects.select_related("sector", "agency")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("position", "id"))
        )
        .filter(code=code)
        .first()
    )
    if procedure is None:
        raise not_found()
    version = procedure.versions.order_by("-number").first()
    text = dict(version.data) if version else catalog_services.snapshot(procedure)
    rows = list(procedure.documents.all())
    documents = []
    for i, doc in enumerate(text.get("documents", [])):
        row = rows[i] if i < len(rows) and rows[i].name == doc["name"] else None
        documents.append({**doc, "id": row.pk if row else None})
    text.update(
        code=procedure.code,
        status=procedure.status,
        version=version.number if version else None,
        valid_from=version.valid_from if version else procedure.valid_from,
        documents=documents,
    )
    return text
