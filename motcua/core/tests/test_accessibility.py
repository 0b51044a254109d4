"""Every citizen-facing page in a real browser (Playwright driving Debian's Chromium), at a
phone's width (360 px) and a desktop's (1280 px): axe-core (through axe-playwright-python)
finds no violation of impact serious or critical, and at 360 px nothing scrolls sideways.
From the keyboard, Tab reaches every field of the lookup form and of the online application
in order, then the submit button, and the focused control shows it (docs/accessibility.md)."""

import json
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client

from motcua.accounts.tests.factories import awaiting_supplement
from motcua.core.tests.browser import WIDER_THAN
from motcua.dossiers.tests.factories import PDF, make_province
from motcua.eforms import services as eforms_services
from motcua.eforms.tests.factories import HOUSEHOLD_SCHEMA, HOUSEHOLD_UI, make_citizen
from motcua.org.constants import Role
from motcua.org.models import User
from motcua.payments.tests.factories import dossier_for
from motcua.store.tests.factories import person, received_at_desk

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
SERIOUS = {"serious", "critical"}
WIDTHS = (360, 1280)


# The controls of a form a Tab can stop at, in document order; of a radio group only the
# first (Tab enters a group once, the arrows move inside it).
CONTROLS = """form => {
  const seen = new Set();
  return [...form.querySelectorAll('input, select, textarea, button, a[href]')]
    .filter(e => e.type !== 'hidden' && !e.disabled && e.tabIndex >= 0
                 && e.getClientRects().length > 0)
    .filter(e => {
      if (e.type !== 'radio') return true;
      if (seen.has(e.name)) return false;
      seen.add(e.name);
      return true;
    })
    .map(e => e.id || e.name || e.textContent.trim());
}"""

# The focused element: its name, whether the browser marks it :focus-visible, and whether
# that shows (an outline, or a box-shadow).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    key: e.id || e.name || e.textContent.trim(),
    form: e.form ? e.form.id || e.form.action : null,
    visible: e.matches(':focus-visible'),
    shown: outline || style.boxShadow !== 'none',
  };
}"""

# Fields marked aria-invalid whose aria-describedby does not name an element on the page.
UNTIED = """() => [...document.querySelectorAll('[aria-invalid=true]')]
    .filter(e => !(e.getAttribute('aria-describedby') || '').split(/\\s+/)
                   .some(id => id && document.getElementById(id)))
    .map(e => e.id || e.name)"""

# A field's error list that no field names in its aria-describedby (a screen reader on the
# field would not hear it).
ORPHANS = """() => {
  const named = new Set([...document.querySelectorAll('[aria-describedby]')]
    .flatMap(e => e.getAttribute('aria-describedby').split(/\\s+/)));
  return [...document.querySelectorAll('form .errorlist:not(.nonfield)')]
    .filter(e => !named.has(e.id) && !(e.closest('[id]') && named.has(e.closest('[id]').id)))
    .map(e => e.id || e.textContent.trim().slice(0, 60));
}"""


def problems(page, width: int) -> list[str]:
    """What is wrong with the page open at this width: serious or critical axe violations
    (rule, impact, the offending elements' selectors) and sideways scrolling."""
    found = []
    results = AXE.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            found.append(
                f"{page.url} @{width}px: {violation['id']} ({violation['impact']}): "
                f"{violation['help']} -> {targets[:8]}"
            )
    # A field marked invalid says why: its error message is tied to it.
    untied = page.evaluate(UNTIED)
    if untied:
        found.append(f"{page.url} @{width}px: invalid fields without their error: {untied}")
    orphans = page.evaluate(ORPHANS)
    if orphans:
        found.append(f"{page.url} @{width}px: errors tied to no field: {orphans}")
    if width == 360:
        scroll = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        if scroll > inner:
            found.append(
                f"{page.url} @{width}px: scrolls sideways ({scroll} > {inner}): "
                f"{page.evaluate(WIDER_THAN, inner)[:8]}"
            )
    return found


def context_for(browser, live_server, width: int, user=None):
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 800})
    if user is not None:  # the identity provider's sign-in is the accounts app's, tested there
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


