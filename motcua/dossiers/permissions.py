"""Who may see and do what to a dossier: the one place these rules live.

- An officer sees the dossiers of the agencies where they hold a post: those currently at
  the agency, performed by it, or received at its desks. Supervisors of the provincial
  service center or People's Committee see every dossier of the province (read only).
- An officer acts only where the dossier is now (its current agency), only with the
  actions of their role (ROLE_ACTIONS), and for the steps of the internal process only
  with the role of the step the dossier is at (`holders`): a desk officer cannot pass a
  dossier through the specialist's or the leader's step, a specialist cannot sign the
  result. Only posts in force count: an ended post acts on nothing. A step assigned to a
  named officer is theirs (a leader step: any leader's of the agency). A deputy with an
  active delegation acts as the leader.
- Applicants see only their own dossiers (by account, or by code and lookup password).
  Signed in with their citizen account, an applicant sees the dossiers whose applicant is
  that account (`own_dossiers`; not the parts of an inter-agency chain, which are the
  agencies' business), answers a supplement request online (APPLICANT_ACTIONS) and asks to
  stop a dossier that may still be stopped (`may_request_stop`); the desk then issues the
  stop notice (`withdraw`). Nobody else acts as the applicant.

`visible_dossiers(user)` filters in the database through indexed agency columns: the work
queue is one query per page, not a check per row.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.dossiers.workflow import Action
from motcua.org.constants import AgencyKind, Role

# Every action each role may ever take (rules file, "Life of a dossier"; docs/dossiers.md).
# Which of them a holder may take NOW depends on the dossier: `holders` below.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.DESK_OFFICER: frozenset(
        {
            Action.RECEIVE,
            Action.REQUEST_SUPPLEMENT,  # before receipt only: the desk's guidance (rule 1)
            Action.SUPPLEMENT,
            Action.REFUSE,  # before receipt only: refusal to receive (rule 1)
            Action.FORWARD,  # the transfer from the desk step (rule 2)
            Action.RETURN_RESULT,
            Action.WITHDRAW,
            Action.CLOSE,
        }
    ),
    Role.SPECIALIST: frozenset(
        {
            Action.FORWARD,
            Action.REQUEST_SUPPLEMENT,
            Action.HAND_OVER,
            Action.HAND_BACK,
        }
    ),
    Role.LEADER: frozenset(
        {
            Action.APPROVE,
            Action.COMPLETE,
            Action.REQUEST_SUPPLEMENT,
            Action.REFUSE,
            Action.APOLOGISE,
            Action.HAND_OVER,
            Action.HAND_BACK,
        }
    ),
    Role.SUPERVISOR: frozenset(),
    Role.ADMIN: frozenset(),
}
# What the holder of a process step's role does at that step.
STEP_ACTIONS: dict[str, frozenset[Action]] = {
    Role.DESK_OFFICER: frozenset({Action.FORWARD}),
    Role.SPECIALIST: frozenset({Action.FORWARD, Action.REQUEST_SUPPLEMENT, Action.HAND_OVER}),
    Role.LEADER: frozenset(
        {Action.APPROVE, Action.COMPLETE, Action.REQUEST_SUPPLEMENT, Action.HAND_OVER}
    ),
}
PROVINCE_WIDE_KINDS = {AgencyKind.SERVICE_CENTER, AgencyKind.PROVINCIAL_PC}
# What the applicant does to their own dossier themselves, online (rule 4: the applicant
# supplements; the desk records a supplement brought to the counter).
APPLICANT_ACTIONS: frozenset[Action] = frozenset({Action.SUPPLEMENT})


def posts(user, at=None):
    """The user's posts in force: [(agency_id, role, agency_kind)]."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_motcua_posts", None)
    if cached is not None and at is None:
        return cached
    moment = at or timezone.now()
    held = user.posts.valid_on(moment.date()).order_by()
    held = held.values_list("agency_id", "role", "agency__kind")
    # The posts held and the leader's posts delegated to the user, in one query.
    rows = list(held.union(_delegated_posts_query(user, moment), all=True))
    if at is None:
        user._motcua_posts = rows
    return rows


def _delegations_in_force(user, at):
    from motcua.dossiers.models import Delegation

    return Delegation.objects.filter(deputy=user, starts_at__lte=at, ends_at__gt=at)


