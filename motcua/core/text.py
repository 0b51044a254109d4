"""Vietnamese text folding for search: no Django imports.

`fold("Đăng ký KHAI SINH")` gives "dang ky khai sinh": lower case, đ/Đ mapped to d,
combining marks stripped, runs of white space collapsed. The folded form is stored in
an indexed column next to the text it folds, so a search compares folded to folded.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s.\-/]", re.UNICODE)


def fold(text: str) -> str:
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def search_terms(query: str) -> list[str]:
    """Split a user's query into folded terms, dropping punctuation and duplicates."""
    seen: list[str] = []
    for term in _NON_WORD.sub(" ", fold(query)).split():
        if term not in seen:
            seen.append(term)
    return seen
