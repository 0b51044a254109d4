"""The dashboard in a real browser (Playwright driving Debian's Chromium): a supervisor
sees the five charts with their tables, changes the period and the agency, follows a
number to the dossiers behind it, and prints the page."""

import io
import os
import re

import openpyxl
import pytest

from motcua.org.constants import Role
from motcua.stats.tests.factories import build_scenario

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "browser-test-password-1"

pytestmark = pytest.mark.django_db(transaction=True)


def rows(page, table_id):
    return page.locator(f"#{table_id} tbody tr").evaluate_all(
        "trs => trs.map(tr => Array.from(tr.cells, c => c.innerText.trim()))"
    )


def test_a_supervisor_reads_filters_and_drills_down(browser, live_server):
    scenario = build_scenario()
    user = scenario.province.officer("center", Role.SUPERVISOR)
    user.set_password(PASSWORD)
    user.save()
    base = live_server.url
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    errors = []
    # The CSP refuses inline styles and scripts: the charts must need neither.
    page.on("console", lambda m: errors.append(m.text) if "Refused" in m.text else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{base}/reports/dashboard/?from=2025-02-01&to=2025-03-31")
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 5
    for i in range(5):
        assert charts.nth(i).is_visible()
        assert charts.nth(i).bounding_box()["height"] > 40
    assert rows(page, "table-received") == [
        ["02/2025", "1", "6", "1", "7", "8"],
        ["03/2025", "1", "3", "0", "3", "4"],
    ]
    assert rows(page, "table-on-time") == [["Sở Tư pháp", "4", "3", "75,00 %"]]
    # The stacked columns carry the same totals as the table.
    totals = page.locator("#chart-received text.value").all_text_contents()
    assert totals == ["8", "4"]

    # A shorter period: the numbers follow.
    page.fill("#id_start", "2025-03-01")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*start=2025-03-01.*"))
    assert rows(page, "table-received") == [["03/2025", "1", "3", "0", "3", "4"]]
    assert rows(page, "table-on-time") == [["Sở Tư pháp", "1", "1", "100,00 %"]]
    assert page.locator("#chart-received text.value").all_text_contents() == ["4"]

    # One agency: Sở Y tế received one dossier by post in February.
    page.fill("#id_start", "2025-02-01")
    page.fill("#id_agency", scenario.province.health.code)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*agency=.*"))
    assert rows(page, "table-received") == [
        ["02/2025", "0", "0", "1", "1", "1"],
        ["03/2025", "0", "0", "0", "0", "0"],
    ]
    assert [r[0] for r in rows(page, "table-overdue")] == ["Sở Y tế"]

    # Back to the province; follow the overdue number of Sở Tư pháp to its dossiers.
    page.fill("#id_agency", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    justice = page.locator("#table-overdue tbody tr", has_text="Sở Tư pháp")
    number = int(justice.locator("a").inner_text())
    justice.locator("a").click()
    page.wait_for_url(re.compile(r".*/reports/dossiers/list/\?.*metric=overdue.*"))
    listed = set(re.findall(r"000\.00\.01\.H40-\d{6}-\d{4}", page.content()))
    assert listed == {scenario.dossiers[n].code for n in ("d5", "d8", "d9")}
    assert number == len(listed)
    # The list downloads as a workbook holding the same dossiers.
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    cells = {str(c.value) for row in workbook.active.iter_rows() for c in row if c.value}
    assert listed <= cells

    # Printed: the filters and the header go, the charts and the tables stay.
    page.go_back()
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert page.locator("svg.chart[role=img]").nth(0).is_visible()
    assert page.locator("#table-received").is_visible()
    assert errors == []
    context.close()
