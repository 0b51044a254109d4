"""Catalogue search that ignores Vietnamese diacritics and case, and knows how people say it.

Each term of the query, folded ("Đăng" → "dang"), must begin a word of the procedure's
folded search text (code, name, sector): "khai si" finds "Đăng ký khai sinh", "tu" does not
find "Sở Tư pháp"'s procedures through the agency name. Filler words ("làm", "xin", "thủ
tục") need not match.

Everyday phrases (`SearchPhrase` rows, phrases.py) widen it: "làm sổ đỏ" also finds the
procedures whose name holds what the phrase means ("cấp giấy chứng nhận quyền sử dụng
đất"), and those come first — before the literal matches when the query's other words are
in them too ("đổi bằng lái" → "Đổi giấy phép lái xe …"), after them otherwise ("giấy phép
kinh doanh karaoke" → the karaoke licences, then business registration). Among phrase
matches, the wording listed first and names starting with it rank higher.

Then the literal ranking: the code itself, the exact name, names starting with the phrase,
names containing it, the number of terms that begin words of the name; shorter names first
among equals. The phrases are kept in memory until the catalogue changes (cache.py); then one
query for the procedures.
"""

from functools import reduce
from operator import and_, or_

from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Length

from motcua.catalog.phrases import Phrase, expand
from motcua.core.text import search_terms

# Tiers first (the code; what the phrases mean, with the query's other words; the literal
# matches; what some phrase means), then bonuses within a tier, each smaller than a tier.
CODE, MEANT, LITERAL = 1_000_000, 100_000, 50_000
EXACT, STARTS, CONTAINS, TERM = 1_000, 500, 200, 10
PHRASE_WEIGHT, MEANING_ORDER, MEANING_EXACT, MEANING_STARTS = 1_000, 20, 100, 10


def active_phrases(generation: str | None = None) -> list[Phrase]:
    """The active phrases, kept by each process until the catalogue changes (cache.py)."""
    from motcua.catalog import cache
    from motcua.catalog.models import SearchPhrase

    def build():
        rows = SearchPhrase.objects.filter(is_active=True).values_list("phrase_key", "means_folded")
        return [Phrase(tuple(key.split()), tuple(means)) for key, means in rows]

    return cache.kept("phrases", build, generation_value=generation)


def _contains(field: str, words: list[str]) -> Q:
    return reduce(and_, (Q(**{f"{field}__contains": f" {w}"}) for w in words), Q())


def search(queryset: QuerySet, query: str, phrases: list[Phrase] | None = None) -> QuerySet:
    query = query.replace("\x00", "")  # the pages refuse it (core/hostile.py); callers may not
    terms = search_terms(query)
    if not terms:
        return queryset
    expansion = expand(terms, active_phrases() if phrases is None else phrases)
    literal = _contains("search_text", expansion.literal)
    queryset = queryset.annotate(padded_name=Concat(Value(" "), "name_folded"))
    rank = Value(0)
    if expansion.meanings:
        matches = [
            reduce(or_, (Q(padded_name__contains=f" {m}") for m in means))
            for means in expansion.meanings
        ]
        meant_with_all_words = reduce(and_, matches) & _contains("search_text", expansion.rest)
        queryset = queryset.filter(literal | reduce(or_, matches))
        rank = Case(
            When(meant_with_all_words, then=Value(MEANT)),
            When(literal, then=Value(LITERAL)),
            default=Value(0),
        )
        for j, means in enumerate(expansion.meanings):
            # The phrase said first is the query's main intent: "sửa tên trong giấy khai sinh".
            weight = PHRASE_WEIGHT * (len(expansion.meanings) - j)
            rank = rank + Case(
                *(
                    When(
                        padded_name__contains=f" {m}",
                        then=Value(weight + MEANING_ORDER * (len(means) - i)),
                    )
                    for i, m in enumerate(means)
                ),
                default=Value(0),
            )
            rank = rank + Case(
                *(When(name_folded=m, then=Value(MEANING_EXACT)) for m in means),
                *(When(name_folded__startswith=m, then=Value(MEANING_STARTS)) for m in means),
                default=Value(0),
            )
    else:
        queryset = queryset.filter(literal)
    phrase = " ".join(expansion.literal)
    rank = (
        rank
        + Case(When(code__iexact=query.strip(), then=Value(CODE)), default=Value(0))
        + Case(When(name_folded=phrase, then=Value(EXACT)), default=Value(0))
        + Case(When(name_folded__startswith=phrase, then=Value(STARTS)), default=Value(0))
        + Case(When(padded_name__contains=f" {phrase}", then=Value(CONTAINS)), default=Value(0))
    )
    # Words a phrase took say nothing more about the name (the "cho con" of "khai sinh cho con").
    for term in expansion.rest if expansion.meanings else expansion.literal:
        rank = rank + Case(
            When(padded_name__contains=f" {term}", then=Value(TERM)), default=Value(0)
        )
    return queryset.annotate(rank=rank, name_length=Length("name")).order_by(
        "-rank", "name_length", "name_folded", "code"
    )
