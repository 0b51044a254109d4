"""Queries the API runs on every request, compiled to SQL once per process.

Building and compiling a query with subqueries costs Django more than the database takes to
run it (the token's query: about 7 ms of Python for 2 ms in PostgreSQL, on the bench
machine). A `Prepared` query is built and compiled once per database, with a marker value in
place of each parameter; later runs put the request's values where the markers were (each
adapted to the database as Django adapts a value of its kind) and build the objects with
the compiler of that first compilation (`select_related` rows, annotations, converters), as
`QuerySet.first()` does. What is built is the query its `build` function returns: one place
says what is read, and the tests run it on both databases.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

from django.db import connections, router
from django.db.models.query import get_related_populators

KINDS = ("str", "int", "date", "datetime")


def _marker(kind: str, i: int):
    return {
        "str": f"\x00motcua-marker-{i}\x00",
        "int": 1_987_650_000 + i,
        "date": date(1902, 2, 1 + i),
        "datetime": datetime(1903, 3, 3, 3, 3, i, tzinfo=UTC),
    }[kind]


def _looks_like_marker(param) -> bool:
    """A value derived from a marker (`at.date()` of a datetime one, say) that would stay in
    the SQL as a constant: the query's shape depends on it, it cannot be prepared."""
    text = str(param)
    return "motcua-marker" in text or text.startswith(("1902-", "1903-"))


def _adapt(connection, kind: str, value):
    """`value` as Django sends a parameter of its kind to this database."""
    if kind == "date":
        return connection.ops.adapt_datefield_value(value)
    if kind == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Prepared:
    """`Prepared(build, code="str", day="date")`; `.first(code=…, day=…)`: what
    `build(code=…, day=…).first()` answers, with one compilation per process and database.
    `build` must give a query whose SQL depends on the values only through its parameters
    (every value in a filter or a subquery's filter, nothing in the query's shape)."""

    def __init__(self, build, **kinds: str):
        if not set(kinds.values()) <= set(KINDS):
            raise ValueError(f"kinds are among {KINDS}")
        self.build, self.kinds = build, kinds
        self.model = None
        self._compiled: dict[tuple[str, str], tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str) -> tuple:
        connection = connections[using]
        markers = {name: _marker(kind, i) for i, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(**markers)
        queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        adapted = {
            name: _adapt(connection, self.kinds[name], marker) for name, marker in markers.items()
        }
        slots = []  # (position in params, the name whose value goes there)
        for position, param in enumerate(params):
            for name, marker in adapted.items():
                if type(param) is type(marker) and param == marker:
                    slots.append((position, name))
        taken = {position for position, _ in slots}
        if {name for _, name in slots} != set(self.kinds) or any(
            _looks_like_marker(p) for i, p in enumerate(params) if i not in taken
        ):
            raise ValueError("a value of the prepared query is not one of its parameters")
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        populators = get_related_populators(klass_info, compiler.select, using)
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("a prepared query cannot select a composite primary key")
        return (
            sql,
            list(params),
            slots,
            (compiler, compiler.get_converters(columns)),
            (klass_info["model"], start, end, names, populators),
            dict(compiler.annotation_col_map),
        )

    def first(self, **values: Any):
        if set(values) != set(self.kinds):
            raise TypeError(f"give exactly {sorted(self.kinds)}")
        if self.model is None:
            self.model = self.build(**{n: _marker(k, 0) for n, k in self.kinds.items()}).model
        using = router.db_for_read(self.model) or "default"
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(using)
                self._compiled[key] = compiled
        sql, params, slots, (compiler, converters), built, annotations = compiled
        model, start, end, names, populators = built
        params = list(params)
        for position, name in slots:
            params[position] = _adapt(connection, self.kinds[name], values[name])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [row[: compiler.col_count] for row in cursor.fetchmany(1)]
        if converters:  # what `compiler.results_iter` does, its converters kept
            rows = compiler.apply_converters(rows, converters)
        for row in rows:
            found = model.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, found)
            for name, position in annotations.items():
                setattr(found, name, row[position])
            return found
        return None
