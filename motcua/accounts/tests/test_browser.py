"""The citizen's journey in a real browser (Playwright driving Debian's Chromium), at a
phone's width (360 px): sign in through the development identity provider from the
sign-in page, find the dossier, answer the supplement request with a file, ask to stop
another dossier, sign out. No page scrolls sideways; the sign-in button works from the
keyboard; the Content-Security-Policy refuses nothing."""

import os

import pytest

from motcua.accounts.models import Account
from motcua.accounts.tests.factories import awaiting_supplement, dossier_of
from motcua.accounts.tests.oidc_helpers import use_provider
from motcua.core.models import AuditEvent
from motcua.core.tests.browser import fits
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.factories import PDF, make_province
from motcua.dossiers.workflow import Action, Status

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)
NGOC = "035192004567"


def test_a_citizen_signs_in_supplements_and_asks_to_stop(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    idp = use_provider(settings, live_server.url)
    province = make_province()
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)

    # My dossiers needs signing in: the sign-in page, then the provider.
    page.goto(f"{idp.base}/my/dossiers/")
    assert page.url == f"{idp.base}/sign-in/?next=%2Fmy%2Fdossiers%2F"
    fits(page)
    button = page.get_by_role("link", name="Đăng nhập bằng VNeID / tài khoản định danh")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dev/idp/sign-in/**")
    fits(page)
    page.click(f"button[data-login='{NGOC}']")
    page.wait_for_url(f"{idp.base}/my/dossiers/")
    fits(page)
    nav = page.locator("nav.main-nav")
    assert "Trần Thị Bích Ngọc" in nav.inner_text() and "Hồ sơ của tôi" in nav.inner_text()
    account = Account.objects.get()
    assert account.id_number == NGOC and account.identity_verified

    # Her dossiers: one sent back for a supplement, one received.
    asked = awaiting_supplement(province, account, items="Bổ sung bản sao giấy khai sinh")
    received = dossier_of(province, account)
    page.reload()
    assert page.locator(".portal-dossiers li").count() == 2
    fits(page)
    page.click(f"a[href='/my/dossiers/{asked.code}/']")
    assert "Bổ sung bản sao giấy khai sinh" in page.locator(".portal-items").inner_text()
    fits(page)
    scan = tmp_path / "khai-sinh.pdf"
    scan.write_bytes(PDF)
    document = province.procedure.documents.first()
    page.set_input_files(f"#file-{document.pk}", str(scan))
    page.fill("#id_note", "Gửi bổ sung bản sao giấy khai sinh.")
    page.click("button:has-text('Gửi hồ sơ bổ sung')")
    page.wait_for_url(f"{idp.base}/my/dossiers/{asked.code}/")
    assert "Hồ sơ bổ sung đã được gửi" in page.locator(".messages").inner_text()
    assert page.locator(".portal-supplement").count() == 0
    asked.refresh_from_db()
    assert asked.status == Status.PROCESSING
    assert asked.events.get(action=Action.SUPPLEMENT).actor == account.user
    assert asked.documents.exclude(file="").count() == 1

    # Ask to stop the other one: the desk will issue the stop notice.
    page.goto(f"{idp.base}/my/dossiers/{received.code}/")
    page.click("details.portal-stop summary")
    page.fill("#id_reason", "Tôi không còn nhu cầu.")
    page.check("#id_confirm")
    page.click("button:has-text('Gửi đề nghị dừng giải quyết')")
    page.wait_for_url(f"{idp.base}/my/dossiers/{received.code}/")
    assert "Bộ phận một cửa sẽ ban hành thông báo dừng" in page.content()
    fits(page)
    event = AuditEvent.objects.get(action="dossier.stop_requested")
    assert event.actor == account.user and event.data["reason"] == "Tôi không còn nhu cầu."
    assert Dossier.objects.get(pk=received.pk).status == Status.RECEIVED

    # Sign out from the menu.
    page.click("nav.main-nav button:has-text('Đăng xuất')")
    page.wait_for_url(f"{idp.base}/")
    page.goto(f"{idp.base}/my/dossiers/")
    assert "/sign-in/" in page.url
    assert refused == []
    context.close()
