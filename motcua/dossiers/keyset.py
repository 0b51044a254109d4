"""Keyset pagination for the work queue: a page starts after (or ends before) the sort key of
a row, not at an offset, so the database reads the page from an index instead of counting
past every earlier row, and a dossier added between two requests neither repeats a row on
the next page nor hides one.

A sort is a tuple of keys `(field, descending)`, each a nullable datetime with NULLs last,
then the primary key. A cursor is the row's key as text: one part per datetime key, the
microseconds since 1970 in UTC or `n` for NULL, then the id, joined by `.` (URL-safe, no
quoting). `parse` returns None for anything else (NUL bytes, garbage, huge numbers, dates
outside years 1–9999): the caller shows the first page and says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1
_PART = re.compile(r"n|-?\d{1,18}")
_ID = re.compile(r"\d{1,19}")


class Sort(tuple):
    """((field, descending), ...): the datetime keys, the primary key last (ascending when
    the last key ascends, descending when it descends)."""

    @property
    def id_descending(self) -> bool:
        return self[-1][1]

    def order_by(self, reverse: bool = False) -> list:
        """ORDER BY terms (NULLs last, or first when walking backwards)."""
        terms = []
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        for field, descending in self:
            terms.append(F(field).desc(**nulls) if descending != reverse else F(field).asc(**nulls))
        terms.append("-id" if self.id_descending != reverse else "id")
        return terms


def key(sort: Sort, row) -> str:
    """The cursor of a row."""
    parts = [_encode(getattr(row, field)) for field, _ in sort]
    return ".".join([*parts, str(row.pk)])


def _encode(value) -> str:
    if value is None:
        return "n"
    delta = value - EPOCH
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def parse(sort: Sort, text: str):
    """The key values of a cursor for this sort, or None when it is not one."""
    parts = text.split(".")
    if len(parts) != len(sort) + 1 or not _ID.fullmatch(parts[-1]):
        return None
    pk = int(parts[-1])
    if pk > MAX_ID:
        return None
    values = []
    for part in parts[:-1]:
        if not _PART.fullmatch(part):
            return None
        if part == "n":
            values.append(None)
            continue
        try:
            values.append(EPOCH + timedelta(microseconds=int(part)))
        except OverflowError:  # beyond year 9999 or before year 1
            return None
    return (*values, pk)


def beyond(sort: Sort, values, backwards: bool = False) -> Q:
    """Rows strictly after the key (strictly before with `backwards`) in the sort's order:
    for keys k1..kn, id, the first key that differs decides.

    The keys are compared as `COALESCE(key, key)`, which no index holds: the condition is a
    filter on the rows the other conditions find, never a range of an index. PostgreSQL
    judges how many open dossiers lie past a date from the whole table's statistics, where
    most dates are long past: it guessed some 200 where there were 13,000 and read them all
    through the due-date index to sort them (8–10 ms a page at a million dossiers), where the
    officer's own agencies' indexes, or the ordered index read from the top, take 1 ms."""
    condition = Q(pk__lt=values[-1]) if sort.id_descending != backwards else Q(pk__gt=values[-1])
    for (field, descending), value in reversed(list(zip(sort, values[:-1], strict=True))):
        condition = _past(field, descending, value, backwards) | (_equal(field, value) & condition)
    return condition


def _key(field: str):
    return Coalesce(F(field), F(field))


def _equal(field: str, value) -> Q:
    return Q(IsNull(_key(field), True)) if value is None else Q(Exact(_key(field), value))


def _past(field: str, descending: bool, value, backwards: bool) -> Q:
    """Rows past `value` on this key alone, NULLs counting as last."""
    if not backwards:
        if value is None:  # nothing comes after NULL
            return Q(pk__in=[])
        after = LessThan if descending else GreaterThan
        return Q(after(_key(field), value)) | Q(IsNull(_key(field), True))
    if value is None:  # every non-NULL comes before NULL
        return Q(IsNull(_key(field), False))
    before = GreaterThan if descending else LessThan
    return Q(before(_key(field), value))
