"""The page /reports/dossiers/, its drill-down lists, the exports, the command, who sees
what, and hostile filters."""

import io
import json
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command

from motcua.org.constants import Role
from motcua.stats.tests.factories import FEB, MAR, MEMBERS, build_scenario, leaves

pytestmark = pytest.mark.django_db
URL = "/reports/dossiers/"
LIST = "/reports/dossiers/list/"


@pytest.fixture(scope="module")
def scenario(module_db):
    return build_scenario()


def period_query(period):
    return {"from": period[0].isoformat(), "to": period[1].isoformat()}


@pytest.fixture
def supervisor(client, scenario):
    client.force_login(scenario.province.officer("center", Role.SUPERVISOR))
    return client


def test_the_page_needs_a_login(client, scenario):
    response = client.get(URL, period_query(FEB))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(LIST, {**period_query(FEB), "metric": "online"}).status_code == 302


def test_the_page_shows_the_form_with_merged_headers_and_linked_numbers(supervisor, scenario):
    response = supervisor.get(URL, period_query(FEB))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'colspan="3"' in html and 'colspan="4"' in html and 'rowspan="2"' in html
    assert "Sở Tư pháp" in html and "Sở Y tế" in html
    links = re.findall(r'href="(/reports/dossiers/list/\?[^"]+)"', html)
    justice = scenario.province.justice.code
    target = next(
        link.replace("&amp;", "&")
        for link in links
        if f"agency={justice}" in link and "metric=counter_post" in link
    )
    listed = supervisor.get(target)
    assert listed.status_code == 200
    codes = set(re.findall(r"000\.00\.01\.H40-\d{6}-\d{4}", listed.content.decode()))
    assert codes == {scenario.dossiers[n].code for n in MEMBERS[FEB]["counter_post"]}


def test_every_link_of_the_page_lists_as_many_dossiers_as_its_number(supervisor):
    html = supervisor.get(URL, period_query(MAR)).content.decode()
    cells = re.findall(r'<a href="(/reports/dossiers/list/\?[^"]+)">([\d.]+)</a>', html)
    assert len(cells) > 20
    for link, number in cells:
        listed = supervisor.get(link.replace("&amp;", "&")).content.decode()
        found = re.search(r"(\d+) (?:hồ sơ|dossiers?)", listed)
        assert found and int(found.group(1)) == int(number.replace(".", "")), link


def test_filters_by_tier_sector_and_agency(supervisor, scenario):
    health = scenario.province.health.code
    data = supervisor.get(URL, {**period_query(FEB), "agency": health, "format": "json"}).json()
    assert [r["agency"] for r in data["rows"]] == [health]
    by_sector = supervisor.get(
        URL, {**period_query(FEB), "sector": "DUOC", "format": "json"}
    ).json()
    assert by_sector["total"]["received"]["total"] == 1
    communes = supervisor.get(URL, {**period_query(FEB), "tier": "commune", "format": "json"})
    assert communes.json()["rows"] == []


def test_an_officer_sees_only_their_agency(client, scenario):
    p = scenario.province
    client.force_login(p.officer("health", Role.SPECIALIST))
    data = client.get(URL, {**period_query(FEB), "format": "json"}).json()
    assert [r["agency"] for r in data["rows"]] == [p.health.code]
    assert data["total"]["received"]["total"] == 1
    # Asking for another agency's dossiers lists none of them.
    listed = client.get(LIST, {**period_query(FEB), "metric": "received", "agency": p.justice.code})
    assert listed.status_code == 200
    assert p.justice.code + "-" not in listed.content.decode()
    asked = client.get(URL, {**period_query(FEB), "agency": p.justice.code, "format": "json"})
    assert asked.json()["rows"] == []


