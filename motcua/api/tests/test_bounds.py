"""Every input bounded, never a 500 (docs/decisions/0008-input-bounds.md): the reproductions
of the December 2026 examination, each a request that once answered 500 or wrote rows it
should not have."""

import base64
import threading
from datetime import datetime, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from motcua.api.tests.factories import Api, dossier_body
from motcua.core.hostile import MAX_FILE_NAME_BYTES
from motcua.core.models import AuditEvent
from motcua.dossiers.models import Applicant, Dossier, DossierDocument, DossierEvent
from motcua.dossiers.tests.factories import APPLICANT, PDF
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
R = Role
WRITTEN = (Dossier, DossierEvent, AuditEvent, Applicant, DossierDocument)


# The security trail records refusals and failed sign-ins (docs/security.md); every other
# audit event records a change, which a refused request must not make.
REFUSAL_TRAIL = ("permission.refused", "auth.login_failed", "auth.locked_out")


def counts() -> dict:
    found = {model.__name__: model.objects.count() for model in WRITTEN}
    found["AuditEvent"] = AuditEvent.objects.exclude(action__in=REFUSAL_TRAIL).count()
    return found


def error(response, status) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.fixture
def desk(tokens):
    return tokens["justice", R.DESK_OFFICER]


@pytest.fixture
def dossier(api, province, desk) -> dict:
    response = api.post("/dossiers", dossier_body(province), desk, key="first")
    assert response.status_code == 201, response.content
    return response.json()


def lists_still_work(api, tokens):
    for role in (R.DESK_OFFICER, R.LEADER):
        assert api.get("/dossiers", tokens["justice", role]).status_code == 200


# --- Dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received_at",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+07:00",
        "9999-12-31T23:59:59",
        "1999-12-31T23:59:59+07:00",
        "2101-01-01T00:00:00Z",
    ],
)
def test_a_receipt_date_out_of_the_window_is_refused_and_writes_nothing(
    api, province, tokens, desk, received_at
):
    before = counts()
    response = api.post("/dossiers", dossier_body(province, received_at=received_at), desk, "k")
    assert error(response, 422)["fields"] == {"received_at": "invalid"}
    assert counts() == before
    lists_still_work(api, tokens)


@pytest.mark.parametrize("new_due_at", ["9999-12-31T00:00:00", "0001-01-01T00:00:00+07:00"])
def test_an_apology_date_out_of_the_window_is_refused_and_changes_nothing(
    api, province, tokens, dossier, new_due_at
):
    before = counts()
    response = api.post(
        f"/dossiers/{dossier['code']}/actions/apologise",
        {"comment": "Chờ xác minh", "new_due_at": new_due_at},
        tokens["justice", R.LEADER],
    )
    assert error(response, 422)["fields"] == {"new_due_at": "invalid"}
    assert counts() == before
    assert api.get(f"/dossiers/{dossier['code']}", tokens["justice", R.DESK_OFFICER]).json() == (
        dossier
    )
    lists_still_work(api, tokens)


def test_an_apology_more_than_a_year_after_receipt_is_refused_by_the_service(
    api, province, tokens, dossier
):
    """The service's window (MOTCUA["MAX_APPOINTMENT_DAYS"]) answers 422 like the schema's."""
    received = datetime.fromisoformat(dossier["received_at"])
    before = counts()
    response = api.post(
        f"/dossiers/{dossier['code']}/actions/apologise",
        {"comment": "Chờ xác minh", "new_due_at": (received + timedelta(days=400)).isoformat()},
        tokens["justice", R.LEADER],
    )
    assert error(response, 422)["code"] == "invalid"
    assert counts() == before


def test_a_receipt_backdated_beyond_the_allowed_days_is_refused_by_the_service(api, province, desk):
    """The service's window (MOTCUA["RECEIPT_BACKDATE_DAYS"], default 30) answers 422."""
    long_ago = timezone.localtime() - timedelta(days=90)
    before = counts()
    body = dossier_body(province, received_at=long_ago.isoformat())
    assert error(api.post("/dossiers", body, desk, key="old"), 422)["code"] == "invalid"
    assert counts() == before


@pytest.mark.parametrize(
    "params",
    [
        {"received_to": "9999-12-31"},
        {"received_from": "0001-01-01"},
        {"received_from": "0001-01-01", "received_to": "9999-12-31"},
        {"received_to": "2101-01-01"},
        {"received_from": "99999-01-01"},
    ],
)
def test_list_filters_out_of_the_window_are_422(api, tokens, desk, params):
    fields = error(api.get("/dossiers", desk, **params), 422)["fields"]
    assert set(fields) == set(params) and set(fields.values()) == {"invalid"}


