"""Dossier events partitioned by year on PostgreSQL (dossiers/partitions.py, migration
0010); on SQLite the same code does nothing. The years are Vietnam's calendar years: an
event at 23:30 on 31/12/2025 in Hà Nội (16:30 UTC) belongs to 2025."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from motcua.dossiers import partitions
from motcua.dossiers.models import DossierEvent
from motcua.dossiers.tests.factories import make_province, receive_at_counter

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
POSTGRES = connection.vendor == "postgresql"


def partition_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM dossiers_dossierevent WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def layout() -> dict:
    """Indexes, constraints and triggers (with their comments) of the events table."""
    with connection.cursor() as c:
        c.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'dossiers_dossierevent'")
        indexes = sorted(r[0] for r in c.fetchall())
        c.execute(
            "SELECT conname, contype FROM pg_constraint WHERE conrelid = "
            "'dossiers_dossierevent'::regclass"
        )
        constraints = sorted(c.fetchall())
        c.execute(
            "SELECT tgname, obj_description(oid, 'pg_trigger') FROM pg_trigger WHERE tgrelid = "
            "'dossiers_dossierevent'::regclass AND NOT tgisinternal"
        )
        triggers = sorted(c.fetchall())
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers}


@pytest.fixture
def province():
    return make_province()


@pytest.fixture
def dossier(province):
    return receive_at_counter(province, received_at=datetime(2025, 12, 31, 23, 30, tzinfo=VN))


def test_sqlite_keeps_one_table_and_the_command_says_so(capsys):
    if POSTGRES:
        with connection.cursor() as cursor:
            assert partitions.is_partitioned(cursor)
        return
    assert partitions.convert(connection, partitioned=True) is False
    assert partitions.ensure_partitions(connection) == []
    call_command("events", "partitions")
    assert "nothing to do" in capsys.readouterr().out


class PostgreSQLOnly:
    """The tests of the partitions themselves, collected on PostgreSQL only (below)."""

    def test_the_migration_made_a_partition_per_year_from_2015(self):
        with connection.cursor() as cursor:
            names = set(partitions.partitions(cursor))
        this_year = date.today().year
        expected = {f"dossiers_dossierevent_y{y}" for y in range(2015, this_year + 2)}
        assert expected | {"dossiers_dossierevent_default"} == names

    def test_an_event_goes_to_its_vietnamese_year(self, dossier):
        received = dossier.events.get(action="receive")
        assert received.at.astimezone(VN).year == 2025
        assert received.at.astimezone(ZoneInfo("UTC")).hour == 16  # 2025 in UTC too, 16:30
        assert partition_of(received.pk) == "dossiers_dossierevent_y2025"
        late = DossierEvent.objects.filter(dossier=dossier).order_by("-id").first()
        assert DossierEvent.objects.get(pk=late.pk) == late  # addressed by id as before

    def test_events_stay_append_only_in_every_partition(self, dossier):
        event = dossier.events.first()
        for table in ("dossiers_dossierevent", "dossiers_dossierevent_y2025"):
            for statement in (
                f"UPDATE {table} SET comment = 'x' WHERE id = %s",
                f"DELETE FROM {table} WHERE id = %s",
            ):
                with (
                    pytest.raises(DatabaseError, match="Cannot update or delete"),
                    transaction.atomic(),
                    connection.cursor() as cursor,
                ):
                    cursor.execute(statement, [event.pk])
        assert DossierEvent.objects.filter(pk=event.pk, comment="").exists()

    def test_back_to_one_table_and_again_keeps_every_row_and_guard(self, province, dossier):
        rows = list(DossierEvent.objects.order_by("id").values_list())
        before = layout()
        with connection.cursor() as cursor:  # as in a migration: no check left pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert partitions.convert(connection, partitioned=False) is True
        with connection.cursor() as cursor:
            assert not partitions.is_partitioned(cursor)
        assert list(DossierEvent.objects.order_by("id").values_list()) == rows
        assert partitions.convert(connection, partitioned=True) is True
        assert partitions.convert(connection, partitioned=True) is False  # once
        assert list(DossierEvent.objects.order_by("id").values_list()) == rows
        assert layout() == before
        # The identity goes on after the copied rows: a new event gets a new id.
        receive_at_counter(province, received_at=datetime(2026, 1, 5, 9, 0, tzinfo=VN))
        assert DossierEvent.objects.order_by("-id").first().pk > rows[-1][0]

    def test_the_monthly_job_makes_next_years_partitions_once(self, capsys):
        with transaction.atomic():
            made = partitions.ensure_partitions(connection, today=date(2040, 3, 1))
        assert made == ["dossiers_dossierevent_y2040", "dossiers_dossierevent_y2041"]
        assert partitions.ensure_partitions(connection, today=date(2040, 3, 1)) == []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                "'dossiers_dossierevent_y2041'::regclass AND NOT tgisinternal"
            )
            assert cursor.fetchone()[0] == 2  # the append-only guard and TRUNCATE's
        call_command("events", "partitions")
        assert "dossiers_dossierevent_y2041" in capsys.readouterr().out

    def test_a_year_whose_events_sit_in_the_default_partition_is_refused(self, dossier):
        # History entered late, before the first year with a partition: the default one.
        early = DossierEvent.objects.create(
            dossier=dossier,
            at=datetime(2014, 6, 2, 9, 0, tzinfo=VN),
            action="receive",
            to_status="received",
        )
        assert partition_of(early.pk) == "dossiers_dossierevent_default"
        with (
            pytest.raises(partitions.PartitionError, match="2014"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            partitions._create_year(cursor, 2014)

    def test_the_command_refuses_a_silly_horizon(self):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="between 0 and 20"):
            call_command("events", "partitions", "--ahead", "99999999999")


if POSTGRES:  # not collected on SQLite, where there is nothing to partition

    class TestOnPostgreSQL(PostgreSQLOnly):
        pass
