"""Amounts in words, against a table written out by hand the way Vietnamese receipts and
accounting documents write them (lẻ for a zero ten, mốt/tư/lăm after a ten, every group
after the first read in full)."""

import pytest

from motcua.payments.words import amount_in_words, number_words

TABLE = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (55, "năm mươi lăm"),
    (100, "một trăm"),
    (101, "một trăm lẻ một"),
    (105, "một trăm lẻ năm"),
    (110, "một trăm mười"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (1_000, "một nghìn"),
    (1_005, "một nghìn không trăm lẻ năm"),
    (1_050, "một nghìn không trăm năm mươi"),
    (8_000, "tám nghìn"),
    (15_000, "mười lăm nghìn"),
    (50_000, "năm mươi nghìn"),
    (100_000, "một trăm nghìn"),
    (1_000_005, "một triệu không trăm lẻ năm"),
    (1_005_000, "một triệu không trăm lẻ năm nghìn"),
    (1_250_000, "một triệu hai trăm năm mươi nghìn"),
    (21_000_000, "hai mươi mốt triệu"),
    (2_000_000_000, "hai tỷ"),
    (2_500_000_000, "hai tỷ năm trăm triệu"),
    (1_000_000_000_000, "một nghìn tỷ"),
]


@pytest.mark.parametrize(("n", "words"), TABLE)
def test_numbers_in_words(n, words):
    assert number_words(n) == words


def test_an_amount_reads_as_a_sentence_in_dong():
    assert amount_in_words(1_250_000) == "Một triệu hai trăm năm mươi nghìn đồng"
    assert amount_in_words(8_000) == "Tám nghìn đồng"


@pytest.mark.parametrize("bad", [-1, 1.5, "100", True, None])
def test_not_a_whole_amount(bad):
    with pytest.raises(ValueError):
        number_words(bad)


def test_the_largest_stored_amount_has_words():
    assert number_words(2**63 - 1).startswith("chín tỷ hai trăm hai mươi ba triệu")
