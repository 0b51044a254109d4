"""PostgreSQL: the work queue's search by code and by name answered from trigram indexes on
the open dossiers (pg_trgm), not by reading every open dossier an officer sees (a
province-wide search that finds nothing read 16,000 rows: 30 ms at a million dossiers; now
well under a millisecond, docs/performance.md). Nothing on SQLite.

Each index's expression is the SQL Django writes for the search's condition
(`views.matching`): `code__icontains` is UPPER(code) LIKE, the name's condition the
concatenation below; PostgreSQL uses an index only for the same expression, which
`dossiers/tests/test_search_indexes.py` checks. Both are partial, on the open statuses of
the queue's other indexes (models.Dossier.Meta), so they stay small. pg_trgm is a trusted
extension (PostgreSQL 13 and later): the database's owner may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The open statuses as the queue's partial indexes list them (models.Dossier.Meta).
OPEN = (
    "('awaiting_supplement', 'incomplete', 'processing', 'received', 'result_ready', "
    "'submitted')"
)
INDEXES = {
    "dossier_open_code_trgm": "UPPER(code::text) gin_trgm_ops",
    "dossier_open_name_trgm": (
        "((COALESCE(' ', '') || COALESCE(applicant_name_folded, ''))::text) gin_trgm_ops"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_dossier USING gin ({expression}) "
            f"WHERE status IN {OPEN}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0013_dossier_last_entered_at"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop, elidable=False),
    ]
