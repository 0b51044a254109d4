"""Which model permissions each officer role has in the admin: the one place to change it.

Each role is a Django group named after the role's code ("role:supervisor"); the posts'
services (`org.services.appoint`, `change_post`, `end_post`) put the user in the group while
a post of the role is not ended, and take them out after. Dossier-level rules (own agency
only) are in `dossiers/permissions.py`.
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
    # Everyday phrases of the catalogue search (switched off, never deleted).
    "catalog.add_searchphrase",
    "catalog.change_searchphrase",
    "catalog.view_searchphrase",
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
# Supervisors configure internal processes and inter-agency chains (saved through
# dossiers/configuration.py; no delete: processes and chains are deactivated) and see
# delegations, dossiers and their events. Removing a step or a link is a change of its process
# or chain (the inline admits it with the change permission), not a delete permission.
PROCESS_CONFIGURATION = [
    "dossiers.add_process",
    "dossiers.change_process",
    "dossiers.view_process",
    "dossiers.add_processstep",
    "dossiers.change_processstep",
    "dossiers.view_processstep",
    "dossiers.add_interagencychain",
    "dossiers.change_interagencychain",
    "dossiers.view_interagencychain",
    "dossiers.add_chainlink",
    "dossiers.change_chainlink",
    "dossiers.view_chainlink",
    "dossiers.view_delegation",
    "dossiers.view_dossier",
    "dossiers.view_dossierevent",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DESK_OFFICER: [],
    Role.SPECIALIST: [],
    Role.LEADER: [],
    Role.SUPERVISOR: CATALOGUE
    + ORGANISATION_VIEW
    + WORKTIME
    + PROCESS_CONFIGURATION
    + ["dossiers.view_supplementrequest"]
    # Messages to applicants that wait or failed: supervisors see them and send them again.
    + ["outbox.view_message", "outbox.retry_message"]
    + ["core.view_auditevent"],
    Role.ADMIN: [],  # administrators are superusers
}
STAFF_ROLES = {Role.SUPERVISOR, Role.ADMIN}  # the roles that use the admin
GROUP_PREFIX = "role:"


def _permissions(names: list[str]):
    wanted = {tuple(n.split(".", 1)) for n in names}
    codenames = {codename for _, codename in wanted}
    return [
        p
        for p in Permission.objects.filter(codename__in=codenames).select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]


def role_group(role: str) -> Group:
    """The role's group with exactly the role's permissions (created or refreshed)."""
    group, _ = Group.objects.get_or_create(name=f"{GROUP_PREFIX}{role}")
    group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))
    return group
