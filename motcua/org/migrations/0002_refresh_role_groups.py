"""Give the existing role groups the permissions of org/permissions.py's table (supervisors
gained the configuration of processes and chains, see ADR 0009).

Only groups that already exist are refreshed: a new database gets its groups, with the
table's permissions, at the first appointment (`org.permissions.role_group`)."""

from django.db import migrations

from motcua.org.permissions import GROUP_PREFIX, ROLE_PERMISSIONS


def refresh(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__startswith=GROUP_PREFIX):
        role = group.name[len(GROUP_PREFIX) :]
        if role not in ROLE_PERMISSIONS:
            continue
        wanted = {tuple(name.split(".", 1)) for name in ROLE_PERMISSIONS[role]}
        found = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        group.permissions.set(found)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dossiers", "0001_initial"),
    ]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
