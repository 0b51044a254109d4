import pytest

from motcua.catalog.constants import Status
from motcua.catalog.models import Procedure
from motcua.catalog.search import search
from motcua.catalog.tests.factories import make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    names = [
        "Đăng ký khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký lại khai sinh",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
        "Đăng ký kết hôn",
        "Đăng ký khai tử",
        "Cấp Giấy phép xây dựng nhà ở riêng lẻ",
        "Cấp bản sao trích lục hộ tịch",
    ]
    return {name: make_procedure(name=name) for name in names}


def names(query):
    return [p.name for p in search(Procedure.objects.filter(status=Status.ACTIVE), query)]


@pytest.mark.parametrize(
    "query",
    [
        "dang ky khai sinh",
        "ĐĂNG KÝ KHAI SINH",
        "đăng ký khai sinh",
        "Dang Ky Khai Sinh",
        "  đăng   ký  khai sinh ",
    ],
)
def test_diacritics_and_case_do_not_matter_and_exact_name_ranks_first(catalogue, query):
    found = names(query)
    assert found[0] == "Đăng ký khai sinh"
    assert "Đăng ký khai sinh có yếu tố nước ngoài" in found


def test_partial_words_find_every_birth_registration(catalogue):
    found = names("khai sinh")
    assert set(found) == {
        "Đăng ký khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký lại khai sinh",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
    }
    assert names("khai si") == names("khai sinh")


def test_d_with_stroke_is_folded_to_d(catalogue):
    assert "Đăng ký kết hôn" in names("dang ky ket hon")
    assert "Đăng ký kết hôn" in names("ĐANG KY KET HON")


def test_all_terms_must_match(catalogue):
    assert names("khai tu") == ["Đăng ký khai tử"]
    assert names("khai sinh xay dung") == []


def test_search_by_code_ranks_that_procedure_first(catalogue):
    target = catalogue["Đăng ký kết hôn"]
    assert names(target.code)[0] == "Đăng ký kết hôn"


def test_phrase_at_start_ranks_above_phrase_inside(catalogue):
    found = names("khai sinh")
    assert found.index("Đăng ký khai sinh") < found.index("Đăng ký lại khai sinh")


def test_abolished_procedures_are_not_listed(catalogue):
    from datetime import date

    from motcua.catalog import services

    services.abolish_procedure(catalogue["Đăng ký khai tử"], effective_on=date(2021, 1, 1))
    assert names("khai tu") == []
