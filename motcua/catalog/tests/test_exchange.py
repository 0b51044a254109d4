import csv
import io
import json
import zipfile
from datetime import date

import pytest

from motcua.catalog import exchange
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.tests.factories import make_department, make_procedure, procedure_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    dept = make_department()
    make_procedure(
        name="Đăng ký khai sinh",
        agency=dept.code,
        duration_unit="hours",
        statutory_duration="8",
        local_duration="4.5",
    )
    make_procedure(
        name="Chứng thực bản sao | từ bản chính",
        fees=[{"name": "Phí chứng thực", "amount": None, "note": "theo trang"}],
        documents=[],
    )
    make_procedure(
        name='Cấp phép "đặc biệt", có dấu phẩy\nvà xuống dòng',
        steps='Bước 1\n\nBước 2; "trích dẫn"',
    )
    return dept


@pytest.mark.parametrize("fmt", exchange.FORMATS)
def test_round_trip_is_exact(catalogue, fmt):
    first = exchange.export(fmt)
    result = exchange.import_catalogue(first, fmt)
    assert (result.created, result.amended, result.unchanged) == (0, 0, 3)
    assert exchange.export(fmt) == first


def test_the_same_catalogue_exports_the_same_xlsx_bytes_whenever(catalogue):
    # openpyxl stamps "now" into the zip entries and document properties; a round trip that
    # crossed a second boundary used to differ.
    with zipfile.ZipFile(io.BytesIO(exchange.export("xlsx"))) as workbook:
        assert {info.date_time for info in workbook.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        properties = workbook.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in properties
    assert str(date.today().year) not in properties


@pytest.mark.parametrize("fmt", exchange.FORMATS)
def test_import_into_empty_catalogue_recreates_it(catalogue, fmt):
    content = exchange.export(fmt)
    before = exchange.snapshots()
    # Rename the codes in the file so the import creates new procedures from it.
    if fmt == "json":
        doc = json.loads(content)
        for p in doc["procedures"]:
            p["code"] = "N" + p["code"]
        content = json.dumps(doc, ensure_ascii=False).encode()
    elif fmt == "csv":
        content = content.decode("utf-8-sig").replace("\nT.", "\nNT.").encode()
    else:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(content))
        for row in wb.active.iter_rows(min_row=2):
            row[0].value = "N" + row[0].value
        out = io.BytesIO()
        wb.save(out)
        content = out.getvalue()
    result = exchange.import_catalogue(content, fmt)
    assert result.created == 3
    after = {p["code"][1:]: p for p in exchange.snapshots() if p["code"].startswith("N")}
    for original in before:
        copy = dict(after[original["code"]])
        copy["code"] = original["code"]
        assert copy == original


def test_amended_row_creates_a_new_version_and_nothing_else(catalogue):
    doc = json.loads(exchange.export("json"))
    doc["procedures"][0]["local_duration"] = "3.00"
    result = exchange.import_catalogue(json.dumps(doc).encode(), "json")
    assert (result.created, result.amended, result.unchanged) == (0, 1, 2)
    assert ProcedureVersion.objects.filter(number=2).count() == 1


def test_bad_rows_change_nothing_and_every_bad_row_is_reported(catalogue):
    rows = list(csv.DictReader(io.StringIO(exchange.export("csv").decode("utf-8-sig"))))
    rows[0]["local_duration"] = "20"  # longer than statutory
    rows[0]["name"] = "Tên đã đổi"
    rows[1]["level"] = "village"
    rows[1]["online_level"] = "7"
    rows[2]["agency"] = "000.00.99.H99"
    rows[2]["documents"] = "Tờ khai | một | 0 | 1 | "
    rows.append({**rows[0], "code": "NEW.1", "name": ""})
    rows.append({**rows[0], "code": rows[0]["code"]})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=exchange.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    before = exchange.snapshots()
    with pytest.raises(exchange.ImportFailed) as failed:
        exchange.import_catalogue(out.getvalue().encode(), "csv")
    errors = {(e.row, e.field) for e in failed.value.errors}
    assert (2, "local_duration") in errors
    assert {(3, "level"), (3, "online_level")} <= errors
    assert {(4, "agency"), (4, "documents[1]")} <= errors
    assert (5, "name") in errors
    assert (6, "code") in errors
    assert exchange.snapshots() == before
    assert not Procedure.objects.filter(code="NEW.1").exists()


def test_long_real_names_round_trip_and_too_long_values_are_row_errors(catalogue):
    # Real names run past 500 characters (land registration variants); the column holds 1,000.
    long_name = "Đăng ký biến động quyền sử dụng đất " + "trong trường hợp đặc biệt, " * 20
    make_procedure(name=long_name.strip(), agency=catalogue.code)
    data = exchange.export("json")
    exchange.import_catalogue(data, "json")
    assert exchange.export("json") == data
    document = json.loads(data)
    rows = document["procedures"]
    rows[0]["applicants"] = "Cá nhân, tổ chức " * 20  # the column holds 200 characters
    rows[1]["name"] = "Tên " * 300
    with pytest.raises(exchange.ImportFailed) as failed:
        exchange.import_catalogue(json.dumps(document).encode(), "json")
    errors = {(e.row, e.field): e.message for e in failed.value.errors}
    assert "200" in errors[(1, "applicants")]
    assert "1000" in errors[(2, "name")]
    assert exchange.export("json") == data


def test_missing_columns_and_unreadable_files_are_reported():
    with pytest.raises(exchange.ImportFailed) as failed:
        exchange.import_catalogue(b"code,name\nA,B\n", "csv")
    assert failed.value.errors[0].row == 1 and "sector_code" in failed.value.errors[0].message
    with pytest.raises(exchange.ImportFailed):
        exchange.import_catalogue(b"{not json", "json")
    with pytest.raises(exchange.ImportFailed):
        exchange.import_catalogue(b"PK\x03\x04 broken", "xlsx")


def test_import_command_reports_errors_and_exit_status(tmp_path, catalogue):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"procedures": [procedure_data(level="x")]}), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("catalogue", "import", str(path), stderr=err)
    assert "level" in err.getvalue()
    good = tmp_path / "good.xlsx"
    call_command("catalogue", "export", "--format", "xlsx", "-o", str(good))
    out = io.StringIO()
    call_command("catalogue", "import", str(good), stdout=out)
    assert "0 created, 0 amended, 3 unchanged" in out.getvalue()


def test_admin_export_and_import(admin_client, catalogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.get("/admin/catalog/procedure/export/", {"format": "csv"})
    assert response.status_code == 200
    assert "thu-tuc-" in response["Content-Disposition"]
    content = response.content.decode("utf-8-sig").replace("\nT.", "\nNT.", 1)
    upload = SimpleUploadedFile("catalogue.csv", content.encode())
    page = admin_client.post("/admin/catalog/procedure/import/", {"file": upload})
    assert page.status_code == 302
    assert Procedure.objects.count() == 4
    bad = SimpleUploadedFile("catalogue.csv", content.replace(",days,", ",weeks,").encode())
    page = admin_client.post("/admin/catalog/procedure/import/", {"file": bad})
    assert page.status_code == 200
    assert any(e.field == "duration_unit" for e in page.context["errors"])
    assert Procedure.objects.count() == 4
    wrong_type = SimpleUploadedFile("catalogue.exe", b"MZ")
    page = admin_client.post("/admin/catalog/procedure/import/", {"file": wrong_type})
    assert page.context["form"].errors["file"]


def test_import_needs_change_permission(client, catalogue, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/catalog/procedure/import/").status_code == 403
