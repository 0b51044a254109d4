from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.tests.factories import APPLICANT, desk_form, make_province, submit_to_desk
from motcua.dossiers.tests.lookup_pages import shown
from motcua.dossiers.views import mask_name
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
R = Role


@pytest.fixture
def province():
    return make_province()


def receive(province, when=None):
    officer = province.officer("justice", R.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=officer,
        desk=officer.posts.get().desk,
        documents=province.documents(),
        received_at=when or timezone.now(),
    )


def test_queue_shows_only_own_agency_dossiers_one_query_for_the_page(
    client, province, django_assert_max_num_queries
):
    mine = receive(province)
    client.force_login(province.officer("justice", R.SPECIALIST))
    with django_assert_max_num_queries(8):  # session, user, posts, delegations, the page
        page = client.get("/office/")
    assert [d.code for d, _ in page.context["rows"]] == [mine.code]
    client.force_login(province.officer("health", R.SPECIALIST))
    assert client.get("/office/").context["rows"] == []


def test_queue_rows_show_what_they_show_without_a_query_per_row(
    client, province, django_assert_max_num_queries
):
    """The page reads only the columns its rows show (views.ROW_COLUMNS): the procedure,
    applicant, agency, step, assignee and labels all come from the page's one query."""
    desk = province.officer("justice", R.DESK_OFFICER)
    made = [receive(province, when=timezone.now() - timedelta(days=40 - i)) for i in range(4)]
    forwarded = services.act(made[0], Action.FORWARD, desk)  # to the specialist's step
    leader = province.officer("justice", R.LEADER)
    client.force_login(leader)
    client.get("/office/")  # the session and the calendars warm
    with django_assert_max_num_queries(8):
        page = client.get("/office/")
    html = page.content.decode()
    assert {d.code for d, _ in page.context["rows"]} == {d.code for d in made}
    assert forwarded.current_step.name in html and str(forwarded.assignee or "") in html
    assert province.procedure.name in html and APPLICANT["full_name"] in html
    assert province.justice.name in html
    assert "Quá hạn" in html  # the urgency pill, in Vietnamese
    assert "Đã tiếp nhận" in html or "Đang xử lý" in html  # the status label


def _cells(html: str, code: str) -> str:
    """The text of the queue row whose first cell links to `code`."""
    start = html.index(f">{code}</a>")
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_queue_rows_say_the_appointment_the_transfer_and_the_apology(client, province):
    """What a row shows, as the desk reads it: its dossier's page; the appointment as
    "H:i d/m/Y" local time; for a dossier received and not yet passed on, when it must be
    transferred ("H:i d/m"); for an overdue one not apologised for, that an apology is
    needed; for an online one not yet checked, the desk's check deadline."""
    late = receive(province, when=timezone.now() - timedelta(days=30))
    online = submit_to_desk(province, Channel.ONLINE)
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    html = client.get("/office/").content.decode()

    def local(value, fmt="%H:%M %d/%m/%Y"):
        return timezone.localtime(value).strftime(fmt)

    row = _cells(html, late.code)
    assert f'href="/office/dossiers/{late.code}/"' in row
    assert local(late.due_at) in row
    assert 'class="pill overdue"' in row
    with translation.override("vi"):
        assert f"{gettext('Apology needed if late')}</span>" in row
        assert f"{gettext('Transfer by')} {local(late.transfer_due_at, '%H:%M %d/%m')}<" in row
        row = _cells(html, online.code)
        assert f"{gettext('Check by')} {local(online.check_due_at)}" in row
        assert gettext("Apology needed if late") not in row
    # Apologised for: no more warning.
    services.act(
        late,
        Action.APOLOGISE,
        province.officer("justice", R.LEADER),
        new_due_at=timezone.now() + timedelta(days=3),
        comment="Hồ sơ phức tạp",
        reason="Phát hiện muộn",
    )
    html = client.get("/office/").content.decode()
    with translation.override("vi"):
        assert gettext("Apology needed if late") not in _cells(html, late.code)


