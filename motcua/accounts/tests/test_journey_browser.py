"""The citizen portal's whole journey in a real browser (Playwright driving Debian's
Chromium), on a desktop and on a 390 px phone:

a citizen signs in through the development identity provider, applies online for a level-4
procedure with two papers (one uploaded, one reused from her personal data store: the scan of
her identity paper from a dossier she filed at the counter last year), pays the
fee through the development gateway; the desk accepts the dossier; the specialist asks for a
supplement and she answers it online; the leader signs the result; she downloads the signed
PDF from My dossiers and the public verification page confirms its signature.

Each side works only through the pages: the officers through the back office, the citizen
through the portal; the test reads the database only to check what the pages said."""

import os
from datetime import date

import pytest

from motcua.accounts.models import Account
from motcua.accounts.tests.oidc_helpers import use_provider
from motcua.catalog import services as catalog_services
from motcua.core.tests.browser import fits
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.tests.factories import PDF, make_province
from motcua.dossiers.tests.test_browser import Officer
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role
from motcua.payments.models import Payment
from motcua.payments.models import Status as PaymentStatus
from motcua.payments.tests.conftest import gateway  # noqa: F401 - fixture
from motcua.results.models import ResultDocument
from motcua.results.models import Status as ResultStatus
from motcua.results.tests.conftest import certs, demo_authority  # noqa: F401 - fixtures
from motcua.store.models import StoreItem
from motcua.store.tests.factories import person, received_at_desk

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)
NGOC = "035192004567"  # a demo identity of the development provider
FEE = 200_000  # Lệ phí cấp Phiếu lý lịch tư pháp (Thông tư 244/2016/TT-BTC)


def level_4(procedure):
    """The province's procedure offered fully online, with its legal fee."""
    return catalog_services.amend_procedure(
        procedure,
        {
            **catalog_services.snapshot(procedure),
            "online_level": 4,
            "online_scope": "full",
            "fees": [{"name": "Lệ phí", "amount": FEE, "note": "Thông tư 244/2016/TT-BTC"}],
        },
        effective_on=date(2025, 1, 1),
    )


def pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.mark.parametrize("width", [1280, 390])
def test_a_citizen_applies_pays_supplements_and_verifies_her_signed_result(
    browser,
    live_server,
    settings,
    certs,  # noqa: F811
    gateway,  # noqa: F811
    width,
    tmp_path,
):
    base = live_server.url
    use_provider(settings, base)
    province = make_province()
    procedure = level_4(province.procedure)
    declaration, identity = procedure.documents.order_by("position")[:2]
    officer = province.officer
    # Last year at the counter, under her ID number: her papers were scanned into her store.
    earlier = received_at_desk(province, person(NGOC, "Trần Thị Bích Ngọc"))
    stored = StoreItem.objects.get(dossier=earlier, required_document=identity)
    context = browser.new_context(
        locale="vi-VN", viewport={"width": width, "height": 860}, accept_downloads=True
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)

    # The procedure's page offers the online application; applying needs signing in.
    page.goto(f"{base}{procedure.get_absolute_url()}")
    page.click("#apply-online")
    page.wait_for_url("**/sign-in/**")
    fits(page, width)
    page.get_by_role("link", name="Đăng nhập bằng VNeID / tài khoản định danh").click()
    page.wait_for_url("**/dev/idp/sign-in/**")
    page.click(f"button[data-login='{NGOC}']")
    page.wait_for_url(f"**/procedures/{procedure.code}/apply/")
    fits(page, width)
    account = Account.objects.get()
    assert account.identity_verified and account.id_number == NGOC

    # The form is filled from her account; she says what she asks, attaches the
    # declaration, chooses the electronic result and submits.
    assert page.locator("#id_applicant_name").input_value() == account.full_name
    page.fill("#id_request", "Cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc.")
    page.set_input_files(f"#id_file-{declaration.pk}", files=[pdf("to-khai.pdf")])
    # The identity paper: not uploaded again, taken from her store.
    offer = page.locator(f"#reuse-{identity.pk}")
    assert earlier.code in offer.inner_text()
    offer.locator(f"input[name='_reuse-{identity.pk}'][value='{stored.pk}']").check()
    page.check("input[name=_delivery][value=electronic]")
    page.check("#id_declaration")
    page.click("button.primary")
    page.wait_for_url("**/apply/sent/**")
    fits(page, width)
    dossier = Dossier.objects.exclude(pk=earlier.pk).get()
    assert page.locator("#dossier-code").inner_text() == dossier.code
    assert dossier.channel == Channel.ONLINE and dossier.status == Status.SUBMITTED
    assert dossier.applicant.user == account.user
    reused = dossier.documents.get(required_document=identity)
    assert reused.reused_from == stored and reused.file  # her own copy, flagged reused

    # She pays the fee from My dossiers, through the development gateway.
    page.goto(f"{base}/my/dossiers/{dossier.code}/")
    fits(page, width)
    page.goto(f"{base}/payments/{dossier.code}/")
    assert page.locator("#amount-due").inner_text() == "200.000"
    page.locator("form.pay-choice button").first.click()
    page.wait_for_url("**/dev/payment-gateway/pay/**")
    fits(page, width)
    page.locator("button[value=success]").click()
    page.wait_for_url(f"**/payments/{dossier.code}/result/**")
    assert page.locator(".pay-status").inner_text() == "Đã thanh toán"
    fits(page, width)
    assert Payment.objects.get(dossier=dossier).status == PaymentStatus.PAID

    # The desk accepts the online dossier and sends it to the specialist, who asks for a
    # supplement.
    desk = Officer(browser, live_server, officer("justice", Role.DESK_OFFICER))
    desk.act(dossier.code, Action.RECEIVE)
    desk.act(dossier.code, Action.FORWARD, to_user=officer("justice", Role.SPECIALIST))
    specialist = Officer(browser, live_server, officer("justice", Role.SPECIALIST))
    specialist.act(
        dossier.code, Action.REQUEST_SUPPLEMENT, comment="Bổ sung bản sao giấy khai sinh"
    )

    # She answers it online: same dossier code, history kept.
    page.goto(f"{base}/my/dossiers/{dossier.code}/")
    assert "Bổ sung bản sao giấy khai sinh" in page.locator(".portal-items").inner_text()
    fits(page, width)
    page.set_input_files(f"#file-{identity.pk}", files=[pdf("khai-sinh.pdf")])
    page.fill("#id_note", "Gửi bổ sung bản sao giấy khai sinh.")
    page.click("button:has-text('Gửi hồ sơ bổ sung')")
    page.wait_for_url(f"{base}/my/dossiers/{dossier.code}/")
    assert "Hồ sơ bổ sung đã được gửi" in page.locator(".messages").inner_text()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING

    # The specialist sends it on; the leader signs the result.
    specialist.act(dossier.code, Action.FORWARD, to_user=officer("justice", Role.LEADER))
    leader = Officer(browser, live_server, officer("justice", Role.LEADER))
    leader.act(dossier.code, Action.COMPLETE, result="Phiếu lý lịch tư pháp số 125/2026")
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.status == ResultStatus.SIGNED

    # She downloads the signed result from My dossiers ...
    page.goto(f"{base}/my/dossiers/{dossier.code}/")
    fits(page, width)
    with page.expect_download() as download:
        page.locator(f"a[href='/results/{dossier.code}/download/']").first.click()
    signed = tmp_path / download.value.suggested_filename
    download.value.save_as(signed)
    assert signed.read_bytes().startswith(b"%PDF-")

    # ... and the public verification page confirms who signed it.
    page.goto(f"{base}/verify/")
    page.set_input_files("input[name=document]", str(signed))
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert dossier.code in text and "Sở Tư pháp" in text
    assert page.locator("main h2 .pill.in-time").inner_text() == "Hợp lệ", text
    fits(page, width)

    history = [e.action for e in dossier.events.order_by("at", "pk")]
    assert history[:1] == [Action.SUBMIT] and Action.SUPPLEMENT in history
    assert refused == []
    for session in (desk, specialist, leader):
        session.close()
    context.close()
