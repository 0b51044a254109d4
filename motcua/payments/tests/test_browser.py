"""A citizen pays a dossier's fees through the development gateway in a real browser
(Playwright driving Debian's Chromium), on a phone-sized screen, and sees it paid."""

import os

import pytest

from motcua.payments.models import Payment, Status
from motcua.payments.tests.factories import dossier_for, make_citizen, session_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_pays_through_the_gateway_and_sees_it_paid(
    browser, live_server, gateway, province
):
    citizen = make_citizen()
    dossier = dossier_for(province, citizen)
    host = live_server.url.split("//")[1].split(":")[0]
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 780})
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(citizen), "domain": host, "path": "/"}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)

    page.goto(f"{live_server.url}/payments/{dossier.code}/")
    assert page.locator("#amount-due").inner_text() == "8.000"
    assert no_sideways_scroll(page)
    page.locator("form.pay-choice button").first.click()
    page.wait_for_url("**/dev/payment-gateway/pay/**")
    assert "8.000 VND" in page.locator(".amount").inner_text()
    assert no_sideways_scroll(page)
    page.locator("button[value=success]").click()
    page.wait_for_url(f"**/payments/{dossier.code}/result/**")
    assert page.locator(".pay-status").inner_text() == "Đã thanh toán"
    assert no_sideways_scroll(page)

    payment = Payment.objects.get()
    assert payment.status == Status.PAID
    # The receipt link is there; the fees page says paid too.
    assert page.locator(f"a[href='/payments/receipts/{payment.reference}/']").count() == 1
    page.goto(f"{live_server.url}/payments/{dossier.code}/")
    assert page.locator(".pay-status").inner_text() == "Đã thanh toán"
    assert refused == []
    context.close()