def _delegated_posts_query(user, at):
    """(agency_id, Role.LEADER, agency_kind) of the delegations in force to `user`."""
    from django.db.models import CharField, Value

    return (
        _delegations_in_force(user, at)
        .order_by()
        .annotate(leader_role=Value(str(Role.LEADER), output_field=CharField()))
        .values_list("agency_id", "leader_role", "agency__kind")
    )


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


def sees_all(user) -> bool:
    """Superusers and the supervisors of the provincial service center or People's
    Committee see every dossier and every agency's figures (read only)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(
        role in (Role.SUPERVISOR, Role.ADMIN) and kind in PROVINCE_WIDE_KINDS
        for _, role, kind in posts(user)
    )


def visible_dossiers(user, queryset: QuerySet | None = None) -> QuerySet:
    from motcua.dossiers.models import Dossier

    queryset = Dossier.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if sees_all(user):
        return queryset
    ids = {agency_id for agency_id, _, _ in posts(user)}
    if not ids:
        return queryset.none()
    return queryset.filter(
        Q(current_agency_id__in=ids)
        | Q(performing_agency_id__in=ids)
        | Q(received_desk_id__in=_desk_ids(user, ids))
    )


def _desk_ids(user, agency_ids: set[int]) -> list[int]:
    """The desks of these agencies: one small query, kept on the user for the request like
    `posts`. Listed by id (not joined) so that each of the three columns above is read from
    its own index (the work queue's partial indexes on open dossiers)."""
    from motcua.org.models import Desk

    cached = getattr(user, "_motcua_desks", None)
    if cached is None or cached[0] != agency_ids:
        desks = sorted(Desk.objects.filter(agency_id__in=agency_ids).values_list("pk", flat=True))
        cached = user._motcua_desks = (agency_ids, desks)
    return cached[1]


def own_dossiers(user, queryset: QuerySet | None = None) -> QuerySet:
    """The dossiers of the applicant signed in with this account (no chain parts)."""
    from motcua.dossiers.models import Dossier

    queryset = Dossier.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(applicant__user=user, parent__isnull=True)


def is_applicant(user, dossier) -> bool:
    """Is `user` the applicant of `dossier`, signed in with their own account?"""
    if not getattr(user, "is_authenticated", False) or dossier.parent_id:
        return False
    from motcua.dossiers.models import Applicant

    return Applicant.objects.filter(pk=dossier.applicant_id, user=user).exists()


def may_request_stop(user, dossier) -> bool:
    """May `user` ask the desk to stop `dossier`? Its applicant, while it may be stopped
    (no decision or result yet: the statuses `withdraw` leaves from)."""
    from motcua.dossiers.workflow import TRANSITIONS, Status

    stoppable = TRANSITIONS[Action.WITHDRAW]
    return Status(dossier.status) in stoppable and is_applicant(user, dossier)


def roles_at(user, agency_id: int) -> set[str]:
    return {role for a, role, _ in posts(user) if a == agency_id}


def _decides(step) -> bool:
    """Is this leader step the final decision (no processing step after it, only the
    desk's return)? Its holder then signs the result (`complete`) instead of `approve`."""
    from motcua.dossiers.models import ProcessStep

    later = ProcessStep.objects.filter(process=step.process_id, position__gt=step.position)
    return not later.exclude(role=Role.DESK_OFFICER).exists()


def holders(action: Action, dossier) -> set[tuple[int, str]]:
    """The (agency, role) posts that may take `action` on `dossier` now.

    - Before receipt (submitted, incomplete) the desk where the dossier is checks it:
      receives, guides a supplement, refuses, records the completed dossier, or stops it.
    - After receipt, each step of the internal process is done by its role at the agency
      where the dossier is: the desk transfers, the specialist reviews and forwards or asks
      for a supplement, the leader approves — and, at the last processing step, signs the
      result. Without a process, specialists forward and leaders sign.
    - Around the steps: the desk records supplements, returns results and issues stop
      notices; a leader refuses after receipt and signs the apology; a dossier handed
      over to another agency is handed back by that agency's specialists or leaders.
    """
    from motcua.dossiers.workflow import Status

    action = Action(action)
    status = dossier.status
    here, performing = dossier.current_agency_id, dossier.performing_agency_id
    desk = dossier.received_desk.agency_id if dossier.received_desk_id else here
    DESK, SPECIALIST, LEADER = Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER
    if action == Action.RECEIVE:
        return {(desk, DESK)}
    if status in (Status.SUBMITTED, Status.INCOMPLETE):
        before_receipt = {
            Action.REQUEST_SUPPLEMENT,
            Action.SUPPLEMENT,
            Action.REFUSE,
            Action.WITHDRAW,
            Action.CLOSE,
        }
        return {(here, DESK)} if action in before_receipt else set()
    if action in (Action.SUPPLEMENT, Action.RETURN_RESULT, Action.CLOSE):
        return {(here, DESK)}
    if action == Action.WITHDRAW:
        return {(here, DESK), (desk, DESK)}
    if action == Action.REFUSE:
        return {(here, LEADER), (performing, LEADER)}
    if action == Action.APOLOGISE:
        return {(performing, LEADER), (here, LEADER)}
    if action == Action.HAND_BACK:
        return {(here, SPECIALIST), (here, LEADER)} if here != performing else set()
    # The parent of an inter-agency chain waits at the receiving agency while the parts
    # are processed: its own steps do not apply, its leader signs the combined result.
    step = None if dossier.chain_id and not dossier.parent_id else dossier.current_step
    if step is None:
        if status == Status.RECEIVED:
            # The desk transfers it; a part of a chain, received by the system, is taken
            # up by the agency's specialists.
            return {(here, DESK), (here, SPECIALIST)} if action == Action.FORWARD else set()
        if action == Action.COMPLETE:
            return {(here, LEADER)}
        if action == Action.APPROVE:
            return set()
        roles = [r for r in (SPECIALIST, LEADER) if action in STEP_ACTIONS[r]]
        return {(here, r) for r in roles}
    if action not in STEP_ACTIONS.get(step.role, ()):
        return set()
    if action in (Action.APPROVE, Action.COMPLETE) and _decides(step) != (
        action == Action.COMPLETE
    ):
        return set()
    return {(here, step.role)}


STEP_BOUND = frozenset(
    {Action.FORWARD, Action.APPROVE, Action.COMPLETE, Action.REQUEST_SUPPLEMENT, Action.HAND_OVER}
)


def can(user, action: Action, dossier) -> bool:
    """May `user` do `action` to `dossier` now? (Whether the status allows it is the
    workflow's business; this is about who.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    action = Action(action)
    if action in APPLICANT_ACTIONS and is_applicant(user, dossier):
        return True
    mine = {(a, r) for a, r, _ in posts(user)}
    allowed = {(a, r) for a, r in holders(action, dossier) if action in ROLE_ACTIONS[r]}
    matching = mine & allowed
    if not matching:
        return False
    if action in STEP_BOUND and dossier.assignee_id and dossier.assignee_id != user.pk:
        # The step is assigned to someone else; a leader step is any leader's (or deputy's).
        return any(role == Role.LEADER for _, role in matching)
    return True


def may_receive_at(user, agency_id: int) -> bool:
    """May `user` receive dossiers at a desk of the agency (a desk officer's post in force)?"""
    return (agency_id, Role.DESK_OFFICER) in {(a, r) for a, r, _ in posts(user)}


def allowed_actions(user, dossier) -> list[Action]:
    from motcua.dossiers.workflow import Status, allowed

    status = Status(dossier.status)
    return [a for a in allowed(status) if can(user, a, dossier)]


# --- Posts read with the user (the API's token) ----------------------------------------------


def posts_queries(user_ref, at, day=None):
    """The two queries of `posts` for a user given as an expression (`OuterRef("user")`):
    the posts held, and the delegations in force (rows of POSTS_FIELDS and DELEGATED_FIELDS),
    so that a caller reading the user reads their posts in the same statement. It then
    gives what it read to `remember_posts`. `at`: the instant `posts` would use; `day`:
    `at.date()` (given apart when the query is prepared with markers for both)."""
    from motcua.org.models import Officer

    held = Officer.objects.filter(user=user_ref).valid_on(at.date() if day is None else day)
    return held, _delegations_in_force(user_ref, at)


POSTS_FIELDS = ("agency_id", "role", "agency__kind")
DELEGATED_FIELDS = ("agency_id", "agency__kind")


def remember_posts(user, held, delegated) -> list:
    """Keep on `user` the posts read with `posts_queries` (rows of POSTS_FIELDS and of
    DELEGATED_FIELDS): what `posts(user)` then answers, as if it had read them."""
    rows = [(a, r, k) for a, r, k in held]
    rows += [(a, str(Role.LEADER), k) for a, k in delegated]
    user._motcua_posts = rows
    return rows
