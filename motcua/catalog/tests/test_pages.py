from datetime import date

import pytest

from motcua.catalog import services
from motcua.catalog.tests.factories import make_department, make_procedure, procedure_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    dept = make_department("Sở Tư pháp")
    other = make_department("Sở Y tế")
    birth = make_procedure(
        name="Đăng ký khai sinh", level="commune", online_level=4, performing_agency="UBND cấp xã"
    )
    make_procedure(name="Đăng ký khai sinh có yếu tố nước ngoài", level="district", online_level=3)
    make_procedure(
        name="Cấp Phiếu lý lịch tư pháp",
        agency=dept.code,
        online_level=4,
        sector={"code": "LLTP", "name": "Lý lịch tư pháp"},
    )
    make_procedure(
        name="Cấp giấy phép hoạt động khám bệnh, chữa bệnh",
        agency=other.code,
        online_level=2,
        sector={"code": "KCB", "name": "Khám bệnh, chữa bệnh"},
    )
    return {"dept": dept, "birth": birth}


def test_home_page_is_vietnamese_and_counts_procedures_by_level(client, catalogue):
    page = client.get("/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'lang="vi"' in text
    assert page.context["total"] == 4
    assert page.context["by_level"] == {"commune": 1, "district": 1, "province": 2}


def test_list_searches_without_diacritics(client, catalogue):
    page = client.get("/procedures/", {"q": "dang ky khai sinh"})
    names = [p.name for p in page.context["page"]]
    assert names == ["Đăng ký khai sinh", "Đăng ký khai sinh có yếu tố nước ngoài"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "commune"}, ["Đăng ký khai sinh"]),
        ({"online_level": "4"}, ["Cấp Phiếu lý lịch tư pháp", "Đăng ký khai sinh"]),
        ({"sector": "KCB"}, ["Cấp giấy phép hoạt động khám bệnh, chữa bệnh"]),
        ({"q": "khai sinh", "level": "district"}, ["Đăng ký khai sinh có yếu tố nước ngoài"]),
    ],
)
def test_list_filters(client, catalogue, params, expected):
    page = client.get("/procedures/", params)
    assert sorted(p.name for p in page.context["page"]) == sorted(expected)


def test_filter_by_agency(client, catalogue):
    page = client.get("/procedures/", {"agency": catalogue["dept"].code})
    assert [p.name for p in page.context["page"]] == ["Cấp Phiếu lý lịch tư pháp"]


def test_bad_filter_values_are_ignored_with_a_notice(client, catalogue):
    page = client.get("/procedures/", {"level": "planet", "online_level": "x"})
    assert page.status_code == 200
    assert page.context["form"].errors
    assert len(page.context["page"]) == 4


def test_htmx_request_gets_only_the_results_fragment(client, catalogue):
    page = client.get("/procedures/", {"q": "khai sinh"}, headers={"HX-Request": "true"})
    body = page.content.decode()
    assert "<html" not in body and "Đăng ký khai sinh" in body


def test_pagination(client, settings):
    settings.MOTCUA = {**settings.MOTCUA, "CATALOGUE_PAGE_SIZE": 2}
    for i in range(5):
        make_procedure(name=f"Chứng thực bản sao {i}")
    first = client.get("/procedures/", {"q": "chung thuc"})
    third = client.get("/procedures/", {"q": "chung thuc", "page": 3})
    assert first.context["page"].paginator.num_pages == 3
    assert len(third.context["page"]) == 1
    assert "?q=chung+thuc&page=2" in first.content.decode()


def test_procedure_page_shows_what_a_citizen_needs(client, catalogue):
    page = client.get(catalogue["birth"].get_absolute_url())
    text = page.content.decode()
    for expected in (
        "Đăng ký khai sinh",
        "Tờ khai (theo mẫu)",
        "Giấy tờ tùy thân",
        "Trung tâm Phục vụ hành chính công",
        "8.000 đồng",
        "Luật Hộ tịch",
    ):
        assert expected in text
    assert page.context["text"]["local_duration"] == "5.00"


def test_procedure_page_shows_text_as_on_a_date(client, catalogue):
    birth = catalogue["birth"]
    services.amend_procedure(
        birth,
        procedure_data(
            name="Đăng ký khai sinh",
            local_duration="2",
            level="commune",
            legal_basis="Nghị định 123/2015/NĐ-CP",
        ),
        effective_on=date(2022, 1, 1),
    )
    old = client.get(birth.get_absolute_url(), {"on": "2021-06-01"})
    new = client.get(birth.get_absolute_url())
    assert old.context["version"].number == 1 and "Luật Hộ tịch" in old.content.decode()
    assert new.context["version"].number == 2
    assert "Nghị định 123/2015/NĐ-CP" in new.content.decode()
    before = client.get(birth.get_absolute_url(), {"on": "2010-01-01"})
    assert before.context["text"] is None


def test_unknown_procedure_is_404(client, db):
    assert client.get("/procedures/NOPE/").status_code == 404


def test_public_pages_do_not_need_login(client, catalogue):
    for url in ("/", "/procedures/", "/reports/catalogue/", catalogue["birth"].get_absolute_url()):
        assert client.get(url).status_code == 200, url
