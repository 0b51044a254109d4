"""Who may see and do what to a dossier: the one place these rules live.

- An officer sees the dossiers of the agencies where they hold a post: those currently at
  the agency, performed by it, or received at its desks. Supervisors of the provincial
  service center or People's Committee see every dossier of the province (read only).
- An officer acts only where the dossier is now (its current agency), and only with the
  actions of their role (ROLE_ACTIONS). A step assigned to a named officer is theirs (and
  their agency's leaders'). A deputy with an active delegation acts as the leader.
- Applicants see only their own dossiers (by account, or by code and lookup password).

`visible_dossiers(user)` filters in the database through indexed agency columns: the work
queue is one query per page, not a check per row.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.dossiers.workflow import Action
from motcua.org.constants import AgencyKind, Role

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.DESK_OFFICER: frozenset(
        {
            Action.RECEIVE,
            Action.REQUEST_SUPPLEMENT,
            Action.SUPPLEMENT,
            Action.REFUSE,
            Action.FORWARD,
            Action.RETURN_RESULT,
            Action.WITHDRAW,
        }
    ),
    Role.SPECIALIST: frozenset(
        {
            Action.FORWARD,
            Action.REQUEST_SUPPLEMENT,
            Action.SUPPLEMENT,
            Action.COMPLETE,
            Action.HAND_OVER,
            Action.HAND_BACK,
        }
    ),
    Role.LEADER: frozenset(
        {
            Action.FORWARD,
            Action.APPROVE,
            Action.REQUEST_SUPPLEMENT,
            Action.COMPLETE,
            Action.REFUSE,
            Action.APOLOGISE,
            Action.HAND_OVER,
            Action.HAND_BACK,
        }
    ),
    Role.SUPERVISOR: frozenset(),
    Role.ADMIN: frozenset(),
}
PROVINCE_WIDE_KINDS = {AgencyKind.SERVICE_CENTER, AgencyKind.PROVINCIAL_PC}


def posts(user, at=None):
    """The user's posts in force: [(agency_id, role, agency_kind)]."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_motcua_posts", None)
    if cached is not None and at is None:
        return cached
    day = (at or timezone.now()).date()
    rows = list(user.posts.valid_on(day).values_list("agency_id", "role", "agency__kind"))
    rows += _delegated_posts(user, at or timezone.now())
    if at is None:
        user._motcua_posts = rows
    return rows


def _delegations_in_force(user, at):
    from motcua.dossiers.models import Delegation

    return Delegation.objects.filter(deputy=user, starts_at__lte=at, ends_at__gt=at)


def _delegated_posts(user, at):
    return [
        (agency_id, Role.LEADER, kind)
        for agency_id, kind in _delegations_in_force(user, at).values_list(
            "agency_id", "agency__kind"
        )
    ]


def acting_for(user, agency_id, at=None):
    """The delegation under which `user` acts as a leader of the agency, or None when they
    are a leader of it themselves (or not one at all)."""
    at = at or timezone.now()
    if user.posts.valid_on(at.date()).filter(agency_id=agency_id, role=Role.LEADER).exists():
        return None
    return (
        _delegations_in_force(user, at).filter(agency_id=agency_id).select_related("leader").first()
    )


def agency_ids(user) -> set[int]:
    return {agency_id for agency_id, _, _ in posts(user)}


def visible_dossiers(user, queryset: QuerySet | None = None) -> QuerySet:
    from motcua.dossiers.models import Dossier

    queryset = Dossier.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    mine = posts(user)
    if user.is_superuser or any(
        role in (Role.SUPERVISOR, Role.ADMIN) and kind in PROVINCE_WIDE_KINDS
        for _, role, kind in mine
    ):
        return queryset
    ids = {agency_id for agency_id, _, _ in mine}
    if not ids:
        return queryset.none()
    return queryset.filter(
        Q(current_agency_id__in=ids)
        | Q(performing_agency_id__in=ids)
        | Q(received_desk__agency_id__in=ids)
    )


def roles_at(user, agency_id: int) -> set[str]:
    return {role for a, role, _ in posts(user) if a == agency_id}


def can(user, action: Action, dossier) -> bool:
    """May `user` do `action` to `dossier` now? (Whether the status allows it is the
    workflow's business; this is about who.)"""
    if not user.is_authenticated:
        return False
    roles = roles_at(user, dossier.current_agency_id)
    if action == Action.RECEIVE and dossier.received_desk_id:
        roles |= roles_at(user, dossier.received_desk.agency_id)
    if not any(Action(action) in ROLE_ACTIONS[r] for r in roles):
        return False
    if dossier.assignee_id and dossier.assignee_id != user.pk and Role.LEADER not in roles:
        # The step is someone else's; desk officers may still return results and record
        # supplements and withdrawals, which happen at the counter.
        return Action(action) in {Action.RETURN_RESULT, Action.SUPPLEMENT, Action.WITHDRAW} and (
            Role.DESK_OFFICER in roles
        )
    return True


def allowed_actions(user, dossier) -> list[Action]:
    from motcua.dossiers.workflow import Status, allowed

    status = Status(dossier.status)
    return [a for a in allowed(status) if can(user, a, dossier)]