def test_list_filters_at_the_edges_of_the_window_work(api, desk, dossier):
    response = api.get("/dossiers", desk, received_from="2000-01-01", received_to="2100-12-31")
    assert [d["code"] for d in response.json()["items"]] == [dossier["code"]]


# --- Pages and numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["0", "-1", "10001", str(10**30), "9" * 5000, "1.5", "abc"])
@pytest.mark.parametrize("path", ["/dossiers", "/procedures"])
def test_a_page_out_of_bounds_is_422(api, tokens, path, page):
    response = api.get(path, tokens["justice", R.SPECIALIST], page=page)
    assert error(response, 422)["fields"] == {"page": "invalid"}


@pytest.mark.parametrize("path", ["/dossiers", "/procedures"])
def test_the_last_allowed_page_is_empty_not_an_error(api, tokens, path):
    response = api.get(path, tokens["justice", R.SPECIALIST], page=10_000, page_size=100)
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize("value", [2**63, 10**30, 0, -1])
def test_ids_beyond_the_database_range_are_422(api, province, tokens, desk, dossier, value):
    before = counts()
    response = api.post("/dossiers", dossier_body(province, desk=value), desk, key="k-id")
    assert error(response, 422)["fields"] == {"desk": "invalid"}
    path = f"/dossiers/{dossier['code']}/documents/{value}/file"
    assert error(api.get(path, desk), 422)["fields"] == {"document_id": "invalid"}
    assert counts() == before


# --- Characters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x01", "\x1b[31m", "\x7f", "\x85", "\ud800"])
def test_control_characters_in_any_text_field_are_refused_and_write_nothing(
    api, province, desk, bad
):
    cases = [
        dossier_body(province, applicant={**APPLICANT, "full_name": f"Nguyễn{bad}"}),
        dossier_body(province, procedure=province.procedure.code + bad),
        dossier_body(province, agency=bad),
        dossier_body(province, documents=[{"name": bad, "copies": 1}]),
        {**dossier_body(province), bad: "x"},
    ]
    for n, body in enumerate(cases):
        before = counts()
        response = api.post("/dossiers", body, desk, key=f"nul-{n}")
        assert error(response, 400)["code"] == "invalid_characters", body
        assert counts() == before


def test_the_refusal_names_the_field(api, province, desk):
    body = dossier_body(province, applicant={**APPLICANT, "address": "Phủ Lý\x00"})
    failure = error(api.post("/dossiers", body, desk, key="k"), 400)
    assert failure["fields"] == {"applicant.address": "invalid"}
    assert failure["message"] and failure["field_messages"]["applicant.address"]


@pytest.mark.parametrize(
    "path, params",
    [
        ("/procedures", {"q": "hộ\x00tịch"}),
        ("/procedures/1.000\x00", {}),
        ("/dossiers", {"procedure": "\x00"}),
        ("/dossiers/ABC\x00", {}),
        ("/dossiers", {"agency\x00": "x"}),
    ],
)
def test_control_characters_in_the_path_or_query_are_400(api, desk, path, params):
    assert error(api.get(path, desk, **params), 400)["code"] == "invalid_characters"


def test_actions_with_control_characters_change_nothing(api, tokens, dossier):
    before = counts()
    for body in ({"comment": "\x00"}, {"to_user": "justice.specialist\x00"}, {"result": "\x08"}):
        response = api.post(
            f"/dossiers/{dossier['code']}/actions/forward", body, tokens["justice", R.DESK_OFFICER]
        )
        assert error(response, 400)["code"] == "invalid_characters"
    assert counts() == before


@pytest.mark.parametrize("header", ["Authorization", "Idempotency-Key"])
def test_control_characters_in_headers_are_not_sent_to_the_database(api, province, desk, header):
    headers = {"Authorization": f"Bearer {desk}", "Idempotency-Key": "k"}
    headers[header] = headers[header][:-1] + "\x00"
    response = api.client.post(
        "/api/v1/dossiers",
        dossier_body(province),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code in (400, 401) and response.json()["error"]["code"]
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    "long_name",
    [
        "Tờ khai đăng ký " * 13 + ".pdf",  # 212 characters, 277 bytes
        # Chữ Nôm (4 bytes each in UTF-8): 84 characters, 324 bytes: once a 500
        # (the storage shortens names to 100 characters, not to 255 bytes).
        "𡨸喃" * 40 + ".pdf",
    ],
)
def test_a_file_name_over_255_bytes_is_shortened_keeping_its_extension(
    api, province, desk, media, long_name
):
    assert len(long_name) <= 255 < len(long_name.encode())
    body = dossier_body(province)
    body["documents"][0].update(file_name=long_name, content_base64=base64.b64encode(PDF).decode())
    response = api.post("/dossiers", body, desk, key="long")
    assert response.status_code == 201, response.content
    (stored,) = stored_files(media)
    assert stored.name.endswith(".pdf") and len(stored.name.encode()) <= MAX_FILE_NAME_BYTES
    assert stored.read_bytes() == PDF


