"""A query of rows around a subquery of their primary keys, its outer part compiled once.

The work queue reads a page in one query: the ids of the page chosen among the officer's
dossiers (the filters, the order, the slice: they change with every request), and around
them what the page shows of those rows (their names, two marks, the order again: the same
on every request). Django builds and compiles the whole query on each request, and the
outer part was most of it: 5.4 ms of Python per page on a 2-core machine, against about
1 ms for the ids alone (docs/performance.md).

`Around(outer)` compiles the outer part once per process, database and key, with a marker
where the ids go, and keeps its SQL, its parameters and its compiler (for the columns'
converters: SQLite's dates, JSON). Each `rows(inner, key)` compiles only `inner`, places its
SQL at the marker and reads the rows as `values_list` would. The outer part must not depend
on the request: no user, time, language or setting in it (a key holds what it may vary
by, e.g. the order). The executed SQL is the one Django would send for
`outer(inner.values("pk"))` but for the subquery's table aliases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable

from django.apps import apps
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

MARK = "SELECT motcua_rows_around"
_PLACEHOLDER = re.compile(r"%[%s]")


class Around:
    """`outer(ids, key)` returns the rows' `values_list` queryset filtered `pk__in=ids`."""

    def __init__(self, outer: Callable[[RawSQL, Hashable], QuerySet]):
        self._outer = outer
        self._shells: dict = {}

    def rows(self, inner: QuerySet, key: Hashable = None) -> list[tuple]:
        """The rows whose primary keys `inner` (a `values("pk")` queryset) selects, as
        tuples of the outer query's `values_list`."""
        db = inner.db
        shell = self._shells.get((db, key))
        if shell is None:
            shell = self._shells[(db, key)] = self._compile(db, key)
        compiler, before, after, head, tail = shell
        try:
            sql, params = inner.query.get_compiler(db).as_sql()
        except EmptyResultSet:  # a condition nothing can meet (`none()`, `__in=[]`)
            return []
        with connections[db].cursor() as cursor:
            cursor.execute(before + sql + after, (*head, *params, *tail))
            fetched = cursor.fetchall()
        return list(compiler.results_iter([fetched], tuple_expected=True))

    def _compile(self, db: str, key: Hashable) -> tuple:
        queryset = self._outer(RawSQL(MARK, ()), key).using(db)
        compiler = queryset.query.get_compiler(db)
        sql, params = compiler.as_sql()
        before, marker, after = sql.partition(MARK)
        if not marker or MARK in after:
            raise ValueError("the outer query must hold the ids' marker once")
        held = sum(1 for p in _PLACEHOLDER.findall(before) if p == "%s")
        # Django 5.2 selects a values_list's columns in the order named (query.selected),
        # so the compiled rows are the iterable's tuples as they come.
        return compiler, before, after, tuple(params[:held]), tuple(params[held:])


def by_key(model: str, column: str, of: str) -> Subquery:
    """For each row, `of` of the `model` ("app.Model") row whose primary key is the row's
    `column`: a subquery, one index lookup per row. Around a page of ids, PostgreSQL plans
    a few of these in a fraction of the time it takes to plan as many joins."""
    rows = apps.get_model(model)._default_manager.filter(pk=OuterRef(column))
    return Subquery(rows.values(of)[:1])