def test_queue_colours_by_urgency(client, province):
    late = receive(province, when=timezone.now() - timedelta(days=30))
    fresh = receive(province)
    client.force_login(province.officer("justice", R.LEADER))
    rows = dict((d.code, u) for d, u in client.get("/office/").context["rows"])
    assert rows[late.code] == "overdue"
    assert rows[fresh.code] in ("in-time", "due-soon")
    overdue_only = client.get("/office/", {"overdue": "on"}).context["rows"]
    assert [d.code for d, _ in overdue_only] == [late.code]


def test_queue_filters_answer_htmx_with_the_rows_and_pages_keep_the_filters(
    client, province, monkeypatch
):
    from motcua.dossiers import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    late = [receive(province, when=timezone.now() - timedelta(days=30 + i)) for i in range(3)]
    receive(province)
    client.force_login(province.officer("justice", R.LEADER))
    full = client.get("/office/", {"overdue": "on"}).content.decode()
    assert 'hx-get="/office/"' in full and 'id="queue-results"' in full
    rows = client.get("/office/", {"overdue": "on"}, headers={"HX-Request": "true"})
    text = rows.content.decode()
    assert "<html" not in text and "<form" not in text  # only the rows and the pager
    by_due = [d.code for d in sorted(late, key=lambda d: (d.due_at, d.pk))]
    assert [d.code for d, _ in rows.context["rows"]] == by_due[:2]
    # The next page starts after the last row shown (keyset; test_queue_keyset.py).
    assert rows.context["next_url"].startswith("?overdue=on&page=2&after=")
    assert f'hx-get="{rows.context["next_url"]}"'.replace("&", "&amp;") in text
    second = client.get("/office/", {"overdue": "on", "page": 2}, headers={"HX-Request": "1"})
    assert [d.code for d, _ in second.context["rows"]] == by_due[2:]
    assert second.context["prev_url"] == "?overdue=on&page=1" and not second.context["next_url"]


