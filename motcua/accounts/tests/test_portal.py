"""My dossiers: who sees what, the supplement answered online, the request to stop, and
what hostile input does to these pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motcua.accounts.tests.factories import (
    awaiting_supplement,
    dossier_of,
    incomplete_online,
    make_citizen,
    second_citizen,
)
from motcua.core.models import AuditEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import DossierDocument, DossierEvent
from motcua.dossiers.tests.factories import EXE, PDF
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
BACKEND = "motcua.accounts.oidc.CitizenBackend"


@pytest.fixture
def citizen(client):
    account = make_citizen()
    client.force_login(account.user, backend=BACKEND)
    return account


def pdf(name="cccd.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- Who gets in -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    for path in ("/my/dossiers/", "/my/dossiers/X-1/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/sign-in/?next={path.replace('/', '%2F')}"


def test_the_sign_in_page_offers_vneid(client):
    response = client.get("/sign-in/?next=/my/dossiers/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập bằng VNeID / tài khoản định danh" in html
    assert 'href="/sign-in/start/?next=%2Fmy%2Fdossiers%2F"' in html


def test_the_sign_in_page_drops_a_next_address_elsewhere(client):
    html = client.get("/sign-in/?next=https://evil.example/x").content.decode()
    assert 'href="/sign-in/start/"' in html and "start/?next" not in html


def test_an_officer_is_refused_the_citizen_pages(client, province):
    account = make_citizen()
    dossier = dossier_of(province, account)
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    for path in ("/my/dossiers/", f"/my/dossiers/{dossier.code}/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Trang này dành cho công dân và tổ chức" in response.content.decode()
    response = client.post(f"/my/dossiers/{dossier.code}/stop/", {"reason": "x", "confirm": "on"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="dossier.stop_requested").exists()


@pytest.mark.parametrize(
    "path", ["/office/", "/office/receive/", "/admin/", "/reports/dossiers/", "/reports/dashboard/"]
)
def test_a_citizen_is_refused_the_back_office(client, citizen, path):
    response = client.get(path)
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="permission.refused", actor=citizen.user).exists()


def test_a_citizen_still_reads_the_public_pages(client, citizen):
    assert client.get("/").status_code == 200
    assert client.get("/procedures/").status_code == 200


def test_sign_out_asks_then_signs_out(client, citizen):
    assert client.get("/sign-out/").status_code == 200
    assert client.get("/my/dossiers/").status_code == 200  # a GET signed nobody out
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert client.get("/my/dossiers/").status_code == 302


# --- My dossiers -----------------------------------------------------------------------------


def test_my_dossiers_lists_mine_only_newest_first(client, province, citizen):
    other = second_citizen()
    mine = [dossier_of(province, citizen) for _ in range(3)]
    theirs = dossier_of(province, other)
    html = client.get("/my/dossiers/").content.decode()
    positions = [html.index(d.code) for d in reversed(mine)]
    assert positions == sorted(positions)  # newest first
    assert theirs.code not in html
    assert "Nguyễn Văn An" in html and "Đã xác thực định danh (VNeID mức 2)" in html


def test_my_dossiers_is_paginated(client, province, citizen, monkeypatch):
    from motcua.accounts import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    codes = [dossier_of(province, citizen).code for _ in range(3)]
    first = client.get("/my/dossiers/").content.decode()
    second = client.get("/my/dossiers/?page=2").content.decode()
    assert codes[2] in first and codes[1] in first and codes[0] not in first
    assert codes[0] in second and "Trang 2/2" in second


def test_my_dossiers_filters_open_and_finished(client, province, citizen):
    running = dossier_of(province, citizen)
    stopped = dossier_of(province, citizen)
    dossier_services.act(
        stopped,
        Action.WITHDRAW,
        province.officer("justice", Role.DESK_OFFICER),
        comment="Công dân xin rút",
    )
    open_page = client.get("/my/dossiers/?show=open").content.decode()
    done_page = client.get("/my/dossiers/?show=done").content.decode()
    assert running.code in open_page and stopped.code not in open_page
    assert stopped.code in done_page and running.code not in done_page


def test_the_dossier_page_shows_status_appointment_timeline_and_the_request(
    client, province, citizen
):
    dossier = awaiting_supplement(province, citizen, items="Bổ sung bản sao giấy khai sinh")
    html = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert dossier.code in html and "Chờ bổ sung" in html
    assert dossier.due_at is not None
    assert "Bổ sung bản sao giấy khai sinh" in html
    assert f'action="/my/dossiers/{dossier.code}/supplement/"' in html
    # The public timeline: receipt and the request, not the internal transfer.
    assert "Tiếp nhận" in html and "Yêu cầu bổ sung" in html
    assert "Chuyển xử lý" not in html


def test_someone_elses_dossier_is_not_found(client, province, citizen):
    dossier = awaiting_supplement(province, second_citizen())
    before = DossierEvent.objects.count()
    assert client.get(f"/my/dossiers/{dossier.code}/").status_code == 404
    response = client.post(
        f"/my/dossiers/{dossier.code}/supplement/",
        {f"file-{province.procedure.documents.first().pk}": pdf()},
    )
    assert response.status_code == 404
    response = client.post(f"/my/dossiers/{dossier.code}/stop/", {"reason": "x", "confirm": "on"})
    assert response.status_code == 404
    document = dossier.documents.first()
    assert client.get(f"/my/dossiers/{dossier.code}/documents/{document.pk}/").status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    assert DossierEvent.objects.count() == before
    assert not AuditEvent.objects.filter(action="dossier.stop_requested").exists()


def test_links_to_result_and_payment(client, province, citizen, settings):
    dossier = dossier_of(province, citizen)
    province.procedure.fees.create(name="Lệ phí cấp Phiếu", amount=200_000)
    pay = reverse("payments:pay", kwargs={"code": dossier.code})
    result = reverse("results:download", kwargs={"code": dossier.code})
    html = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert f'href="{pay}"' in html and "Nộp phí, lệ phí" in html
    assert f'href="{result}"' not in html  # no result yet
    desk = province.officer("justice", Role.DESK_OFFICER)
    specialist = province.officer("justice", Role.SPECIALIST)
    leader = province.officer("justice", Role.LEADER)
    dossier = dossier_services.act(dossier, Action.FORWARD, desk, to_user=specialist)
    dossier = dossier_services.act(dossier, Action.FORWARD, specialist, to_user=leader)
    dossier_services.act(dossier, Action.COMPLETE, leader, result="Phiếu số 12/2026")
    html = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert f'href="{result}"' in html and "Tải kết quả điện tử" in html
    # Where those pages do not exist (a portal without payments or electronic results),
    # no link leads nowhere.
    settings.ROOT_URLCONF = "motcua.accounts.tests.urls_without_portal_parts"
    html = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert "Tải kết quả điện tử" not in html and "Nộp phí, lệ phí" not in html


# --- Supplement online -----------------------------------------------------------------------


def test_a_supplement_answered_online(client, province, citizen):
    dossier = awaiting_supplement(province, citizen)
    doc = province.procedure.documents.first()
    before = dossier.documents.count()
    response = client.post(
        f"/my/dossiers/{dossier.code}/supplement/",
        {
            f"file-{doc.pk}": pdf(),
            "other-name-1": "Bản sao giấy khai sinh",
            "other-file-1": pdf("khai-sinh.pdf"),
            "note": "Tôi gửi bổ sung theo yêu cầu.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/my/dossiers/{dossier.code}/"
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.paused_at is None
    assert dossier.code == dossier.code  # same dossier, same code
    added = list(dossier.documents.exclude(file="").order_by("pk"))
    assert dossier.documents.count() == before + 2
    assert [(d.required_document_id, d.name) for d in added] == [
        (doc.pk, doc.name),
        (None, "Bản sao giấy khai sinh"),
    ]
    assert all(d.content_type == "application/pdf" for d in added)
    event = dossier.events.get(action=Action.SUPPLEMENT)
    assert event.actor == citizen.user and event.comment == "Tôi gửi bổ sung theo yêu cầu."
    assert dossier.supplement_requests.get().supplemented_at == event.at
    # History kept: every earlier event is still there.
    assert list(dossier.events.values_list("action", flat=True)) == [
        Action.RECEIVE,
        Action.FORWARD,
        Action.REQUEST_SUPPLEMENT,
        Action.SUPPLEMENT,
    ]
    # The citizen downloads the file they sent.
    response = client.get(f"/my/dossiers/{dossier.code}/documents/{added[0].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_an_online_dossier_completed_before_receipt_goes_back_to_the_desk(
    client, province, citizen
):
    dossier = incomplete_online(province, citizen)
    assert dossier.status == Status.INCOMPLETE
    doc = province.procedure.documents.first()
    response = client.post(f"/my/dossiers/{dossier.code}/supplement/", {f"file-{doc.pk}": pdf()})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.check_due_at is not None


@pytest.mark.parametrize(
    "files, message",
    [
        ({"exe": ("cccd.pdf", EXE)}, "không phải là tệp .pdf thật"),
        ({"exe": ("virus.exe", EXE)}, "không được chấp nhận"),
        ({"exe": ("rong.pdf", b"")}, None),  # an empty upload is no file at all
        ({}, "Hãy đính kèm các giấy tờ được yêu cầu."),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    client, province, citizen, media, files, message
):
    dossier = awaiting_supplement(province, citizen)
    doc = province.procedure.documents.first()
    data = {}
    for _key, (name, content) in files.items():
        data[f"file-{doc.pk}"] = SimpleUploadedFile(name, content)
    events, documents = DossierEvent.objects.count(), DossierDocument.objects.count()
    response = client.post(f"/my/dossiers/{dossier.code}/supplement/", data)
    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    assert (DossierEvent.objects.count(), DossierDocument.objects.count()) == (events, documents)
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_an_unnamed_other_document_is_refused(client, province, citizen):
    dossier = awaiting_supplement(province, citizen)
    response = client.post(
        f"/my/dossiers/{dossier.code}/supplement/", {"other-file-1": pdf("x.pdf")}
    )
    assert response.status_code == 400
    assert "Hãy đặt tên cho từng giấy tờ khác" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT


def test_no_supplement_when_none_is_asked(client, province, citizen):
    dossier = dossier_of(province, citizen)
    doc = province.procedure.documents.first()
    response = client.post(f"/my/dossiers/{dossier.code}/supplement/", {f"file-{doc.pk}": pdf()})
    assert response.status_code == 400
    assert "Không thể thực hiện khi hồ sơ" in response.content.decode()
    assert dossier.events.count() == 1 and dossier.documents.exclude(file="").count() == 0


# --- Asking to stop --------------------------------------------------------------------------


def test_a_request_to_stop_reaches_the_desk(client, province, citizen):
    dossier = dossier_of(province, citizen)
    response = client.post(
        f"/my/dossiers/{dossier.code}/stop/",
        {"reason": "Tôi đã được cấp ở nơi khác.", "confirm": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="dossier.stop_requested")
    assert (event.actor, event.object_id, event.data["reason"]) == (
        citizen.user,
        str(dossier.pk),
        "Tôi đã được cấp ở nơi khác.",
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED  # the request alone stops nothing
    html = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert "Bộ phận một cửa sẽ ban hành thông báo dừng" in html
    # A second request while the first waits is refused.
    response = client.post(
        f"/my/dossiers/{dossier.code}/stop/", {"reason": "Lần nữa", "confirm": "on"}
    )
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="dossier.stop_requested").count() == 1

    # The desk sees it on the dossier page and issues the stop notice.
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    page = client.get(f"/office/dossiers/{dossier.code}/").content.decode()
    assert "Người nộp hồ sơ đã đề nghị dừng giải quyết hồ sơ này" in page
    assert "Tôi đã được cấp ở nơi khác." in page
    dossier_services.act(dossier, Action.WITHDRAW, desk, comment="Theo đề nghị của công dân")
    page = client.get(f"/office/dossiers/{dossier.code}/").content.decode()
    assert "đã đề nghị dừng" not in page
    client.force_login(citizen.user, backend=BACKEND)
    html = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert "Đã dừng giải quyết theo đề nghị" in html
    assert "Đề nghị dừng hồ sơ này" not in html


def test_a_request_to_stop_needs_a_reason_and_a_confirmation(client, province, citizen):
    dossier = dossier_of(province, citizen)
    for data in ({"reason": "Lý do", "confirm": ""}, {"reason": "   ", "confirm": "on"}, {}):
        assert client.post(f"/my/dossiers/{dossier.code}/stop/", data).status_code == 400
    assert not AuditEvent.objects.filter(action="dossier.stop_requested").exists()


def test_no_request_to_stop_once_the_result_is_ready(client, province, citizen):
    dossier = dossier_of(province, citizen)
    desk = province.officer("justice", Role.DESK_OFFICER)
    specialist = province.officer("justice", Role.SPECIALIST)
    leader = province.officer("justice", Role.LEADER)
    dossier = dossier_services.act(dossier, Action.FORWARD, desk, to_user=specialist)
    dossier = dossier_services.act(dossier, Action.FORWARD, specialist, to_user=leader)
    dossier_services.act(dossier, Action.COMPLETE, leader, result="Phiếu số 1")
    assert (
        "Đề nghị dừng hồ sơ này" not in client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    )
    response = client.post(f"/my/dossiers/{dossier.code}/stop/", {"reason": "x", "confirm": "on"})
    assert response.status_code == 400
    assert "Không thể thực hiện khi hồ sơ" in response.content.decode()
    assert not AuditEvent.objects.filter(action="dossier.stop_requested").exists()


# --- Hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=99999999999999999999999",
        "?page=-1",
        "?show=%00",
        "?show=" + "x" * 10_000,
        "?page=1%00",
    ],
)
def test_hostile_list_parameters(client, province, citizen, query):
    dossier_of(province, citizen)
    assert client.get("/my/dossiers/" + query).status_code in (200, 400)


@pytest.mark.parametrize("code", ["x" * 5000, "%00", "A%00B", "../../etc/passwd", "'; DROP TABLE"])
def test_hostile_codes(client, citizen, code):
    assert client.get(f"/my/dossiers/{code}/").status_code in (400, 404)


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "a\x00b", "confirm": "on"},
        {"reason": "x" * 10_000, "confirm": "on"},
        {"reason": "ok", "confirm": "\x00"},
    ],
)
def test_hostile_stop_requests_write_nothing(client, province, citizen, data):
    dossier = dossier_of(province, citizen)
    response = client.post(f"/my/dossiers/{dossier.code}/stop/", data)
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="dossier.stop_requested").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"note": "a\x00b"},
        {"note": "x" * 10_000},
        {"other-name-1": "n" * 10_000},
        {"other-name-1": "a\x00b"},
    ],
)
def test_hostile_supplements_write_nothing(client, province, citizen, data):
    dossier = awaiting_supplement(province, citizen)
    events = DossierEvent.objects.count()
    response = client.post(
        f"/my/dossiers/{dossier.code}/supplement/",
        {**data, "other-file-1": pdf("a.pdf"), "other-name-1": data.get("other-name-1", "Tờ khai")},
    )
    assert response.status_code == 400
    assert DossierEvent.objects.count() == events
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT


def test_hostile_sign_in_parameters(client):
    for query in ("?next=%00", "?next=" + "/x" * 5000, "?next=javascript:alert(1)"):
        assert client.get("/sign-in/" + query).status_code in (200, 400)
    assert reverse("accounts:sign_in") == "/sign-in/"


def test_without_a_provider_there_is_no_sign_in_button(client, settings):
    settings.OIDC_CONFIGURED = False
    html = client.get("/sign-in/").content.decode()
    assert "sign-in/start" not in html
    assert "Cổng chưa hỗ trợ đăng nhập bằng tài khoản định danh điện tử" in html
    response = client.get("/sign-in/start/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert "oidc_states" not in client.session
