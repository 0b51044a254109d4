"""Applying online in a real browser (Playwright driving Debian's Chromium), at a phone's
width: a signed-in citizen opens an online procedure, follows "apply online", finds their
details filled in, adds a household member's row (htmx, the chosen file stays chosen),
is told what is missing, attaches the declaration and submits; the confirmation gives the
dossier code. No page scrolls sideways; the Content-Security-Policy refuses nothing."""

import json
import os

import pytest
from django.test import Client

from motcua.core.tests.browser import fits
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.factories import PDF, make_province
from motcua.dossiers.workflow import Status
from motcua.eforms import services
from motcua.eforms.tests.factories import HOUSEHOLD_SCHEMA, HOUSEHOLD_UI, make_citizen

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(browser, live_server, user):
    """A browser context holding the user's session (the identity provider's sign-in is the
    accounts app's and tested there)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_a_citizen_fills_in_attaches_and_submits(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    province = make_province()
    procedure = province.procedure
    services.save_definition(
        procedure,
        json.dumps(HOUSEHOLD_SCHEMA),
        json.dumps(HOUSEHOLD_UI),
        None,
        check_permission=False,
    )
    declaration_doc = procedure.documents.order_by("position").first()
    citizen = make_citizen()
    context = signed_in(browser, live_server, citizen.user)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)

    page.goto(f"{live_server.url}{procedure.get_absolute_url()}")
    page.click("#apply-online")
    page.wait_for_url(f"**/procedures/{procedure.code}/apply/")
    fits(page)
    owner = page.locator("#id_owner_name")
    assert owner.input_value() == "Nguyễn Văn An" and owner.get_attribute("readonly") is not None

    page.fill("#id_business_name", "Hộ kinh doanh Hoa Mai")
    page.fill("#id_capital", "150.000.000")
    page.fill("#id_opened", "2025-03-01")
    page.check("input[name=sector][value=an_uong]")
    page.set_input_files(
        f"#id_file-{declaration_doc.pk}",
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    # A second member row through htmx: the page stays, the chosen file stays chosen.
    page.fill("#id_members-0-name", "Trần Thị Hoa")
    page.click("#add-members")
    page.wait_for_selector("#id_members-1-name")
    page.fill("#id_members-1-name", "Trần Văn Huệ")
    assert page.locator("#add-members").get_attribute("hx-get").endswith("index=2")
    assert page.eval_on_selector(f"#id_file-{declaration_doc.pk}", "e => e.files.length") == 1
    fits(page)

    # Forgot the declaration: told where, nothing made.
    page.click("button.primary")
    page.wait_for_selector("#form-errors")
    assert page.locator("#id_declaration").get_attribute("aria-invalid") == "true"
    assert page.locator("#err_declaration").is_visible()
    assert page.locator("#id_business_name").input_value() == "Hộ kinh doanh Hoa Mai"
    assert page.locator("#id_members-1-name").input_value() == "Trần Văn Huệ"
    assert not Dossier.objects.exists()
    fits(page)

    page.check("#id_declaration")
    page.set_input_files(
        f"#id_file-{declaration_doc.pk}",
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("button.primary")
    page.wait_for_url("**/apply/sent/**")
    fits(page)
    dossier = Dossier.objects.get()
    assert page.locator("#dossier-code").inner_text() == dossier.code
    assert dossier.secret in page.content()
    assert dossier.status == Status.SUBMITTED and dossier.documents.count() == 1
    assert dossier.eforms.get().data == {
        "owner_name": "Nguyễn Văn An",
        "business_name": "Hộ kinh doanh Hoa Mai",
        "capital": 150_000_000,
        "opened": "2025-03-01",
        "sector": "an_uong",
        "members": [{"name": "Trần Thị Hoa"}, {"name": "Trần Văn Huệ"}],
        "declaration": True,
    }
    assert refused == []
    context.close()