def test_queue_requires_login(client, province):
    response = client.get("/office/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dossier_page_offers_only_the_role_actions_and_acts(client, province):
    dossier = receive(province)
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    page = client.get(dossier.get_absolute_url())
    # After receipt the desk transfers the dossier or records a stop; asking for a
    # supplement and refusing are now the competent unit's (test_rules_tables.py).
    assert set(page.context["actions"]) == {Action.FORWARD, Action.WITHDRAW}
    assert page.context["groups"]["primary"] == Action.FORWARD
    assert page.context["groups"]["destructive"] == [Action.WITHDRAW]
    response = client.post(f"/office/dossiers/{dossier.code}/act/", {"action": "forward"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING


def test_refusal_without_reasons_is_refused_with_a_message(client, province):
    dossier = receive(province)
    client.force_login(province.officer("justice", R.LEADER))
    response = client.post(
        f"/office/dossiers/{dossier.code}/act/", {"action": "refuse", "comment": ""}
    )
    assert response.status_code == 400
    assert "lý do" in response.content.decode() or response.context["form"].errors
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED


def test_other_agency_gets_404_on_page_and_action(client, province):
    dossier = receive(province)
    client.force_login(province.officer("health", R.LEADER))
    assert client.get(dossier.get_absolute_url()).status_code == 404
    assert (
        client.post(f"/office/dossiers/{dossier.code}/act/", {"action": "approve"}).status_code
        == 404
    )


def test_desk_receipt_screen(client, province):
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    code = province.procedure.code
    assert (
        province.procedure.name
        in client.get("/office/receive/", {"q": "ly lich tu phap"}).content.decode()
    )
    url, form = desk_form(province)
    incomplete = client.post(url, form)
    assert incomplete.context["missing"] == ["Tờ khai (theo mẫu)"]
    assert Dossier.objects.count() == 0
    docs = {f"doc-{d.pk}": "on" for d in province.procedure.documents.all()}
    bad = client.post(f"/office/receive/?procedure={code}", {**form, **docs, "id_number": "1"})
    assert "id_number" in bad.context["form"].errors and Dossier.objects.count() == 0
    done = client.post(f"/office/receive/?procedure={code}", {**form, **docs})
    dossier = Dossier.objects.get()
    assert done.status_code == 302 and done["Location"] == dossier.get_absolute_url()
    assert dossier.applicant.full_name == "Trần Thị Bình"


def test_public_lookup_needs_the_password_and_masks_the_name(client, province):
    dossier = receive(province)
    page = client.get(f"/lookup/{dossier.code}/")
    assert not shown(page) and "Nguyễn" not in page.content.decode()
    wrong = client.post(f"/lookup/{dossier.code}/", {"secret": "WRONGPWD"})
    assert wrong.context["error"] and not shown(wrong)
    right = client.post(f"/lookup/{dossier.code}/", {"secret": dossier.secret.lower()})
    text = right.content.decode()
    assert shown(right, dossier)
    assert "Nguyễn V** A*" in text and "Nguyễn Văn An" not in text
    assert APPLICANT["id_number"] not in text and APPLICANT["phone"] not in text


def test_mask_name():
    assert mask_name("Nguyễn Văn An") == "Nguyễn V** A*"
    assert mask_name("") == ""


def test_login_page_is_vietnamese_and_lets_officers_in(client, province):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    user = province.officer("justice", R.DESK_OFFICER)
    user.set_password("a-long-password-1")
    user.save()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "a-long-password-1"}
    )
    assert response.status_code == 302 and response["Location"] == "/office/"


def test_any_desk_receives_a_commune_procedure_for_another_area(client, province):
    """Receipt regardless of administrative boundary: the provincial centre's desk receives
    a commune procedure for a commune's People's Committee, and the result is returned
    where the applicant chooses."""
    from motcua.catalog.tests.factories import make_procedure
    from motcua.org import services as org_services
    from motcua.org.constants import AgencyKind, Level
    from motcua.org.models import Agency

    district = Agency.objects.create(
        code="000.21.00.H40",
        name="UBND thành phố Phủ Lý",
        kind=AgencyKind.DISTRICT_PC,
        level=Level.DISTRICT,
    )
    communes = [
        Agency.objects.create(
            code=f"000.21.{i:02d}.H40",
            name=name,
            kind=AgencyKind.COMMUNE_PC,
            level=Level.COMMUNE,
            parent=district,
        )
        for i, name in ((1, "UBND phường Quang Trung"), (2, "UBND phường Lê Hồng Phong"))
    ]
    commune_desk = org_services.open_desk(communes[1], "Bộ phận một cửa phường Lê Hồng Phong")
    birth = make_procedure(
        code="X.0001",
        name="Đăng ký khai sinh",
        level="commune",
        agency="",
        local_duration="1",
        statutory_duration="1",
    )
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    page = client.get("/office/receive/", {"procedure": birth.code})
    assert [a.pk for a in page.context["where"]["agencies"]] == sorted(
        [c.pk for c in communes], key=lambda pk: Agency.objects.get(pk=pk).name
    )
    form = {
        "procedure": birth.code,
        "kind": "person",
        "full_name": "Lê Thị Hoa",
        "id_number": "035190002222",
        "phone": "0987000111",
        "channel": "counter",
        **{f"doc-{d.pk}": "on" for d in birth.documents.all()},
    }
    # Without a committee chosen: a clear message, nothing received.
    refused = client.post(f"/office/receive/?procedure={birth.code}", form)
    assert refused.status_code == 200 and Dossier.objects.count() == 0
    assert refused.context["form"].non_field_errors() == [refused.context["where"]["error"]]
    done = client.post(
        f"/office/receive/?procedure={birth.code}",
        {**form, "performing_agency": communes[1].pk, "return_desk": commune_desk.pk},
    )
    dossier = Dossier.objects.get()
    assert done.status_code == 302
    assert dossier.performing_agency == communes[1]
    assert dossier.received_desk == province.officer("justice", R.DESK_OFFICER).posts.get().desk
    assert dossier.return_desk == commune_desk
    assert dossier.code.startswith(communes[1].code)


def test_queue_finds_a_dossier_by_applicant_name_id_number_or_phone(client, province):
    mine = receive(province)
    other = services.receive(
        procedure=province.procedure,
        applicant={
            **APPLICANT,
            "full_name": "Trần Thị Bình",
            "id_number": "035190001111",
            "phone": "0987654321",
        },
        channel=Channel.COUNTER,
        actor=province.officer("justice", R.DESK_OFFICER),
        desk=province.officer("justice", R.DESK_OFFICER).posts.get().desk,
        documents=province.documents(),
    )
    client.force_login(province.officer("justice", R.LEADER))

    def found(q):
        return {d.code for d, _ in client.get("/office/", {"q": q}).context["rows"]}

    assert found("nguyen van an") == {mine.code}  # folded, like the catalogue search
    assert found("BÌNH") == {other.code}  # a word of the name, any case and accents
    assert found("035190001111") == {other.code}  # ID number
    assert found("0912 345 678") == {mine.code}  # phone, as typed
    assert found("+84912345678") == {mine.code}
    assert found(mine.code[-8:]) == {mine.code}  # part of the code
    assert found("an") == {mine.code}  # "An", the start of a word of the name
    assert found("guyen") == set()  # inside a word: not a match
    assert found("Trần Thị Bình") == {other.code}  # a full name, spaces and all
    assert found(f"{mine.code[-8:]} x") == set()  # a code holds no space
    assert found("Zq 12") == set()  # nothing it could be: nothing, not everything
    # An ID number or a phone is looked up among the applicants, never in the catalogue.
    with CaptureQueriesContext(connection) as captured:
        assert found("035190001111") == {other.code}
        assert found("0912345678") == {mine.code}
    assert not [q for q in captured if "search_text" in q["sql"] or "cache" in q["sql"]]
    assert found(province.procedure.name.split()[0]) >= {mine.code, other.code}  # a word
    # The name searched is kept on the dossier's row, folded, as its applicant's.
    assert Dossier.objects.get(pk=other.pk).applicant_name_folded == "tran thi binh"


def test_a_word_finding_many_procedures_still_finds_their_dossiers_only(
    client, province, monkeypatch
):
    """A common word finds more procedures than the page lists by id (views.SEARCH_IDS_MAX):
    the dossiers of those procedures are found all the same, and no other; on PostgreSQL
    from the ids kept for the catalogue's generation, without reading the catalogue again."""
    from motcua.catalog.tests.factories import make_procedure
    from motcua.dossiers import views

    mine, other = receive(province), receive(province)
    birth = make_procedure(name="Đăng ký khai sinh", agency=province.justice.code)
    Dossier.objects.filter(pk=other.pk).update(procedure=birth)  # another procedure's dossier
    word = province.procedure.name.split()[0]  # "Cấp": not in the other procedure's name
    monkeypatch.setattr(views, "SEARCH_IDS_MAX", 0)
    client.force_login(province.officer("justice", R.LEADER))

    def found(q):
        return {d.code for d, _ in client.get("/office/", {"q": q}).context["rows"]}

    assert found(word) == {mine.code}  # the procedures' ids read, and kept
    assert found("Zyxwv") == set()
    with CaptureQueriesContext(connection) as captured:
        assert found(word) == {mine.code}
    if connection.vendor == "postgresql":
        assert not [q for q in captured if "search_text" in q["sql"]]


def test_the_migration_gives_existing_dossiers_their_applicants_folded_name(province):
    from importlib import import_module

    fill = import_module("motcua.dossiers.migrations.0011_applicant_name_on_dossier").FILL
    d = receive(province)
    Dossier.objects.filter(pk=d.pk).update(applicant_name_folded="")
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert Dossier.objects.get(pk=d.pk).applicant_name_folded == "nguyen van an"


def test_the_migration_gives_existing_dossiers_their_last_entry(province):
    from importlib import import_module

    fill = import_module("motcua.dossiers.migrations.0013_dossier_last_entered_at").FILL
    d = receive(province)
    d = services.act(d, Action.FORWARD, province.officer("justice", R.DESK_OFFICER))
    last = max(e.recorded_at or e.at for e in d.events.all())
    Dossier.objects.filter(pk=d.pk).update(last_entered_at=None)
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert Dossier.objects.get(pk=d.pk).last_entered_at == last


def test_queue_refuses_hostile_pages_without_an_error(client, province):
    receive(province)
    client.force_login(province.officer("justice", R.LEADER))
    for page in ("99999999999999999999", "-1", "0", "abc"):
        response = client.get("/office/", {"page": page})
        assert response.status_code == 200
    assert client.get("/office/", {"page": "10000"}).context["rows"] == []


def test_menus_show_only_what_the_role_may_use(client, province):
    for role, receive_link, delegations_link in (
        (R.DESK_OFFICER, True, False),
        (R.SPECIALIST, False, False),
        (R.LEADER, False, True),
    ):
        client.force_login(province.officer("justice", role))
        page = client.get("/office/").content.decode()
        assert ('href="/office/receive/"' in page) is receive_link, role
        assert ('href="/office/delegations/"' in page) is delegations_link, role
    client.force_login(province.officer("justice", R.SPECIALIST))
    assert client.get("/office/receive/").status_code == 404


def test_an_officer_whose_post_ended_cannot_open_the_desk_screen(client, province):
    from datetime import date

    from motcua.org.models import Officer

    desk = province.officer("justice", R.DESK_OFFICER)
    Officer.objects.filter(user=desk).update(valid_to=date(2025, 1, 1))
    client.force_login(desk)
    assert client.get("/office/receive/").status_code == 404


def test_destructive_actions_need_a_confirmation_and_a_reason(client, province):
    dossier = receive(province)
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    url = f"/office/dossiers/{dossier.code}/act/"
    unconfirmed = client.post(url, {"action": "withdraw", "comment": "Đơn xin rút"})
    assert unconfirmed.status_code == 400
    no_reason = client.post(url, {"action": "withdraw", "confirm": "1", "comment": ""})
    assert no_reason.status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.events.count() == 1
    done = client.post(url, {"action": "withdraw", "confirm": "1", "comment": "Đơn xin rút"})
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN


def test_the_rows_built_in_python_escape_every_value_and_place_each_mark():
    from django.utils.safestring import mark_safe

    from motcua.dossiers import queue_html

    line = {
        "urgency": "overdue",
        "pill": "Quá hạn",
        "url": '/office/d/A"1/',
        "code": "A<1>",
        "postal": mark_safe('<span class="pill postal">BĐ</span>'),  # its own template's
        "stop": True,
        "procedure": "Cấp <b>phiếu</b>",
        "applicant": "O'Brien & <script>alert(1)</script>",
        "status": "Đang xử lý",
        "step": "Thẩm định",
        "agency": "Sở Tư pháp",
        "assignee": "",
        "check": False,
        "appointment": "08:00 09/12/2026",
        "stale": True,
        "transfer": "",
        "apology": True,
    }
    with translation.override("vi"):
        html = str(queue_html.rows([line]))
        quiet = str(queue_html.rows([{**line, "stop": False, "stale": False, "apology": False}]))
        block = str(queue_html.stale_rows([{**line, "last_entry": "x", "ago": "3 ngày"}]))
    assert "<script>" not in html + block and "&lt;script&gt;" in html
    assert (
        "O&#x27;Brien &amp;" in html
        and "A&lt;1&gt;" in html
        and 'href="/office/d/A&quot;1/"' in html
    )
    assert '<span class="pill postal">BĐ</span>' in html  # safe HTML kept as is
    assert '<tr class="overdue">' in html and '<span class="pill overdue">Quá hạn</span>' in html
    assert '<br><span class="meta">Thẩm định</span>' in html
    for mark in ('class="pill stop-requested"', 'class="pill stale"', 'class="meta warn"'):
        assert mark in html and mark not in quiet
    assert "Sở Tư pháp</td>" in html  # no assignee: nothing under the agency
    assert block.startswith('<tr class="stale">') and "3 ngày" in block
    assert str(queue_html.rows([])) == ""


@pytest.mark.parametrize("data", [None, {"status": "received"}, {"status": "nonsense<>"}, {}])
def test_the_filters_selects_offer_and_select_what_djangos_widget_does(data):
    import re

    from motcua.dossiers import queue_html
    from motcua.dossiers.views import QueueFilter

    form = QueueFilter(data)
    form.is_valid()
    option = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')
    with translation.override("vi"):
        for name in ("status", "sort"):
            ours, django = str(queue_html.select(form[name])), str(form[name])
            assert option.findall(ours) == option.findall(django)
            assert ours.startswith(f'<select name="{name}" id="id_{name}">')
    assert "nonsense" not in str(queue_html.select(form["status"]))  # never echoed back
