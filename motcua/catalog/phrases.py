"""Everyday phrases in a search query, and what the catalogue calls them. No Django.

People search the way they talk: "làm sổ đỏ", "giấy phép kinh doanh", "khai sinh cho con".
The catalogue says "cấp Giấy chứng nhận quyền sử dụng đất", "đăng ký thành lập hộ kinh
doanh", "đăng ký khai sinh". A `Phrase` is one such saying (its folded words) with the
catalogue's wordings it means (folded, in the order they should rank); a phrase that means
nothing ("làm", "xin", "thủ tục") is a filler word, left out of what must match.

`expand(terms, phrases)` finds the phrases in a query's folded terms, longest first and
without overlap, and says what the search must look for (search.py):

- `literal`: the query's terms without the filler words (all of them if nothing else is
  left), each to begin a word of the procedure's text, as before phrases existed;
- `meanings`: for each everyday phrase found, the wordings it means (one must stand in the
  procedure's name);
- `rest`: the terms no phrase took, which a procedure found by meaning should also contain.

The shipped list is `data/search_phrases.json` (`shipped()`); supervisors change the rows in
the admin (catalog.SearchPhrase).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from motcua.core.text import fold, search_terms

SHIPPED = Path(__file__).parent / "data" / "search_phrases.json"
PHRASE_MAX = 200
MEANS_MAX = 2000


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    means: tuple[str, ...] = ()

    @property
    def filler(self) -> bool:
        return not self.means


@dataclass
class Expansion:
    literal: list[str]
    meanings: list[tuple[str, ...]] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)


def phrase_key(text: str) -> str:
    """The folded words of a phrase, as a query's terms are folded: its identity."""
    return " ".join(search_terms(text))


def meaning_lines(text: str) -> list[str]:
    """The wordings a phrase means, one per line (or separated by ";"), folded with their
    punctuation kept, since they are matched inside the folded procedure names."""
    lines = []
    for line in (text or "").replace(";", "\n").splitlines():
        folded = fold(line).strip(" .")
        if folded and folded not in lines:
            lines.append(folded)
    return lines


def expand(terms: list[str], phrases: list[Phrase]) -> Expansion:
    by_words = {p.words: p for p in phrases if p.words}
    longest = max((len(w) for w in by_words), default=0)
    filler_at: set[int] = set()
    taken: set[int] = set()
    meanings: list[tuple[str, ...]] = []
    i = 0
    while i < len(terms):
        for n in range(min(longest, len(terms) - i), 0, -1):
            phrase = by_words.get(tuple(terms[i : i + n]))
            if phrase is None:
                continue
            span = range(i, i + n)
            taken.update(span)
            if phrase.filler:
                filler_at.update(span)
            elif phrase.means not in meanings:
                meanings.append(phrase.means)
            i += n
            break
        else:
            i += 1
    literal = [t for k, t in enumerate(terms) if k not in filler_at] or list(terms)
    rest = [t for k, t in enumerate(terms) if k not in taken]
    return Expansion(literal, meanings, rest)


def shipped(path: Path = SHIPPED) -> list[dict]:
    """The shipped list: [{"phrase": …, "means": [..]}] with fillers as empty `means`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = [{"phrase": p, "means": []} for p in data["fillers"]]
    for entry in data["phrases"]:
        for saying in entry["say"]:
            entries.append({"phrase": saying, "means": list(entry["means"])})
    return entries