@pytest.fixture
def portal(live_server, settings, tmp_path):
    """A province with an online procedure (its e-form), a signed-in citizen, a dossier of
    theirs with a fee (8 000 VND) received at the desk, and one sent back for a supplement."""
    settings.MEDIA_ROOT = tmp_path / "media"
    province = make_province()
    procedure = province.procedure
    eforms_services.save_definition(
        procedure,
        json.dumps(HOUSEHOLD_SCHEMA),
        json.dumps(HOUSEHOLD_UI),
        None,
        check_permission=False,
    )
    citizen = make_citizen()
    dossier = dossier_for(province, citizen.user)
    asked = awaiting_supplement(province, citizen, items="Bổ sung bản sao giấy khai sinh")
    # Papers scanned at the desk under the citizen's ID number: their personal data store.
    stored = received_at_desk(province, person(citizen.id_number)).store_items.first()
    return {
        "procedure": procedure,
        "user": citizen.user,
        "dossier": dossier,
        "asked": asked,
        "stored": stored,
    }


def test_every_portal_page_passes_axe_and_fits_a_phone(browser, live_server, portal):
    procedure, dossier = portal["procedure"], portal["dossier"]
    public = {
        "/": 200,
        "/procedures/": 200,
        "/procedures/?q=h%E1%BB%99+kinh+doanh": 200,
        "/procedures/?q=kh%C3%B4ng-c%C3%B3-th%E1%BB%A7-t%E1%BB%A5c-n%C3%A0y": 200,
        procedure.get_absolute_url(): 200,
        "/lookup/": 200,
        "/sign-in/": 200,
        "/accounts/login/": 200,  # the officers' sign-in, linked from every page
        "/verify/": 200,
        f"/verify/{dossier.code}/not-a-token/": 404,  # a QR link copied wrong
        "/thong-ke/": 200,
        "/reports/catalogue/": 200,
    }
    own = [
        f"/procedures/{procedure.code}/apply/",
        "/my/dossiers/",
        f"/my/dossiers/{dossier.code}/",
        f"/my/dossiers/{portal['asked'].code}/",  # the supplement form
        f"/payments/{dossier.code}/",
        "/my/notifications/",  # the channels for messages
        "/my/store/",  # the personal data store, with a stored paper
        f"/my/store/{portal['stored'].pk}/delete/",  # its deletion's confirmation
        "/my/data/",  # the data subject's export and correction request
    ]
    found = []
    visited = 0
    for width in WIDTHS:
        context = context_for(browser, live_server, width)
        page = context.new_page()
        for path, status in public.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == status, (path, response.status)
            found += problems(page, width)
            visited += 1

        # The lookup: its answers to a wrong password, to an empty form, to the right one.
        page.goto(f"{live_server.url}/lookup/")
        page.fill("#id_code", dossier.code)
        page.fill("#id_secret", "SAIMATKHAU")
        page.click("form[action='/lookup/'] button[type=submit]")
        page.wait_for_selector("p.notice[role=alert]")
        found += problems(page, width)
        page.fill("#id_code", "")
        page.click("form[action='/lookup/'] button[type=submit]")
        page.wait_for_selector(".errorlist")
        found += problems(page, width)
        page.fill("#id_code", dossier.code)
        page.fill("#id_secret", dossier.secret)
        page.click("form[action='/lookup/'] button[type=submit]")
        page.wait_for_selector("ol.timeline")
        assert dossier.procedure.name in page.content()
        found += problems(page, width)
        # The result check, given a file that is not a PDF.
        page.goto(f"{live_server.url}/verify/")
        page.set_input_files(
            "#id_document",
            files=[{"name": "ket-qua.txt", "mimeType": "text/plain", "buffer": b"not a pdf"}],
        )
        page.click("form[action='/verify/'] button[type=submit]")
        page.wait_for_selector("#id_document_error")
        found += problems(page, width)
        visited += 4
        context.close()

        context = context_for(browser, live_server, width, portal["user"])
        page = context.new_page()
        for path in own:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (path, response.status)
            found += problems(page, width)
            visited += 1
        # The application sent back with what is missing, each error beside its field.
        page.goto(f"{live_server.url}/procedures/{procedure.code}/apply/")
        page.click("button.primary")
        page.wait_for_selector("#form-errors")
        found += problems(page, width)
        # Filled in and sent: the confirmation with the dossier's code and lookup password.
        page.fill("#id_business_name", "Hộ kinh doanh Hoa Mai")
        page.fill("#id_capital", "150.000.000")
        page.check("input[name=sector][value=an_uong]")
        page.check("#id_declaration")
        for key in page.eval_on_selector_all(
            "input[type=file][aria-required=true]", "l => l.map(e => e.id)"
        ):
            page.set_input_files(
                f"#{key}",
                files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}],
            )
        page.click("button.primary")
        page.wait_for_url("**/apply/sent/**")
        found += problems(page, width)
        visited += 2
        context.close()

    assert visited == 2 * (len(public) + len(own) + 6)
    assert found == [], "\n".join(found)


