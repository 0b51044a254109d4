"""Rows read as JSON inside the statement that reads another row.

An API create reads its token and its procedure, and with each a few small lists (the
token's agencies and its service account's posts; the procedure's required documents, its
version in force, the first step of its process). Each list is a correlated subquery
aggregated to one JSON text (`JSONRows`: `json_group_array` on SQLite, `json_agg` on
PostgreSQL), so that the row and its lists are one round trip. `instances` turns such a
list back into model instances, each value converted as the database backend converts it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import models
from django.db.models import F, Func, TextField


class JSONRows(Func):
    """`[[a, b, …], …]`: one array per row of the (sub)query it is selected in, as text;
    `[]` without rows. An aggregate without GROUP BY: the subquery answers one row."""

    output_field = TextField()
    arity = None

    def __init__(self, *fields: str):
        super().__init__(*(F(name) for name in fields))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="JSON_GROUP_ARRAY(JSON_ARRAY(%(expressions)s))", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="COALESCE(JSON_AGG(JSON_BUILD_ARRAY(%(expressions)s))::text, '[]')",
            **extra,
        )


def rows_of(queryset: models.QuerySet, *fields: str) -> models.Subquery:
    """A subquery answering `queryset`'s rows as JSON (see `JSONRows`); `fields` may follow
    relations (`agency__kind`)."""
    return models.Subquery(
        queryset.order_by().annotate(json_rows=JSONRows(*fields)).values("json_rows"),
        output_field=TextField(),
    )


def load(text: str | None) -> list[list]:
    """The rows of a `rows_of` value (decimals kept exact)."""
    return json.loads(text, parse_float=Decimal) if text else []


def value(field: models.Field, raw):
    """`raw` (a JSON value) as the database backend would have given it for `field`."""
    if raw is None:
        return None
    if isinstance(field, models.DecimalField):
        return Decimal(raw).quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.BooleanField):
        return bool(raw)
    if isinstance(field, (models.DateField, models.TimeField, models.UUIDField)):
        return field.to_python(raw)  # dates and times are text in JSON
    return raw


def instances(model: type[models.Model], fields: tuple[str, ...], rows: list[list]) -> list:
    """Instances of `model` from rows of `rows_of(…, *fields)` (`load`ed; attribute names,
    e.g. `process_id`); the model's other fields are deferred (read if ever used)."""
    from django.db import DEFAULT_DB_ALIAS

    # `from_db` wants the values in the order of the model's fields.
    known = [f for f in model._meta.concrete_fields if f.attname in fields]
    order = [f.attname for f in known]
    if len(order) != len(fields):
        raise ValueError(f"{model.__name__} has no field among {fields}")
    position = [fields.index(name) for name in order]
    return [
        model.from_db(
            DEFAULT_DB_ALIAS,
            order,
            [value(f, row[i]) for f, i in zip(known, position, strict=True)],
        )
        for row in rows
    ]
