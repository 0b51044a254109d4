"""In a real browser (Playwright driving Debian's Chromium) at a phone's width (390 px):
the citizen chooses to send the paper dossier by post from the online application form,
sees the postal fee before confirming and orders the pickup; a developer advances the
order on the development operator's console, whose events reach the portal over HTTP; the
desk officer sees the postal dossier in the work queue with its tracking number. Each page
passes axe (no serious or critical violation) and nothing scrolls sideways."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Channel
from motcua.org.constants import Role
from motcua.payments.tests.factories import session_for
from motcua.postal.models import DevPostOrder, PostalOrder

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)
AXE = Axe()
WIDTH = 390


def problems(page, within: str | None = None) -> list[str]:
    """Serious or critical axe violations (of the part `within`, on the officers' pages:
    what this app adds to them) and, on whole pages, sideways scrolling."""
    results = AXE.run(page, context=within) if within else AXE.run(page)
    found = [
        f"{page.url}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    if within is None and page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append(f"{page.url}: scrolls sideways at {WIDTH}px")
    return found


def context_for(browser, live_server, user):
    host = live_server.url.split("//")[1].split(":")[0]
    context = browser.new_context(locale="vi-VN", viewport={"width": WIDTH, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(user), "domain": host, "path": "/"}]
    )
    return context


def test_a_citizen_sends_by_post_and_the_desk_sees_the_tracking(
    browser, live_server, operator, province, citizen
):
    Procedure.objects.filter(pk=province.procedure.pk).update(channel_online=True)
    found = []
    citizen_context = context_for(browser, live_server, citizen)
    page = citizen_context.new_page()
    page.goto(f"{live_server.url}/procedures/{province.procedure.code}/apply/")
    page.locator("#postal-choice a").click()
    page.wait_for_url(f"**/procedures/{province.procedure.code}/post/")
    found += problems(page)
    page.fill("#id_sender_phone", "0912 345 678")
    page.select_option("#id_weight", "1000")
    page.locator("input[name=result_delivery][value=post]").check()
    page.fill("#id_result_address", "Số 3 Biên Hòa, Phủ Lý, Hà Nam")
    page.locator("button[name=quote]").click()
    assert "22.000" in page.locator("#postal-quote").inner_text()  # local, up to 1 kg
    found += problems(page)
    assert not PostalOrder.objects.exists()
    page.locator("button[name=confirm]").click()
    page.wait_for_url("**/postal/orders/BC*/")
    found += problems(page)
    order = PostalOrder.objects.get()
    assert (order.fee, order.sender_phone) == (22_000, "0912345678")

    console = citizen_context.new_page()  # the operator's console is not the portal's
    remote = DevPostOrder.objects.get(reference=order.reference)
    for step in ("accepted", "picked_up", "delivered"):
        console.goto(f"{live_server.url}/dev/post/")
        console.locator(f"form[action='/dev/post/orders/{remote.number}/{step}/'] button").click()
        console.wait_for_url("**/dev/post/")
    order.refresh_from_db()
    assert order.dossier is not None and order.dossier.channel == Channel.POST
    citizen_context.close()

    desk = context_for(browser, live_server, province.officer("justice", Role.DESK_OFFICER))
    page = desk.new_page()
    page.goto(f"{live_server.url}/office/")
    row = page.locator("tr", has=page.locator(f"a:text('{order.dossier.code}')"))
    assert row.locator(".pill.postal").count() == 1
    assert order.tracking_number in row.inner_text()
    # The queue's own filters and width are the dossiers app's (reported to the lead).
    found += problems(page, within="table.queue")
    page.goto(f"{live_server.url}/office/dossiers/{order.dossier.code}/")
    assert order.tracking_number in page.locator("#postal").inner_text()
    found += problems(page, within="#postal")
    desk.close()
    assert found == []
