"""The journey in a real browser (Playwright driving Debian's Chromium): the leader signs the
result on the dossier page, the page shows the signed electronic result, the leader
downloads it, and the public verification page, at a phone's width too, confirms it."""

import os
import re

import pytest

from motcua.org.constants import Role
from motcua.results.tests.conftest import at_leader

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "browser-test-password-1"

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_leader_signs_downloads_and_the_public_page_confirms(
    browser, live_server, province, certs, tmp_path
):
    leader = province.officer("justice", Role.LEADER)
    leader.set_password(PASSWORD)
    leader.save()
    dossier = at_leader(province)
    base = live_server.url
    context = browser.new_context(accept_downloads=True)
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", leader.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{base}/office/dossiers/{dossier.code}/")
    primary = page.locator("form.action.primary")
    primary.locator("textarea[name=result]").fill("Phiếu lý lịch tư pháp số 125/2025")
    primary.locator("button[type=submit]").click()
    page.wait_for_load_state()
    panel = page.locator("section.result-document")
    assert "Signed" in panel.inner_text()
    assert "01/KQ-STP" in panel.inner_text() and "Sở Tư pháp" in panel.inner_text()

    with page.expect_download() as download:
        panel.get_by_role("link", name="Download the signed PDF").click()
    pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf)
    assert pdf.name == f"ket-qua-{dossier.code}.pdf" and pdf.read_bytes().startswith(b"%PDF-")

    # Anyone holding the file: the public page, signed out, on a phone.
    public = browser.new_context(viewport={"width": 390, "height": 844})
    public.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    phone = public.new_page()
    phone.goto(f"{base}/verify/")
    phone.set_input_files("input[name=document]", str(pdf))
    phone.get_by_role("button", name="Check").click()
    phone.wait_for_load_state()
    text = phone.locator("main").inner_text()
    assert "The signature is valid" in text
    assert "exactly the file the portal issued" in text and dossier.code in text
    assert re.search(r"Signed at\s+\d\d:\d\d:\d\d \d\d/\d\d/\d{4}", text)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling at 390 px"

    # The QR link of the same result, from the panel.
    page.goto(base + panel.get_by_role("link", name="Verify", exact=True).get_attribute("href"))
    assert "The signature is valid" in page.locator("main").inner_text()
    assert refused == []
    public.close()
    context.close()
