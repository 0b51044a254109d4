"""PostgreSQL: the queue's trigram indexes (0014) keep no pending list.

A GIN index by default gathers new entries in an unsorted pending list, up to 4 MB, that
every search reads whole until a vacuum merges it. The open dossiers change all day (each
received, forwarded or finished dossier enters or leaves these partial indexes), so the
list is never short: after a day's worth of changes at a million dossiers, 160 pages of it
took 1.3 ms of each search, even one that found nothing, and half of a name's search
(docs/performance.md). Without it (`fastupdate = off`) each change updates the index
in place: a few dozen trigrams per dossier, against a search the desk runs all day. What
is pending now is merged here. Nothing on SQLite.
"""

from django.db import migrations

INDEXES = ("dossier_open_code_trgm", "dossier_open_name_trgm")


def without_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def with_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0015_open_procedure_index"),
    ]

    operations = [
        migrations.RunPython(without_list, with_list, elidable=False),
    ]
