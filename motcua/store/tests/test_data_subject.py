"""The data subject's page (/my/data/; Luật 91/2025/QH15, Nghị định 356/2025/NĐ-CP): the
export of one's own data and nobody else's, and the correction request answered by a
province-wide supervisor (/office/data-requests/) with the requester told."""

import io
import json
import zipfile
from datetime import timedelta

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.outbox.models import Message
from motcua.store import services
from motcua.store.models import CorrectionRequest, RequestStatus
from motcua.store.tests.factories import ID_AN, ID_BINH, person, received_at_desk

pytestmark = pytest.mark.django_db
INTERNAL = "Ghi chú nội bộ: kiểm tra lại chữ ký của lãnh đạo"


def exported(client) -> tuple[dict, dict[str, bytes]]:
    response = client.post("/my/data/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("data.json")), files


def test_the_export_holds_ones_own_data_and_nobody_elses(client, province, citizen, other):
    mine = received_at_desk(province, person(ID_AN))
    desk = province.officer("justice", Role.DESK_OFFICER)
    dossier_services.act(mine, Action.FORWARD, desk, comment=INTERNAL)
    theirs = received_at_desk(province, person(ID_BINH, "Trần Thị Bình", phone="0987654321"))
    client.force_login(citizen.user)
    data, files = exported(client)
    text = json.dumps(data, ensure_ascii=False)
    assert data["account"]["id_number"] == ID_AN and data["account"]["full_name"] == "Nguyễn Văn An"
    assert [d["code"] for d in data["dossiers"]] == [mine.code]
    assert [e["action"] for e in data["dossiers"][0]["events"]][:1] == ["receive"]
    assert data["notification_settings"] == {"email": True, "sms": True, "sms_phone": ""}
    assert {s["dossier"] for s in data["store"]} == {mine.code}
    assert sorted(files) == sorted(s["file"] for s in data["store"])
    assert all(content.startswith(b"%PDF") for content in files.values())
    # Nobody else's data, and no officer's internal note.
    for foreign in (theirs.code, "Trần Thị Bình", ID_BINH, "0987654321", INTERNAL):
        assert foreign not in text
    assert AuditEvent.objects.filter(action=services.EXPORTED, actor=citizen.user).exists()


def test_the_export_is_a_post_for_a_signed_in_citizen(client, citizen):
    assert client.post("/my/data/export/").status_code == 302  # to the sign-in
    client.force_login(citizen.user)
    assert client.get("/my/data/export/").status_code == 405


@pytest.fixture
def supervisor(province):
    return province.officer("center", Role.SUPERVISOR)


def test_a_correction_request_is_answered_and_the_requester_told(client, citizen, supervisor):
    client.force_login(citizen.user)
    response = client.post(
        "/my/data/",
        {"what_is_wrong": "Địa chỉ ghi sai số nhà", "should_be": "Số 21 Lê Hồng Phong"},
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert request.status == RequestStatus.OPEN and request.user == citizen.user
    assert request.due_at - request.created_at == timedelta(hours=72)  # the setting's default
    assert AuditEvent.objects.filter(action=services.REQUESTED, object_id=str(request.pk)).exists()
    # A desk officer may not see the requests; a province-wide supervisor answers them.
    client.force_login(supervisor)
    listing = client.get("/office/data-requests/")
    assert listing.status_code == 200 and "Địa chỉ ghi sai số nhà" in listing.content.decode()
    response = client.post(
        f"/office/data-requests/{request.pk}/",
        {"status": "corrected", "response": "Đã sửa địa chỉ trong hồ sơ."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.answered_by) == (RequestStatus.CORRECTED, supervisor)
    [message] = Message.objects.filter(kind=services.ANSWERED)
    assert message.recipient == citizen.email and "Đã sửa địa chỉ trong hồ sơ." in message.body
    assert AuditEvent.objects.filter(action=services.ANSWERED, actor=supervisor).exists()
    # Answered once only.
    again = client.post(
        f"/office/data-requests/{request.pk}/", {"status": "refused", "response": "Không"}
    )
    assert again.status_code in (200, 400)
    request.refresh_from_db()
    assert request.status == RequestStatus.CORRECTED
    # The citizen sees the answer on their page.
    client.force_login(citizen.user)
    assert "Đã sửa địa chỉ trong hồ sơ." in client.get("/my/data/").content.decode()


def test_only_province_wide_supervisors_handle_requests(client, province, citizen):
    request = services.request_correction(citizen, citizen.user, "Sai tên", "Đúng tên")
    for officer in (
        province.officer("justice", Role.DESK_OFFICER),
        province.officer("justice", Role.LEADER),
    ):
        client.force_login(officer)
        assert client.get("/office/data-requests/").status_code == 403
        response = client.post(
            f"/office/data-requests/{request.pk}/", {"status": "corrected", "response": "x"}
        )
        assert response.status_code == 403
    client.force_login(citizen.user)
    assert client.get("/office/data-requests/").status_code == 403
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN


@pytest.mark.parametrize(
    "fields",
    [
        {"what_is_wrong": "", "should_be": "x"},
        {"what_is_wrong": "x", "should_be": ""},
        {"what_is_wrong": "x" * 10_000, "should_be": "y"},
        {"what_is_wrong": "a\x00b", "should_be": "y"},
        {"what_is_wrong": "   ", "should_be": "   "},
    ],
)
def test_hostile_correction_requests_write_nothing(client, citizen, fields):
    client.force_login(citizen.user)
    response = client.post("/my/data/", fields)
    assert response.status_code == 400
    assert not CorrectionRequest.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "open", "response": "x"},
        {"status": "corrected", "response": ""},
        {"status": "corrected", "response": "x" * 10_000},
        {"status": "x" * 10_000, "response": "x"},
        {"status": "corrected", "response": "a\x00b"},
    ],
)
def test_hostile_answers_write_nothing(client, citizen, supervisor, fields):
    request = services.request_correction(citizen, citizen.user, "Sai tên", "Đúng tên")
    client.force_login(supervisor)
    response = client.post(f"/office/data-requests/{request.pk}/", fields)
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and not Message.objects.exists()


def test_unknown_requests_are_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get("/office/data-requests/999999/").status_code == 404
    assert client.get(f"/office/data-requests/{'9' * 30}/").status_code == 404
    assert client.get("/office/data-requests/?show=x&page=99999999999").status_code == 200


def test_open_requests_are_limited(citizen):
    for n in range(services.OPEN_REQUESTS_MAX):
        services.request_correction(citizen, citizen.user, f"Sai {n}", "Đúng")
    with pytest.raises(services.Invalid):
        services.request_correction(citizen, citizen.user, "Sai nữa", "Đúng")
    assert CorrectionRequest.objects.count() == services.OPEN_REQUESTS_MAX
