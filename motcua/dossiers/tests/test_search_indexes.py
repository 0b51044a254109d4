"""The queue's search on PostgreSQL reads the trigram indexes of migration 0014, whose
expressions must be the very SQL of `views.matching`'s conditions (else PostgreSQL reads
every open dossier the officer sees); on both databases the search finds what it should."""

from importlib import import_module

import pytest
from django.db import connection

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.dossiers.views import matching
from motcua.dossiers.workflow import OPEN

pytestmark = pytest.mark.django_db
MIGRATION = import_module("motcua.dossiers.migrations.0014_search_trigram_indexes")


def open_dossiers():
    return Dossier.objects.filter(status__in=sorted(s.value for s in OPEN))


def plan(queryset) -> str:
    """The plan when only the trigram indexes could help. On a test's few rows PostgreSQL
    would rather read them all, or one of the queue's partial indexes: those are dropped
    (in the test's transaction, rolled back) and sequential scans made the last resort;
    the question is whether the trigram indexes can answer the search's conditions."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_index i "
            "WHERE i.indrelid = 'dossiers_dossier'::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "AND NOT i.indexrelid::regclass::text = ANY(%s)",
            [list(MIGRATION.INDEXES)],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_indexes_cover_the_open_statuses_of_the_queue():
    listed = "(" + ", ".join(f"'{s}'" for s in sorted(s.value for s in OPEN)) + ")"
    assert listed == MIGRATION.OPEN


def test_the_search_by_code_and_name_reads_the_trigram_indexes():
    province = make_province()
    d = receive_at_counter(province)
    other = receive_at_counter(province, {**_applicant("Lê Thị Hoa")})
    assert list(matching(open_dossiers(), "an").values_list("pk", flat=True)) == [d.pk]
    assert list(matching(open_dossiers(), d.code[-6:]).values_list("pk", flat=True)) == [d.pk]
    assert not matching(open_dossiers(), "Zyxwv").exists()
    assert list(matching(open_dossiers(), "hoa").values_list("pk", flat=True)) == [other.pk]
    if connection.vendor != "postgresql":
        return  # SQLite has no such index: the same conditions, read row by row
    shown = plan(matching(open_dossiers(), "Zyxwv"))
    assert "dossier_open_code_trgm" in shown and "dossier_open_name_trgm" in shown

    # No pending list (migration 0016): each search reads the index, not an unsorted tail
    # of the day's changes; a dossier just received is found at once all the same.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [list(MIGRATION.INDEXES)],
        )
        assert {name: options for name, options in cursor.fetchall()} == {
            name: ["fastupdate=off"] for name in MIGRATION.INDEXES
        }
    late = receive_at_counter(province, {**_applicant("Đỗ Văn Khải")})
    assert list(matching(open_dossiers(), "khai").values_list("pk", flat=True)) == [late.pk]


def _applicant(name: str) -> dict:
    from motcua.dossiers.tests.factories import APPLICANT

    return {**APPLICANT, "full_name": name, "id_number": "001190009999", "phone": "0912000111"}