def test_the_list_exports_xlsx(supervisor, scenario):
    from openpyxl import load_workbook

    response = supervisor.get(LIST, {**period_query(FEB), "metric": "resolved", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    names = MEMBERS[FEB]["early"] | MEMBERS[FEB]["on_time"] | MEMBERS[FEB]["late"]
    assert codes == {scenario.dossiers[n].code for n in names}


def test_the_xlsx_has_the_forms_merged_headers_and_is_byte_stable(supervisor):
    from openpyxl import load_workbook

    first = supervisor.get(URL, {**period_query(FEB), "format": "xlsx"}).content
    assert supervisor.get(URL, {**period_query(FEB), "format": "xlsx"}).content == first
    sheet = load_workbook(io.BytesIO(first)).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "D5:F5" in merged and "G5:J5" in merged and "K5:M5" in merged
    headers = [c.value for c in sheet[6]]
    for label in (
        "Trực tuyến",
        "Trực tiếp, dịch vụ bưu chính",
        "Từ kỳ trước chuyển qua",
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "Trong hạn",
    ):
        assert label in headers
    assert sheet["D5"].value == "Số hồ sơ nhận giải quyết"
    assert sheet["G5"].value == "Số hồ sơ đã giải quyết"
    assert sheet["K5"].value == "Số hồ sơ đang giải quyết"
    total = [c.value for c in sheet[8]]
    assert total[1] == "Tổng cộng" and total[2] == 8  # 7 at justice, 1 at health
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_the_pdf_is_a4_landscape(supervisor):
    response = supervisor.get(URL, {**period_query(FEB), "format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from motcua.dossiers.printing import render_document
    from motcua.stats import export, queries

    report = queries.build(queries.Period(*FEB), queries.Scope())
    document = render_document("stats/print_06a.html", export.print_context(report))
    page = document.pages[0]
    assert page.width > page.height  # landscape
    assert round(page.width * 25.4 / 96) == 297


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2025-02-01\x00", "to": "2025-02-28"},
        {"from": "0001-01-01", "to": "2025-02-28"},
        {"from": "2025-02-01", "to": "9999-12-31"},
        {"from": "2025-03-01", "to": "2025-02-01"},
        {"from": "99999999999999999999", "to": "2025-02-28"},
        {"from": "2025-02-01", "to": "2025-02-28", "agency": "NO-SUCH"},
        {"from": "2025-02-01", "to": "2025-02-28", "agency": "x" * 10_000},
        {"from": "2025-02-01", "to": "2025-02-28", "sector": "NO-SUCH"},
        {"from": "2025-02-01", "to": "2025-02-28", "tier": "galaxy"},
        {"from": "2001-01-01", "to": "2025-02-28"},
    ],
)
def test_hostile_filters_are_a_clear_400(supervisor, params):
    for url, extra in ((URL, {}), (LIST, {"metric": "online"})):
        response = supervisor.get(url, {**params, **extra})
        assert response.status_code == 400, (url, params)


@pytest.mark.parametrize(
    "extra",
    [
        {"metric": "everything"},
        {"metric": ""},
        {"metric": "online", "page": "10" * 20},
        {"metric": "online", "unit": "NO-SUCH"},
        {"metric": "online", "group": "\x00"},
    ],
)
def test_hostile_drill_down_parameters_are_a_clear_400(supervisor, extra):
    response = supervisor.get(LIST, {**period_query(FEB), **extra})
    assert response.status_code == 400


# --- The command -----------------------------------------------------------------------------


def command(*args) -> str:
    out = io.StringIO()
    call_command("report", "dossiers", *args, stdout=out)
    return out.getvalue()


def test_the_command_json_is_the_reports_shape(scenario):
    data = json.loads(command("--from", "2025-02-01", "--to", "2025-02-28", "--format", "json"))
    assert data["period"] == {"from": "2025-02-01", "to": "2025-02-28"}
    justice = next(r for r in data["rows"] if r["agency"] == scenario.province.justice.code)
    assert set(justice) == {
        "agency",
        "name",
        "tier",
        "received",
        "resolved",
        "in_progress",
        "other",
        "on_time_rate",
    }
    assert justice["on_time_rate"] == 0.6667
    assert data["total"]["received"]["total"] == 8
    march = json.loads(command("--from", "2025-03-01", "--to", "2025-03-31", "--format", "json"))
    assert march["total"]["received"]["carried_over"] == data["total"]["in_progress"]["total"]
    only = json.loads(
        command(
            "--from",
            "2025-02-01",
            "--to",
            "2025-02-28",
            "--format",
            "json",
            "--agency",
            scenario.province.health.code,
        )
    )
    assert [r["agency"] for r in only["rows"]] == [scenario.province.health.code]
    assert leaves(only["total"])["counter_post"] == 1


def test_the_command_text(scenario):
    text = command("--from", "2025-02-01", "--to", "2025-02-28")
    assert "BIỂU SỐ 06a/VPCP/KSTT" in text and "Sở Tư pháp" in text and "66,67 %" in text


def test_the_command_xlsx_and_pdf_to_a_file(scenario, tmp_path):
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        target = tmp_path / f"06a.{fmt}"
        command(
            "--from", "2025-02-01", "--to", "2025-02-28", "--format", fmt, "--output", str(target)
        )
        assert target.read_bytes().startswith(magic)
    with pytest.raises(CommandError):  # binary to a text stream: ask for a file
        command("--from", "2025-02-01", "--to", "2025-02-28", "--format", "xlsx")


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2025-03-01", "--to", "2025-02-01"),
        ("--agency", "NO-SUCH"),
        ("--from", "9999-01-01"),
        ("--from", "2025-02-30"),
    ],
)
def test_the_command_refuses_bad_options(scenario, args):
    with pytest.raises(CommandError):
        command(*args)


# --- Biểu 07b --------------------------------------------------------------------------------


def test_the_procedure_counts_per_unit(supervisor, scenario):
    data = supervisor.get("/reports/procedures/", {"to": "2025-02-28", "format": "json"}).json()
    rows = {r["agency"]: r for r in data["rows"]}
    justice = rows[scenario.province.justice.code]
    assert justice == {**justice, "total": 1, "one_stop": 1, "inter_agency": 0, "with_process": 1}
    health = rows[scenario.province.health.code]
    assert health["total"] == 1 and health["with_process"] == 0
    assert data["total"]["total"] == 2
    assert supervisor.get("/reports/procedures/").status_code == 200
    assert supervisor.get("/reports/procedures/", {"to": "9999-01-01"}).status_code == 400