def tab_through(page, form_selector: str) -> tuple[list[str], list[dict]]:
    """Tab from the top of the page until focus leaves the form after entering it: the form's
    controls as the page lists them, and where each Tab in the form landed."""
    expected = page.eval_on_selector(form_selector, CONTROLS)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    landed, entered = [], False
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        inside = page.eval_on_selector(
            form_selector, "form => form.contains(document.activeElement)"
        )
        if inside:
            entered = True
            # A date field takes a Tab per part (day, month, year): one stop, counted once.
            if not landed or landed[-1]["key"] != focused["key"]:
                landed.append(focused)
        elif entered:
            break
    return expected, landed


def assert_keyboard_reaches_all(page, form_selector: str, submit_key: str):
    expected, landed = tab_through(page, form_selector)
    assert submit_key in expected, expected
    assert [f["key"] for f in landed] == expected, (page.url, expected, landed)
    hidden = [f["key"] for f in landed if not (f["visible"] and f["shown"])]
    assert hidden == [], f"{page.url}: focus not visible on {hidden}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_lookup_and_the_application_work_from_the_keyboard(browser, live_server, portal, width):
    procedure = portal["procedure"]
    context = context_for(browser, live_server, width)
    page = context.new_page()
    # The first Tab offers to skip the header's menu, shown on the screen; taking it, the next
    # Tab is on the form's first field.
    page.goto(f"{live_server.url}/lookup/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate(FOCUSED)["key"] == skip.inner_text() != ""
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert page.evaluate(FOCUSED)["shown"]
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["key"] == "id_code"

    page.goto(f"{live_server.url}/lookup/")
    expected, _ = tab_through(page, "form[action='/lookup/']")
    assert expected[:2] == ["id_code", "id_secret"] and len(expected) == 3, expected
    page.goto(f"{live_server.url}/lookup/")
    assert_keyboard_reaches_all(page, "form[action='/lookup/']", expected[-1])
    context.close()

    context = context_for(browser, live_server, width, portal["user"])
    page = context.new_page()
    page.goto(f"{live_server.url}/procedures/{procedure.code}/apply/")
    form = "form:has(button.primary)"
    controls = page.eval_on_selector(form, CONTROLS)
    for field in ("id_owner_name", "id_business_name", "id_capital", "id_opened"):
        assert field in controls, controls
    submit = page.eval_on_selector("button.primary", "b => b.id || b.name || b.textContent.trim()")
    assert "id_declaration" in controls and submit in controls, controls
    assert_keyboard_reaches_all(page, form, submit)
    context.close()


def test_the_desks_pages_pass_axe(browser, live_server, portal):
    """The one-stop desk's own pages, on an office screen: the queue (with its filters), the
    receipt form, a dossier, the postal orders."""
    dossier = portal["dossier"]
    desk = dossier.received_desk
    officer = User.objects.get(posts__desk=desk, posts__role=Role.DESK_OFFICER)
    context = context_for(browser, live_server, 1280, officer)
    page = context.new_page()
    found = []
    for path in (
        "/office/",
        "/office/?status=received&sort=received&q=Nguy%E1%BB%85n",
        f"/office/receive/?procedure={portal['procedure'].code}",
        f"/office/dossiers/{dossier.code}/",
        "/office/postal/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        found += problems(page, 1280)
    context.close()
    assert found == [], "\n".join(found)
