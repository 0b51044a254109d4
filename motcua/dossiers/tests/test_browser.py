"""User journeys in a real browser (Playwright driving Debian's Chromium).

1. A counter dossier: receipt at the desk, review, a supplement round, the leader's
   signature, return; an officer of another agency sees none of it.
2. An inter-agency dossier through three agencies, each seeing only its part.
3. Late: supplement → the time limit restarts → one apology with a new date → processing
   finished → result returned, each shown on the dossier page.
"""

import os

import pytest

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.factories import PDF, make_province
from motcua.dossiers.tests.test_chains import chain_setup  # noqa: F401 - fixture
from motcua.dossiers.workflow import Status
from motcua.org.constants import Role

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
# between browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "browser-test-password-1"
R = Role

pytestmark = pytest.mark.django_db(transaction=True)


class Officer:
    """One officer's browser session."""

    def __init__(self, browser, live_server, user):
        user.set_password(PASSWORD)
        user.save()
        self.base = live_server.url
        self.context = browser.new_context(locale="vi-VN")
        self.page = self.context.new_page()
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("#id_username", user.username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/office/")

    def queue_codes(self) -> list[str]:
        self.page.goto(f"{self.base}/office/")
        return self.page.locator("table.queue tbody td:first-child a").all_inner_texts()

    def open(self, code):
        self.page.goto(f"{self.base}/office/dossiers/{code}/")

    def act(self, code, action, comment="", to_user=None, result="", new_due_at=None):
        self.open(code)
        form = self.page.locator(f"form:has(button[name=do][value={action}])")
        folded = self.page.locator(f"details:has(button[name=do][value={action}])")
        if folded.count():  # secondary and destructive actions open on a click
            folded.locator("summary").click()
        if to_user is not None:
            form.locator("select[name=to_user]").select_option(str(to_user.pk))
        if comment:
            form.locator("textarea[name=comment]").fill(comment)
        if result:
            form.locator("textarea[name=result]").fill(result)
        if new_due_at is not None:
            form.locator("input[name=new_due_at]").fill(new_due_at.strftime("%Y-%m-%dT%H:%M"))
        if form.locator("input[name=confirm]").count():
            form.locator("input[name=confirm]").check()
        form.locator(f"button[name=do][value={action}]").click()
        self.page.wait_for_url(f"{self.base}/office/dossiers/{code}/")

    def actions(self, code) -> list[str]:
        self.open(code)
        return self.page.locator("aside.actions button[name=do]").evaluate_all(
            "buttons => buttons.map(b => b.value)"
        )

    def close(self):
        self.context.close()


def test_counter_dossier_journey(browser, live_server):
    province = make_province()
    o = province.officer
    desk = Officer(browser, live_server, o("justice", R.DESK_OFFICER))
    page = desk.page
    page.goto(f"{desk.base}/office/receive/?procedure={province.procedure.code}")
    for box in page.locator("input[type=checkbox][name^=doc-]").all():
        box.check()
    first = province.procedure.documents.first()
    page.set_input_files(
        f"input[name=file-{first.pk}]",
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.fill("#id_full_name", "Nguyễn Văn An")
    page.fill("#id_id_number", "035090001234")
    page.fill("#id_phone", "0912345678")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{desk.base}/office/dossiers/**")
    dossier = Dossier.objects.get()
    assert dossier.code in page.inner_text("h1 + .grid2")
    desk.act(dossier.code, "forward", to_user=o("justice", R.SPECIALIST))

    assert dossier.documents.get(required_document=first).content_type == "application/pdf"
    specialist = Officer(browser, live_server, o("justice", R.SPECIALIST))
    assert specialist.queue_codes() == [dossier.code]
    # The queue's search filters in place (htmx): no reload, the address keeps the filter.
    rows = specialist.page.locator("#queue-results table.queue tbody")
    specialist.page.fill("input[name=q]", "không có hồ sơ này")
    rows.get_by_text("Không có hồ sơ nào").wait_for()
    specialist.page.fill("input[name=q]", dossier.code[-11:])
    rows.get_by_role("link", name=dossier.code).wait_for()
    assert "q=" in specialist.page.url
    specialist.act(dossier.code, "request_supplement", comment="Bổ sung bản sao căn cước")
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT

    desk.act(dossier.code, "supplement")
    specialist.act(dossier.code, "forward", to_user=o("justice", R.LEADER), comment="Đủ điều kiện")
    leader = Officer(browser, live_server, o("justice", R.LEADER))
    # The leader's step is the last: one primary button signs the result.
    leader.open(dossier.code)
    assert leader.page.locator("form.primary button[name=do]").get_attribute("value") == (
        "complete"
    )
    leader.act(dossier.code, "complete", result="Phiếu lý lịch tư pháp số 01/2025")
    # The desk sees "return" at once, as its primary action.
    desk.open(dossier.code)
    assert desk.page.locator("form.primary button[name=do]").get_attribute("value") == (
        "return_result"
    )
    desk.act(dossier.code, "return_result")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.timeliness
    desk.open(dossier.code)
    history = desk.page.inner_text("ol.timeline")
    assert "Bổ sung bản sao căn cước" in history

    outsider = Officer(browser, live_server, o("health", R.LEADER))
    assert outsider.queue_codes() == []
    response = outsider.page.goto(f"{outsider.base}/office/dossiers/{dossier.code}/")
    assert response.status == 404
    for session in (desk, specialist, leader, outsider):
        session.close()


def test_inter_agency_dossier_through_three_agencies(browser, live_server, chain_setup):  # noqa: F811
    from motcua.dossiers import services
    from motcua.dossiers.models import Channel
    from motcua.dossiers.tests.factories import APPLICANT

    s = chain_setup
    officers = s["officers"]
    parent = services.receive(
        procedure=s["procedures"]["commune"],
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=officers[("commune", R.DESK_OFFICER)],
        desk=s["desk"],
        chain=s["chain"],
    )
    for position, key in enumerate(("commune", "police", "labour"), start=1):
        part = parent.parts.get(chain_position=position)
        others = [k for k in ("police", "labour") if k != key]
        specialist = Officer(browser, live_server, officers[(key, R.SPECIALIST)])
        assert part.code in specialist.queue_codes()
        for other in others:  # agencies later in the chain see nothing of this part
            outsider = Officer(browser, live_server, officers[(other, R.SPECIALIST)])
            assert part.code not in outsider.queue_codes()
            outsider.close()
        specialist.act(part.code, "forward", to_user=officers[(key, R.LEADER)])
        leader = Officer(browser, live_server, officers[(key, R.LEADER)])
        leader.act(part.code, "complete", result=f"Kết quả của {key}")
        part.refresh_from_db()
        assert part.status == Status.RETURNED
        specialist.close()
        leader.close()
    leader = Officer(browser, live_server, officers[("commune", R.LEADER)])
    leader.act(parent.code, "complete", result="Kết quả liên thông")
    desk = Officer(browser, live_server, officers[("commune", R.DESK_OFFICER)])
    desk.act(parent.code, "return_result")
    parent.refresh_from_db()
    assert parent.status == Status.RETURNED
    assert parent.parts.filter(status=Status.RETURNED).count() == 3
    leader.close()
    desk.close()


def test_late_dossier_supplement_restart_apology_finished_returned(browser, live_server):
    from datetime import timedelta

    from django.utils import timezone

    from motcua.dossiers import services
    from motcua.dossiers.tests.factories import receive_at_counter

    province = make_province()
    o = province.officer
    dossier = receive_at_counter(province)
    first_due = dossier.due_at
    desk = Officer(browser, live_server, o("justice", R.DESK_OFFICER))
    specialist = Officer(browser, live_server, o("justice", R.SPECIALIST))
    leader = Officer(browser, live_server, o("justice", R.LEADER))
    desk.act(dossier.code, "forward", to_user=o("justice", R.SPECIALIST))
    specialist.act(dossier.code, "request_supplement", comment="Bổ sung giấy khai sinh")
    assert "supplement" in desk.actions(dossier.code)
    desk.act(dossier.code, "supplement")
    dossier.refresh_from_db()
    supplemented = dossier.supplement_requests.get().supplemented_at
    # The 5-day time limit ran again from the supplement (rule 4).
    assert dossier.due_at == services.calendar(province.justice).due_at(supplemented, 5, "days")
    assert dossier.due_at >= first_due
    new_date = timezone.localtime(dossier.due_at + timedelta(days=7)).replace(second=0)
    new_date = new_date.replace(microsecond=0)
    leader.act(dossier.code, "apologise", comment="Chờ cơ quan phối hợp", new_due_at=new_date)
    dossier.refresh_from_db()
    assert dossier.apologised_at and dossier.due_at == new_date
    assert "apologise" not in leader.actions(dossier.code)  # only once
    specialist.act(dossier.code, "forward", to_user=o("justice", R.LEADER))
    leader.act(dossier.code, "complete", result="Phiếu lý lịch tư pháp")
    desk.act(dossier.code, "return_result")
    dossier.refresh_from_db()
    assert dossier.finished_at and dossier.returned_at and dossier.timeliness
    desk.open(dossier.code)
    facts = desk.page.inner_text("dl.facts")
    assert "Hoàn thành xử lý" in facts and "Đã trả kết quả" in facts
    for session in (desk, specialist, leader):
        session.close()
