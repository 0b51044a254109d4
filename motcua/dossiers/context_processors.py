"""The back office's menu shows only what the signed-in officer may use."""

from django.utils.functional import SimpleLazyObject

from motcua.dossiers import permissions
from motcua.org.constants import Role


def _menu(user) -> dict:
    roles = {role for _, role, _ in permissions.posts(user)}
    return {
        "queue": bool(roles) or user.is_superuser,
        "receive": Role.DESK_OFFICER in roles,
        # Next to the statistics: the reconciliation report (late entries, stale dossiers).
        "reconciliation": bool(roles) or user.is_superuser,
        # Leaders delegate; a deputy in force holds the leader's role through it.
        "delegations": Role.LEADER in roles,
        # Data subjects' correction requests (store app): province-wide supervisors.
        "data_requests": permissions.sees_all(user),
        # Units and agencies as of a date, with predecessors and successors (reorg app).
        "organisation": permissions.sees_all(user),
    }


def office_menu(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"office_menu": {}}
    return {"office_menu": SimpleLazyObject(lambda: _menu(user))}
