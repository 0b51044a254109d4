"""What the bench scripts share: a PostgreSQL database of their own, created when missing;
its temporary numbered copies; the percentile they print."""

import math
import os
import sys


def ensure_postgres_database() -> None:
    """With DATABASE_URL naming a PostgreSQL database, create it if missing. Its name must
    contain "bench": the benches fill and empty their databases."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        return
    name = config["NAME"]
    if "bench" not in name:
        sys.exit(f"The bench builds its own database: use a name containing 'bench', not {name}.")
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def open_database(root, stem: str) -> None:
    """Settings and database for a bench script: DATABASE_URL as given, else a SQLite file
    var/bench/<stem>.sqlite3; the PostgreSQL database created when missing; Django set up."""
    if not os.environ.get("DATABASE_URL"):
        (root / "var" / "bench").mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{root}/var/bench/{stem}.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    ensure_postgres_database()

    import django

    django.setup()


def columns(cursor, table: str) -> list[tuple[str, bool]]:
    """(name, nullable) of the table's columns but id, in order (PostgreSQL)."""
    cursor.execute(
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name <> 'id' "
        "ORDER BY ordinal_position",
        [table],
    )
    return cursor.fetchall()


def numbered(
    cursor, name: str, source: str, where: str = "TRUE", params=None, *, select="*", key="n"
) -> int:
    """A temporary table `name` (replaced if there) of the rows of `source` that match
    `where`, with `key` numbering them from 0 in the order of their ids (the primary key):
    the templates a bench's `generate_series` copies in turn. Returns how many rows."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(
        f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER (ORDER BY id) - 1 AS {key}, "
        f"{select} FROM {source} WHERE {where}",
        params,
    )
    cursor.execute(f"ALTER TABLE {name} ADD PRIMARY KEY ({key})")
    cursor.execute(f"SELECT count(*) FROM {name}")
    return cursor.fetchone()[0]


def percentile(values, p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p % of them at or below
    it (of 100 timings the 95th, of 20 the 19th: never simply the slowest)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(len(ordered) * p / 100) - 1, 0)]
