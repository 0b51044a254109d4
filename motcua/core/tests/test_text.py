import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.numbers import format_vn, percent
from motcua.core.text import fold, search_terms


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐĂNG KÝ KHAI SINH", "dang ky khai sinh"),
        ("đăng   ký\tkhai sinh ", "dang ky khai sinh"),
        ("Cấp Giấy chứng nhận quyền sử dụng đất", "cap giay chung nhan quyen su dung dat"),
        ("Thủ tục hưởng chế độ tử tuất", "thu tuc huong che do tu tuat"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("", ""),
    ],
)
def test_fold_removes_diacritics_case_and_maps_d(text, folded):
    assert fold(text) == folded


def test_fold_handles_precomposed_and_decomposed_input_alike():
    import unicodedata

    text = "Đăng ký kết hôn"
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


@given(st.text())
def test_fold_is_idempotent_and_ascii_letters_survive(text):
    once = fold(text)
    assert fold(once) == once
    assert "đ" not in once and "Đ" not in once


def test_search_terms_fold_split_and_dedupe():
    assert search_terms("Khai SINH, khai   sinh!") == ["khai", "sinh"]


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (878, 1972, "44,52"),
        (965, 1972, "48,94"),
        (129, 1972, "6,54"),
        (2393, 2747, "87,11"),
        (24741, 45464, "54,42"),
        (1, 8, "12,50"),
    ],
)
def test_percent_rounds_half_up_and_prints_vietnamese(part, whole, expected):
    assert format_vn(percent(part, whole), 2) == expected


def test_format_vn_groups_thousands_with_dots():
    assert format_vn(45464) == "45.464"
    assert format_vn(1234567) == "1.234.567"
    assert percent(1, 0) is None
    assert format_vn(None) == "–"
