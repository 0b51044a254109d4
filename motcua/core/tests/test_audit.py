"""The audit trail: helpers for refusals and for rows without an object, and append-only
tables (Python guards everywhere; database triggers on PostgreSQL)."""

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from motcua.core import audit
from motcua.core.models import AppendOnlyError, AuditEvent
from motcua.dossiers.models import DossierEvent
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.org.constants import Role
from motcua.org.models import User

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def officer():
    return User.objects.create_user("kiem.tra", password="x-Secret-123")


def test_refused_records_who_was_refused_what_on_which_object(officer):
    other = User.objects.create_user("nguoi.khac")
    row = audit.refused(officer, "dossier.approve", other, reason="not the leader")
    assert (row.action, row.actor, row.object_type, row.object_id, row.summary) == (
        "permission.refused",
        officer,
        "org.user",
        str(other.pk),
        "dossier.approve",
    )
    assert row.data == {"what": "dossier.approve", "reason": "not the leader"}
    bare = audit.refused(officer, "office.queue")
    assert (bare.object_type, bare.object_id, bare.data) == ("", "", {"what": "office.queue"})


def test_anonymous_actors_are_recorded_as_nobody(officer):
    from django.contrib.auth.models import AnonymousUser

    row = audit.refused(AnonymousUser(), "dossier.view", officer)
    assert row.actor is None


def test_hostile_data_is_bounded_and_storable(officer):
    row = audit.record_about(
        "auth.login_failed", "org.user", "", None, "x" * 10_000, username="a\x00b"
    )
    row.refresh_from_db()
    assert len(row.summary) == 500
    assert row.data == {"username": "ab"}  # PostgreSQL cannot store NUL


@pytest.fixture
def rows(officer):
    province = make_province()
    dossier = receive_at_counter(province)
    audit.record("test.row", officer, officer)
    return AuditEvent.objects.filter(action="test.row").get(), dossier.events.get()


def test_rows_cannot_be_changed_or_removed_from_python(rows):
    for row in rows:
        with pytest.raises(ValueError):
            row.save()
        with pytest.raises(ValueError):
            row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(action="test.row").update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["summary"])
    assert AuditEvent.objects.filter(action="test.row", summary="").count() == 1


TABLES = ["core_auditevent", "dossiers_dossierevent"]


@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_updates_and_deletes(rows, table):
    """On PostgreSQL, even raw SQL cannot change history; on SQLite only the Python guards
    above stand (and this test checks that the rows are at least still there)."""
    statements = [f"UPDATE {table} SET data = '{{}}'", f"DELETE FROM {table}"]
    for sql in statements:
        if POSTGRES:
            with (
                pytest.raises(DatabaseError, match="Cannot update or delete"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
    if POSTGRES:
        # Past the Python guard (the default manager refuses update() itself): the base
        # manager's plain QuerySet reaches the database, which refuses.
        with pytest.raises(DatabaseError), transaction.atomic():
            DossierEvent._base_manager.filter(pk=rows[1].pk).update(comment="rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            DossierEvent._base_manager.filter(pk=rows[1].pk)._raw_delete(connection.alias)
        with pytest.raises(ValueError):
            DossierEvent.objects.filter(pk=rows[1].pk).update(comment="rewritten")
    else:
        with pytest.raises(ValueError):
            rows[1].delete()
    assert AuditEvent.objects.filter(action="test.row").exists()
    assert DossierEvent.objects.filter(pk=rows[1].pk, comment=rows[1].comment).exists()


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_can_neither_truncate_nor_disable_the_triggers(rows, table):
    """As docs/security.md sets it up: a role that is not the owner, here even granted every
    privilege on the table by mistake."""
    if not POSTGRES:
        assert connection.vendor == "sqlite"  # no roles: the Python guards are the guard
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        return
    role = f"motcua_probe_{uuid.uuid4().hex[:12]}"
    # CREATE ROLE is transactional: the role goes with the test's rollback.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT ALL ON {table} TO {role}")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no FK check
        cursor.execute(f"SET LOCAL ROLE {role}")
        for sql, says in [
            (f"TRUNCATE {table}", "Cannot truncate"),
            (f"ALTER TABLE {table} DISABLE TRIGGER USER", "must be owner"),
            (f"DELETE FROM {table}", "Cannot update or delete"),
        ]:
            with pytest.raises(DatabaseError, match=says), transaction.atomic():
                cursor.execute(sql)
        cursor.execute("RESET ROLE")
    assert AuditEvent.objects.filter(action="test.row").exists()
    assert DossierEvent.objects.filter(pk=rows[1].pk).exists()


def test_province_officers_exist_for_the_guards(rows):
    # The fixture made a real dossier event through the services, not a hand-made row.
    assert rows[1].actor.posts.get().role == Role.DESK_OFFICER