def test_a_file_name_over_255_characters_is_422(api, province, desk):
    body = dossier_body(province)
    body["documents"][0].update(
        file_name="a" * 300 + ".pdf", content_base64=base64.b64encode(PDF).decode()
    )
    response = api.post("/dossiers", body, desk, key="k")
    assert error(response, 422)["fields"] == {"documents.0.file_name": "invalid"}


@pytest.mark.parametrize(
    "body", ["{not json", "[" * 100_000, '{"procedure": "\\ud800"}', "\x00", '"' + "a" * 10_000]
)
def test_unreadable_bodies_are_400_json(api, desk, body):
    before = counts()
    response = api.client.post(
        "/api/v1/dossiers",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {desk}", "Idempotency-Key": "k"},
    )
    assert error(response, 400)["code"] in ("invalid", "invalid_characters")
    assert counts() == before


@pytest.mark.parametrize("body", [[], "x", 1, None, {"procedure": 1}, {"applicant": []}])
def test_bodies_of_the_wrong_type_are_422(api, desk, body):
    before = counts()
    assert error(api.post("/dossiers", body, desk, key="k"), 422)["code"] == "invalid"
    assert counts() == before


# --- Body size --------------------------------------------------------------------------------


def test_a_body_of_several_megabytes_is_accepted(api, province, desk, media):
    """Files travel as base64 in JSON: a 3 MB file makes a 4 MB body (once an HTML 400)."""
    content = PDF + b"0" * (3 * 1024 * 1024)
    body = dossier_body(province)
    body["documents"][0].update(
        file_name="scan.pdf", content_base64=base64.b64encode(content).decode()
    )
    response = api.post("/dossiers", body, desk, key="big")
    assert response.status_code == 201, response.content[:300]
    assert stored_files(media)[0].stat().st_size == len(content)


def test_the_documented_upload_limit_fits_in_a_body(settings):
    per_file = -(-settings.MOTCUA["UPLOAD_MAX_BYTES"] // 3) * 4  # base64 of the largest file
    assert settings.API_FILES_PER_REQUEST * per_file <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_body_over_the_limit_is_a_json_413_and_writes_nothing(api, province, desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = dossier_body(province)
    body["documents"][0].update(
        file_name="scan.pdf", content_base64=base64.b64encode(PDF + b"0" * 800_000).decode()
    )
    before = counts()
    failure = error(api.post("/dossiers", body, desk, key="huge"), 413)
    assert failure["code"] == "too_large" and "1 MB" in failure["message"]
    assert counts() == before


def test_a_file_over_the_upload_limit_is_422_naming_it(api, province, desk, settings):
    settings.MOTCUA = {**settings.MOTCUA, "UPLOAD_MAX_BYTES": 1024}
    body = dossier_body(province)
    body["documents"][0].update(
        file_name="scan.pdf", content_base64=base64.b64encode(PDF + b"0" * 2048).decode()
    )
    failure = error(api.post("/dossiers", body, desk, key="k"), 422)
    assert "scan.pdf" in failure["message"]
    assert not Dossier.objects.exists()


# --- Idempotency --------------------------------------------------------------------------------


def test_the_same_key_with_another_body_is_a_conflict(api, province, desk):
    first = api.post("/dossiers", dossier_body(province), desk, key="k")
    assert first.status_code == 201
    other = dossier_body(province, applicant={**APPLICANT, "full_name": "Trần Thị Bình"})
    assert error(api.post("/dossiers", other, desk, key="k"), 409)["code"] == "conflict"
    assert Dossier.objects.count() == 1 and Applicant.objects.count() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(api, province, desk):
    body = dossier_body(province)
    first = api.post("/dossiers", body, desk, key="k")
    reordered = dict(reversed(list(body.items())))
    reordered["applicant"] = dict(reversed(list(body["applicant"].items())))
    again = api.post("/dossiers", reordered, desk, key="k")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]


def test_the_openapi_document_marks_the_key_required(api):
    schema = api.get("/openapi.json").json()
    (parameter,) = [
        p for p in schema["paths"]["/api/v1/dossiers"]["post"]["parameters"] if p["in"] == "header"
    ]
    assert parameter["name"] == "Idempotency-Key" and parameter["required"] is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_key_and_different_bodies_make_one_dossier(province, tokens):
    """Four requests race with one key and four bodies: one creates, three get 409."""
    token = tokens["justice", R.DESK_OFFICER]
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]
    bodies = [dossier_body(province, applicant={**APPLICANT, "full_name": n}) for n in names]
    barrier, statuses = threading.Barrier(len(bodies)), []

    def post(body):
        try:
            client = Api()
            barrier.wait(timeout=30)
            statuses.append(client.post("/dossiers", body, token, key="race").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(statuses) == [201, 409, 409, 409]
    assert Dossier.objects.count() == 1 and DossierEvent.objects.count() == 1
    assert Applicant.objects.count() == 1


# --- Permission before any write --------------------------------------------------------------


@pytest.mark.parametrize(
    "who, narrowed",
    [
        ((R.SPECIALIST, "justice"), None),  # no RECEIVE at the counter
        ((R.DESK_OFFICER, "health"), None),  # another agency's officer at Justice's desk
        ((R.LEADER, "justice"), None),
        ((R.DESK_OFFICER, "justice"), "health"),  # a token narrowed to another agency
    ],
)
def test_a_refused_create_writes_no_row_and_no_file(api, province, media, who, narrowed):
    from motcua.api.tests.factories import make_token

    role, agency = who
    officer = province.officer(agency, role)
    token = make_token(officer, *([getattr(province, narrowed)] if narrowed else []))
    body = dossier_body(province)
    body["documents"][0].update(
        file_name="to-khai.pdf", content_base64=base64.b64encode(PDF).decode()
    )
    before = counts()
    assert error(api.post("/dossiers", body, token, key="k"), 403)["code"] == "not_allowed"
    assert counts() == before
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "role, action, body",
    [
        (R.SPECIALIST, "return_result", {}),
        (R.DESK_OFFICER, "approve", {}),
        (R.DESK_OFFICER, "apologise", {"new_due_at": "2030-01-01T00:00:00+07:00"}),
        (R.SPECIALIST, "refuse", {"comment": "Không đủ điều kiện"}),
    ],
)
def test_a_refused_action_writes_no_row_and_no_file(
    api, province, tokens, dossier, media, role, action, body
):
    attached = {
        "name": "Ảnh",
        "file_name": "anh.pdf",
        "content_base64": base64.b64encode(PDF).decode(),
    }
    before, files = counts(), stored_files(media)
    response = api.post(
        f"/dossiers/{dossier['code']}/actions/{action}",
        {**body, "documents": [attached]},
        tokens["justice", role],
    )
    assert error(response, 403)["code"] == "not_allowed"
    assert counts() == before and stored_files(media) == files


