"""Catalogue search that ignores Vietnamese diacritics and case.

Each term of the query, folded ("Đăng" → "dang"), must begin a word of the procedure's
folded search text (code, name, sector): "khai si" finds "Đăng ký khai sinh", "tu" does not
find "Sở Tư pháp"'s procedures through the agency name. Ranked: the code itself, the exact
name, names starting with the phrase, names containing it, then the number of terms that
begin words of the name; shorter names first among equals.
"""

from django.db.models import Case, QuerySet, Value, When
from django.db.models.functions import Concat, Length

from motcua.core.text import search_terms


def search(queryset: QuerySet, query: str) -> QuerySet:
    terms = search_terms(query)
    if not terms:
        return queryset
    for term in terms:
        queryset = queryset.filter(search_text__contains=f" {term}")
    phrase = " ".join(terms)
    queryset = queryset.annotate(padded_name=Concat(Value(" "), "name_folded"))
    rank = (
        Case(When(code__iexact=query.strip(), then=Value(10_000)), default=Value(0))
        + Case(When(name_folded=phrase, then=Value(1_000)), default=Value(0))
        + Case(When(name_folded__startswith=phrase, then=Value(500)), default=Value(0))
        + Case(When(padded_name__contains=f" {phrase}", then=Value(200)), default=Value(0))
    )
    for term in terms:
        rank = rank + Case(When(padded_name__contains=f" {term}", then=Value(10)), default=Value(0))
    return queryset.annotate(rank=rank, name_length=Length("name")).order_by(
        "-rank", "name_length", "name_folded", "code"
    )
