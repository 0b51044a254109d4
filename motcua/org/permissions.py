"""Which model permissions each officer role has in the admin: the one place to change it.

Each role is a Django group named after the role's code; appointing an officer puts the user
in the group. Dossier-level rules (own agency only) come with the dossiers app.
"""

from django.contrib.auth.models import Group, Permission

from motcua.org.constants import Role

CATALOGUE = [
    "catalog.add_procedure",
    "catalog.change_procedure",
    "catalog.view_procedure",
    "catalog.add_sector",
    "catalog.change_sector",
    "catalog.view_sector",
    "catalog.add_requireddocument",
    "catalog.change_requireddocument",
    "catalog.delete_requireddocument",
    "catalog.view_requireddocument",
    "catalog.add_fee",
    "catalog.change_fee",
    "catalog.delete_fee",
    "catalog.view_fee",
    "catalog.add_publicationdecision",
    "catalog.change_publicationdecision",
    "catalog.view_publicationdecision",
    "catalog.add_publicationitem",
    "catalog.change_publicationitem",
    "catalog.view_publicationitem",
    "catalog.view_procedureversion",
]
ORGANISATION_VIEW = [
    "org.view_adminunit",
    "org.view_adminunitchange",
    "org.view_agency",
    "org.view_desk",
    "org.view_officer",
]
WORKTIME = [
    "worktime.add_calendarexception",
    "worktime.change_calendarexception",
    "worktime.view_calendarexception",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DESK_OFFICER: [],
    Role.SPECIALIST: [],
    Role.LEADER: [],
    Role.SUPERVISOR: CATALOGUE + ORGANISATION_VIEW + WORKTIME + ["core.view_auditevent"],
    Role.ADMIN: [],  # administrators are superusers
}
STAFF_ROLES = {Role.SUPERVISOR, Role.ADMIN}


def _permissions(names: list[str]):
    wanted = {tuple(n.split(".", 1)) for n in names}
    found = [
        p
        for p in Permission.objects.select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]
    return found


def role_group(role: str) -> Group:
    """The role's group with exactly the role's permissions (created or refreshed)."""
    group, _ = Group.objects.get_or_create(name=f"role:{role}")
    group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))
    return group
