"""The demo catalogue's fees (catalog/demo/data/fees.json) against the instruments that set
them, written out by hand: changing an amount in the data breaks this table."""

import pytest

from motcua.catalog.demo import fees
from motcua.catalog.demo.generate import load_content

# (procedure name as published, tier, amounts of its fee lines in VND, what sets them)
LAW = [
    (
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
        "Việt Nam",
        "province",
        [200_000],
        "TT 244/2016/TT-BTC: 200.000 đ/lần/người, 100.000 đ for students and people with merit",
    ),
    (
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan tổ chức có thẩm quyền "
        "của Việt Nam cấp hoặc chứng nhận",
        "commune",
        [2_000],
        "TT 226/2016/TT-BTC: 2.000 đ/trang",
    ),
    (
        "Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực "
        "điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)",
        "district",
        [10_000],
        "TT 226/2016/TT-BTC: 10.000 đ/trường hợp",
    ),
    (
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
        "district",
        [50_000],
        "TT 226/2016/TT-BTC: 50.000 đ/hợp đồng",
    ),
    (
        "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
        "commune",
        [30_000],
        "TT 226/2016/TT-BTC: 30.000 đ",
    ),
    ("Đăng ký khai sinh", "commune", [0], "Luật Hộ tịch 2014 art. 11(1): free"),
    ("Đăng ký khai tử", "commune", [0], "Luật Hộ tịch 2014 art. 11(1): free"),
    ("Đăng ký kết hôn", "commune", [0], "Luật Hộ tịch 2014 art. 11(1): free"),
    ("Cấp lại giấy phép lái xe", "province", [135_000], "TT 188/2016/TT-BTC: 135.000 đ/lần"),
    ("Đăng ký thành lập doanh nghiệp tư nhân", "province", [50_000, 100_000], "TT 47/2019"),
    ("Đăng ký thành lập hộ kinh doanh", "district", [100_000], "HĐND tỉnh [check]"),
    ("Cấp giấy phép xây dựng đối với nhà ở riêng lẻ", "district", [75_000], "HĐND tỉnh [check]"),
    # Not listed: no fee line, so nothing is charged by the demo.
    ("Đăng ký khai sinh quá hạn", "commune", [], "provincial resolution: not shipped"),
    ("Đăng ký khai sinh có yếu tố nước ngoài", "district", [], "provincial: not shipped"),
]


@pytest.mark.parametrize(("name", "level", "amounts", "basis"), LAW)
def test_each_fee_is_the_amount_its_instrument_sets(name, level, amounts, basis):
    assert [f["amount"] for f in fees.fees_for(name, level)] == amounts, basis


def test_the_student_reduction_of_the_judicial_record_fee_is_stated():
    (line,) = fees.fees_for(LAW[0][0], "province")
    assert "244/2016/TT-BTC" in line["note"] and "100.000" in line["note"]


def test_every_fee_line_names_its_legal_basis_and_provincial_ones_are_marked():
    for entry in fees.entries():
        for line in entry["fees"]:
            note = line["note"]
            assert any(word in note for word in ("Thông tư", "Luật")), line
            assert len(note) <= 500 and len(line["name"]) <= 300  # Fee's columns
            if "Hội đồng nhân dân" in note:
                assert "[check" in note, line


def test_every_name_in_the_fee_data_is_a_procedure_of_the_demo_catalogue():
    """A renamed procedure would silently lose its fees: each name must still match."""
    _agencies, _sectors, procedures = load_content()
    for entry in fees.entries():
        for name in entry["names"]:
            one = {**entry, "names": [name]}
            assert any(fees.matches(one, p["name"], p["level"]) for p in procedures), name
