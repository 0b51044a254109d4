"""`Authorization: Bearer <secret>`: the token, its service account, and what it may see.

What a token may see and do is what `motcua.dossiers.permissions` allows its service
account, narrowed to the token's agencies when it has any.
"""

from django.db.models import Q, QuerySet
from ninja.security import HttpBearer

from motcua.api import services
from motcua.api.models import ApiToken
from motcua.dossiers import permissions


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str) -> ApiToken | None:
        found = services.find_token(token)
        if found is not None:
            services.mark_used(found)
            request.user = found.user
        return found


def agency_ids(token: ApiToken) -> set[int]:
    """The agencies the token is narrowed to; empty when it is not narrowed."""
    cached = getattr(token, "_agency_ids", None)  # read with the token (`find_token`)
    if cached is None:
        cached = token._agency_ids = set(token.agencies.values_list("id", flat=True))
    return cached


def visible_dossiers(token: ApiToken, queryset: QuerySet | None = None) -> QuerySet:
    queryset = permissions.visible_dossiers(token.user, queryset)
    ids = agency_ids(token)
    if ids:
        queryset = queryset.filter(
            Q(current_agency_id__in=ids)
            | Q(performing_agency_id__in=ids)
            | Q(received_desk__agency_id__in=ids)
        )
    return queryset


def would_see(token: ApiToken, agencies: set[int]) -> bool:
    """Would the token see a dossier that is now at, performed by or received at one of
    `agencies`? The rule of `visible_dossiers`, for a dossier not yet written (so that a
    refused creation writes nothing)."""
    narrowed = agency_ids(token)
    if narrowed and not narrowed & agencies:
        return False
    user = token.user
    if permissions.sees_all(user):
        return True
    return any(agency_id in agencies for agency_id, _, _ in permissions.posts(user))


def may_act_at(token: ApiToken, agency_id: int) -> bool:
    """A narrowed token acts only on dossiers that are now at one of its agencies."""
    ids = agency_ids(token)
    return not ids or agency_id in ids
