from datetime import date

import pytest

from motcua.catalog import services as catalog_services
from motcua.catalog.tests.factories import make_department, make_procedure
from motcua.org.constants import Level

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    justice = make_department("Sở Tư pháp", code="000.00.01.H40")
    health = make_department("Sở Y tế", code="000.00.02.H40")
    rows = [
        ("Đăng ký khai sinh", Level.COMMUNE, None, ("HT", "Hộ tịch"), 2),
        ("Đăng ký khai sinh có yếu tố nước ngoài", Level.DISTRICT, None, ("HT", "Hộ tịch"), 3),
        ("Đăng ký kết hôn", Level.COMMUNE, None, ("HT", "Hộ tịch"), 3),
        ("Cấp Phiếu lý lịch tư pháp", Level.PROVINCE, justice, ("LLTP", "Lý lịch tư pháp"), 4),
        ("Cấp giấy phép hành nghề khám bệnh", Level.PROVINCE, health, ("KCB", "Khám bệnh"), 4),
    ]
    procedures = {
        name: make_procedure(
            name=name,
            level=level,
            agency=agency.code if agency else "",
            sector={"code": sector[0], "name": sector[1]},
            online_level=online,
        )
        for name, level, agency, sector, online in rows
    }
    abolished = make_procedure(name="Đăng ký khai sinh lưu động")
    catalog_services.abolish_procedure(abolished, effective_on=date(2024, 1, 1))
    return procedures


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_the_catalogue_is_public_and_lists_only_procedures_in_force(api, catalogue):
    response = api.get("/procedures")  # no token
    assert sorted(names(response)) == sorted(catalogue)
    body = response.json()
    assert (body["count"], body["page"], body["page_size"], body["has_next"]) == (5, 1, 20, False)
    item = next(i for i in body["items"] if i["name"] == "Cấp Phiếu lý lịch tư pháp")
    assert item["agency"] == "000.00.01.H40"
    assert item["sector"] == {"code": "LLTP", "name": "Lý lịch tư pháp"}
    assert (item["level"], item["online_level"], item["local_duration"]) == ("province", 4, "5.00")


@pytest.mark.parametrize(
    "query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "đăng ký khai sinh", "khai si"]
)
def test_search_ignores_diacritics_and_case_and_ranks_the_exact_name_first(api, catalogue, query):
    assert names(api.get("/procedures", q=query)) == [
        "Đăng ký khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
    ]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"level": "commune"}, {"Đăng ký khai sinh", "Đăng ký kết hôn"}),
        ({"agency": "000.00.02.H40"}, {"Cấp giấy phép hành nghề khám bệnh"}),
        (
            {"sector": "HT", "online_level": 3},
            {"Đăng ký khai sinh có yếu tố nước ngoài", "Đăng ký kết hôn"},
        ),
        ({"q": "dang ky", "level": "district"}, {"Đăng ký khai sinh có yếu tố nước ngoài"}),
        ({"agency": "no-such-agency"}, set()),
    ],
)
def test_filters(api, catalogue, params, expected):
    assert set(names(api.get("/procedures", **params))) == expected


def test_pages(api, catalogue):
    first = api.get("/procedures", page_size=2).json()
    third = api.get("/procedures", page_size=2, page=3).json()
    assert (first["count"], first["has_next"], len(first["items"])) == (5, True, 2)
    assert (third["has_next"], len(third["items"])) == (False, 1)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"page_size": 101}, "page_size"),
        ({"page": 0}, "page"),
        ({"level": "country"}, "level"),
        ({"online_level": 5}, "online_level"),
    ],
)
def test_bad_parameters_are_refused_with_the_field(api, catalogue, params, field):
    response = api.get("/procedures", **params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"] == {field: "invalid"}


def test_detail_is_the_full_text_with_document_ids_and_fees(api, catalogue):
    procedure = catalogue["Cấp Phiếu lý lịch tư pháp"]
    response = api.get(f"/procedures/{procedure.code}")
    assert response.status_code == 200
    body = response.json()
    snapshot = procedure.versions.get().data
    for field in ("name", "steps", "legal_basis", "fee_text", "statutory_duration", "agency"):
        assert body[field] == snapshot[field]
    assert (body["status"], body["version"], body["valid_from"]) == ("active", 1, "2020-01-01")
    ids = [d.pk for d in procedure.documents.order_by("position", "id")]
    assert [d["id"] for d in body["documents"]] == ids
    assert [(d["name"], d["mandatory"]) for d in body["documents"]] == [
        ("Tờ khai (theo mẫu)", True),
        ("Giấy tờ tùy thân", False),
    ]
    assert body["fees"] == [{"name": "Lệ phí", "amount": 8000, "note": "mỗi bản"}]


def test_unknown_procedure_is_a_structured_404(api, catalogue):
    response = api.get("/procedures/NO.SUCH")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
