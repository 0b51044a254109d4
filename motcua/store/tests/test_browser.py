"""Choosing a stored paper in the online application, in a real browser (Playwright driving
Debian's Chromium) at a phone's width (390 px): the citizen's "Giấy tờ tùy thân" scanned at
the desk in an earlier dossier is offered under that document; they choose it, attach the
declaration, submit; the new dossier's document is the stored paper, flagged reused. axe
finds no serious or critical violation on the page, with the choice and after an error; the
page does not scroll sideways; the Content-Security-Policy refuses nothing."""

import os

import pytest

from motcua.core.tests.browser import fits
from motcua.core.tests.test_accessibility import context_for, problems
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.factories import PDF, make_province
from motcua.eforms.tests.factories import make_citizen
from motcua.store.tests.factories import ID_AN, person, received_at_desk

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)
WIDTH = 390


def test_a_citizen_chooses_a_stored_paper_instead_of_a_file(
    browser, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    province = make_province()
    procedure = province.procedure
    declaration, id_paper = procedure.documents.order_by("position")
    earlier = received_at_desk(province, person(ID_AN))
    item = earlier.store_items.get(required_document=id_paper)
    citizen = make_citizen()
    context = context_for(browser, live_server, WIDTH, citizen.user)
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)

    page.goto(f"{live_server.url}/procedures/{procedure.code}/apply/")
    choice = page.locator(f"input[name='_reuse-{id_paper.pk}'][value='{item.pk}']")
    assert choice.is_visible()
    assert earlier.code in page.locator(f"#reuse-{id_paper.pk}").inner_text()
    assert problems(page, WIDTH) == []
    fits(page, WIDTH)

    # Chosen, but the form sent without the declaration: the choice is kept.
    choice.check()
    page.click("button.primary")
    page.wait_for_selector("#form-errors")
    assert page.locator(f"input[name='_reuse-{id_paper.pk}'][value='{item.pk}']").is_checked()
    assert problems(page, WIDTH) == []
    assert not Dossier.objects.filter(channel="online").exists()

    page.fill("#id_request", "Đề nghị cấp Phiếu lý lịch tư pháp số 1.")
    page.check("#id_declaration")
    page.set_input_files(
        f"#id_file-{declaration.pk}",
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.click("button.primary")
    page.wait_for_url("**/apply/sent/**")
    dossier = Dossier.objects.get(channel="online")
    reused = dossier.documents.get(required_document=id_paper)
    assert reused.reused_from == item
    assert dossier.documents.get(required_document=declaration).reused_from is None
    assert refused == []
    context.close()