def test_a_token_of_another_agency_gets_404_and_writes_nothing(api, tokens, dossier):
    before = counts()
    response = api.post(
        f"/dossiers/{dossier['code']}/actions/forward", {}, tokens["health", R.LEADER]
    )
    assert error(response, 404)["code"] == "not_found"
    assert counts() == before


# --- The OpenAPI document lists the errors --------------------------------------------------

EXPECTED_ERRORS = {
    ("/api/v1/dossiers", "post"): {400, 401, 403, 409, 413, 422},
    ("/api/v1/dossiers", "get"): {400, 401, 422},
    ("/api/v1/dossiers/{code}", "get"): {400, 401, 404},
    ("/api/v1/dossiers/{code}/actions/{action}", "post"): {400, 401, 403, 404, 409, 413, 422},
    ("/api/v1/dossiers/{code}/documents/{document_id}/file", "get"): {400, 401, 404, 422},
    ("/api/v1/dossiers/{code}/events", "get"): {400, 401, 404},
    ("/api/v1/procedures", "get"): {400, 422},
    ("/api/v1/procedures/{code}", "get"): {400, 404},
}


def test_every_operation_documents_its_errors_with_the_error_shape(api):
    schema = api.get("/openapi.json").json()
    operations = {
        (path, method): op for path, ops in schema["paths"].items() for method, op in ops.items()
    }
    assert set(operations) == set(EXPECTED_ERRORS)
    for where, op in operations.items():
        errors = {int(s) for s in op["responses"] if int(s) >= 400}
        assert errors == EXPECTED_ERRORS[where], where
        for status in errors:
            response = op["responses"][str(status)]
            assert response["description"] not in ("", "Unknown Status Code")
            content = response["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/ErrorOut"}, where
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "fields", "field_messages"} <= set(detail["properties"])
    assert {"invalid_characters", "too_large"} <= set(detail["properties"]["code"]["enum"])


def test_an_api_refusal_leaves_an_audit_row(api, province, tokens):
    from motcua.core.models import AuditEvent
    from motcua.dossiers.tests.factories import receive_at_counter

    dossier = receive_at_counter(province)
    token = tokens["justice", "specialist"]  # the desk's step is not the specialist's
    before = AuditEvent.objects.filter(action="permission.refused").count()
    response = api.post(f"/dossiers/{dossier.code}/actions/forward", {}, token)
    assert response.status_code == 403
    refused = AuditEvent.objects.filter(action="permission.refused")
    assert refused.count() == before + 1
    assert refused.order_by("-id").first().actor == province.officer("justice", "specialist")
