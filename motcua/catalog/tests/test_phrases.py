"""Finding everyday phrases in a query (phrases.py, no database) and the shipped list."""

import pytest

from motcua.catalog import phrases
from motcua.catalog.phrases import Phrase, expand
from motcua.core.text import search_terms

LIST = [
    Phrase(("lam",)),
    Phrase(("cho", "con")),
    Phrase(("so", "do"), ("cap giay chung nhan quyen su dung dat",)),
    Phrase(("tach", "so", "do"), ("tach thua",)),
    Phrase(("khai", "sinh", "cho", "con"), ("dang ky khai sinh",)),
    Phrase(("bang", "lai"), ("doi giay phep lai xe", "giay phep lai xe")),
]


@pytest.mark.parametrize(
    "query, literal, meanings, rest",
    [
        # The filler word is not required literally; the phrase's meaning is looked for.
        ("làm sổ đỏ", ["so", "do"], [("cap giay chung nhan quyen su dung dat",)], []),
        ("lam so do", ["so", "do"], [("cap giay chung nhan quyen su dung dat",)], []),
        # The longest phrase wins: "tách sổ đỏ" is splitting a plot, not a red book.
        ("tách sổ đỏ", ["tach", "so", "do"], [("tach thua",)], []),
        ("khai sinh cho con", ["khai", "sinh", "cho", "con"], [("dang ky khai sinh",)], []),
        # Words no phrase took must stand in what the phrase finds.
        (
            "đổi bằng lái",
            ["doi", "bang", "lai"],
            [("doi giay phep lai xe", "giay phep lai xe")],
            ["doi"],
        ),
        ("chuyển trường cho con", ["chuyen", "truong"], [], ["chuyen", "truong"]),
        # Nothing but filler words: they are all the query has, so they are kept.
        ("làm", ["lam"], [], []),
        ("khai tử", ["khai", "tu"], [], ["khai", "tu"]),
        # Two phrases: both meanings, in the order said.
        (
            "làm sổ đỏ bằng lái",
            ["so", "do", "bang", "lai"],
            [
                ("cap giay chung nhan quyen su dung dat",),
                ("doi giay phep lai xe", "giay phep lai xe"),
            ],
            [],
        ),
        # A phrase is whole words: "số" folds like "sổ", but "sodo" is another word.
        ("sodo", ["sodo"], [], ["sodo"]),
    ],
)
def test_expand(query, literal, meanings, rest):
    found = expand(search_terms(query), LIST)
    assert (found.literal, found.meanings, found.rest) == (literal, meanings, rest)


def test_meaning_lines_keep_punctuation_and_order_without_repeats():
    text = "Đăng ký, cấp biển số mô tô\n\n  mô tô, xe gắn máy ; đăng ký, cấp biển số mô tô"
    assert phrases.meaning_lines(text) == ["dang ky, cap bien so mo to", "mo to, xe gan may"]


def test_the_shipped_list_is_well_formed():
    entries = phrases.shipped()
    keys = [phrases.phrase_key(e["phrase"]) for e in entries]
    assert all(keys) and len(keys) == len(set(keys)), "every phrase once"
    synonyms = [e for e in entries if e["means"]]
    assert len(synonyms) >= 100 and len(entries) - len(synonyms) >= 20
    for entry in synonyms:
        assert len(entry["phrase"]) <= phrases.PHRASE_MAX
        assert phrases.meaning_lines("\n".join(entry["means"])), entry
    said = {phrases.phrase_key(e["phrase"]) for e in synonyms}
    for everyday in ("giay phep kinh doanh", "khai sinh cho con", "so do", "can cuoc", "cuoi"):
        assert everyday in said
