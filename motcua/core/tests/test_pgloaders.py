"""PostgreSQL's timestamps and JSON read through psycopg's C loaders (core/pgloaders.py):
the same values Django's own loaders give, at the ends of the calendar too."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from motcua.core import pgloaders

pytestmark = pytest.mark.django_db


def test_timestamps_and_json_read_as_django_reads_them():
    if connection.vendor != "postgresql":
        # Nothing to do on SQLite: the receiver leaves the connection alone.
        connection.ensure_connection()
        pgloaders.use_c_loaders(None, connection)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '0001-01-01 00:00:00+00'::timestamptz, "
            "'9999-12-31 23:59:59.999999+00'::timestamptz, "
            "'2026-12-07 13:05:06.000123+07'::timestamptz, "
            """'{"tên": "Nguyễn Văn Ạ", "n": [1, 2]}'::jsonb, NULL::timestamptz"""
        )
        first, last, local, data, none = cursor.fetchone()
    assert first == datetime(1, 1, 1, tzinfo=UTC) and first.tzinfo is UTC
    assert last == datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert local == datetime(2026, 12, 7, 6, 5, 6, 123, tzinfo=UTC) and local.tzinfo is UTC
    assert data == '{"n": [1, 2], "tên": "Nguyễn Văn Ạ"}'  # the text, as JSONField expects
    assert none is None
    from psycopg.pq import Format

    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)
    assert loader.__name__ == "UtcTimestamptzLoader" and loader.timezone is UTC
