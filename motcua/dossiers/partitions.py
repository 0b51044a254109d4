"""Dossier events partitioned by year on PostgreSQL (docs/scaling.md, "Partitions").

The event table only grows (about ten events per dossier, tens of millions of rows a year
for a large province). On PostgreSQL it is a table partitioned by range of `at`, one
partition per calendar year in Vietnam's time (`dossiers_dossierevent_y2025` holds
01/01/2025 00:00 to 01/01/2026 00:00 +07:00) from 2015 (FIRST_YEAR), and a default
partition for anything outside them. A query of a period reads only its years' partitions;
an old year can be moved to cheaper storage or detached and archived whole.

PostgreSQL requires the partition key in the primary key: the key is (id, at). `id` stays
unique because one identity sequence gives it; Django addresses rows by `id` as before.
The indexes, foreign keys, checks and the append-only triggers are the plain table's,
recreated on the partitioned one (PostgreSQL gives them to every partition); TRUNCATE's
guard, a statement trigger, is put on each partition too.

`ensure_partitions` makes this year's and the next years' partitions; the worker runs it
monthly (`motcua events partitions`, OPS["SCHEDULE"]), so the default partition stays
empty. SQLite has no partitions: everything here does nothing there.
"""

from __future__ import annotations

from datetime import date

TABLE = "dossiers_dossierevent"
DEFAULT = f"{TABLE}_default"
ZONE = "+07:00"  # Vietnam's time, no daylight saving
YEARS_AHEAD = 1
# The first year with a partition of its own: one-stop systems recorded dossiers from the
# mid-2010s (Hà Nam's from 2017); anything earlier (history entered late) goes to the
# default partition.
FIRST_YEAR = 2015


class PartitionError(RuntimeError):
    pass


def partition_name(year: int) -> str:
    return f"{TABLE}_y{year}"


def is_partitioned(cursor) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c "
        "ON c.oid = p.partrelid WHERE c.relname = %s AND pg_table_is_visible(c.oid))",
        [TABLE],
    )
    return cursor.fetchone()[0]


def partitions(cursor) -> list[str]:
    """The names of the table's partitions, in order."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def _statement_triggers(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's statement-level triggers (TRUNCATE's guard)."""
    cursor.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal AND tgtype & 1 = 0 ORDER BY tgname",
        [table],
    )
    return cursor.fetchall()


def _guard(cursor, partition: str) -> None:
    """The parent's statement triggers on one partition (PostgreSQL clones only row ones)."""
    for _name, definition in _statement_triggers(cursor, TABLE):
        head, sep, tail = definition.partition(f".{TABLE} ")
        if not sep:
            head, sep, tail = definition.partition(f" {TABLE} ")
        cursor.execute(f"{head}{sep.replace(TABLE, partition)}{tail}")


def _partition(cursor, year: int) -> None:
    """The partition of one calendar year in Vietnam's time."""
    cursor.execute(
        f"CREATE TABLE {partition_name(year)} PARTITION OF {TABLE} FOR VALUES FROM "
        f"('{year}-01-01 00:00{ZONE}') TO ('{year + 1}-01-01 00:00{ZONE}')"
    )


def _create_year(cursor, year: int) -> None:
    name = partition_name(year)
    cursor.execute(
        f"SELECT count(*) FROM {DEFAULT} WHERE at >= %s AND at < %s",
        [f"{year}-01-01 00:00{ZONE}", f"{year + 1}-01-01 00:00{ZONE}"],
    )
    if cursor.fetchone()[0]:
        raise PartitionError(
            f"the default partition holds events of {year}: move them before making {name}"
        )
    _partition(cursor, year)
    _guard(cursor, name)


def ensure_partitions(connection, today: date | None = None, ahead: int = YEARS_AHEAD) -> list[str]:
    """Make the partitions of this year and the next `ahead` years that are missing;
    returns the names made. Nothing on SQLite or on a table not partitioned."""
    if connection.vendor != "postgresql":
        return []
    today = today or date.today()
    made = []
    with connection.cursor() as cursor:
        if not is_partitioned(cursor):
            return []
        have = set(partitions(cursor))
        for year in range(today.year, today.year + ahead + 1):
            if partition_name(year) not in have:
                _create_year(cursor, year)
                made.append(partition_name(year))
    return made


def convert(connection, *, partitioned: bool, today: date | None = None) -> bool:
    """Rebuild the event table partitioned by year (or back to a plain table), keeping every
    row, id, index, constraint and trigger. Returns False when there was nothing to do.
    Runs inside the caller's transaction (a migration's)."""
    if connection.vendor != "postgresql":
        return False
    today = today or date.today()
    with connection.cursor() as c:
        if is_partitioned(c) == partitioned:
            return False
        old = f"{TABLE}_old"
        c.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname <> %s ORDER BY indexname",
            [TABLE, f"{TABLE}_pkey"],
        )
        indexes = c.fetchall()
        if any(" UNIQUE " in definition for _n, definition in indexes):
            raise PartitionError("a unique index without the partition key cannot be kept")
        c.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
            "%s::regclass AND contype IN ('c', 'f') ORDER BY conname",
            [TABLE],
        )
        constraints = c.fetchall()
        c.execute(
            "SELECT tgname, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger') "
            "FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            [TABLE],
        )
        triggers = c.fetchall()
        c.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        by = ' PARTITION BY RANGE ("at")' if partitioned else ""
        c.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY){by}")
        if partitioned:
            c.execute(
                f"SELECT min(at AT TIME ZONE '{ZONE}'), max(at AT TIME ZONE '{ZONE}') FROM {old}"
            )
            first, last = c.fetchone()
            start = min(first.year if first else FIRST_YEAR, FIRST_YEAR)
            end = max(last.year if last else today.year, today.year + YEARS_AHEAD)
            c.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
            for year in range(start, end + 1):
                _partition(c, year)
        c.execute(f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {old}")
        c.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), "
            f"coalesce((SELECT max(id) FROM {TABLE}), 0) + 1, false)"
        )
        c.execute(f"DROP TABLE {old}")  # with its partitions, when it had them
        key = "id, at" if partitioned else "id"
        c.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
        for _name, definition in indexes:
            c.execute(definition)
        for name, definition in constraints:
            c.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        for name, definition, comment in triggers:
            c.execute(definition)
            if comment is not None:
                c.execute("SELECT quote_literal(%s)", [comment])
                c.execute(f'COMMENT ON TRIGGER "{name}" ON {TABLE} IS {c.fetchone()[0]}')
        if partitioned:
            for partition in partitions(c):
                _guard(c, partition)
        # Autovacuum never analyses a partitioned parent: without this the planner guesses.
        c.execute(f"ANALYZE {TABLE}")
    return True
