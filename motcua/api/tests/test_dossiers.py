from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.api.tests.factories import desk_of, dossier_body, make_token
from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers.models import Applicant, Dossier, DossierEvent
from motcua.dossiers.tests.factories import APPLICANT
from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.org.models import User

pytestmark = pytest.mark.django_db
R = Role
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def create(api, province, token, key="key-1", **overrides):
    return api.post("/dossiers", dossier_body(province, **overrides), token, key=key)


def created(api, province, token, key="key-1", **overrides) -> dict:
    response = create(api, province, token, key, **overrides)
    assert response.status_code == 201, response.content
    return response.json()


def error(response, status) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def nothing_created():
    return not Dossier.objects.exists() and not Applicant.objects.exists()


# --- Creation -------------------------------------------------------------------------------


def test_counter_receipt_is_received_with_an_appointment(api, province, tokens):
    body = created(api, province, tokens["justice", R.DESK_OFFICER])
    dossier = Dossier.objects.get()
    assert body["code"] == dossier.code and body["code"].startswith("000.00.01.H40-")
    assert (body["status"], body["channel"]) == ("received", "counter")
    assert body["received_at"] and body["due_at"] == body["deadline_at"]
    assert body["applicant"] == {**APPLICANT, "tax_code": "", "email": ""}
    assert body["received_desk"] == {"id": desk_of(province).pk, "name": desk_of(province).name}
    assert [d["name"] for d in body["documents"]] == ["Tờ khai (theo mẫu)", "Giấy tờ tùy thân"]
    assert body["lookup_secret"] == dossier.secret
    assert "forward" in body["allowed_actions"]
    assert dossier.events.get().actor.username == "justice.desk_officer"


@pytest.mark.parametrize("channel", ["online", "post"])
def test_online_and_postal_dossiers_are_submitted_for_the_desk_to_check(
    api, province, tokens, channel
):
    body = created(api, province, tokens["justice", R.DESK_OFFICER], channel=channel)
    assert (body["status"], body["channel"]) == ("submitted", channel)
    assert body["submitted_at"] and body["received_at"] is None and body["due_at"] is None


def days_ago_at_nine(days: int) -> datetime:
    """A receipt time the API accepts (at most MOTCUA["RECEIPT_BACKDATE_DAYS"] back)."""
    day = timezone.localdate() - timedelta(days=days)
    return datetime(day.year, day.month, day.day, 9, tzinfo=VN)


def test_received_at_may_be_given(api, province, tokens):
    given = days_ago_at_nine(10)
    body = created(api, province, tokens["justice", R.DESK_OFFICER], received_at=given.isoformat())
    assert datetime.fromisoformat(body["received_at"]) == given
    stored = Dossier.objects.get()
    assert stored.received_at == given and stored.due_at > given  # the clock started then
    assert datetime.fromisoformat(body["due_at"]) == stored.due_at


def test_same_idempotency_key_returns_the_first_dossier_and_creates_nothing(api, province, tokens):
    token = tokens["justice", R.DESK_OFFICER]
    first = create(api, province, token, key="req-42")
    again = create(api, province, token, key="req-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Dossier.objects.count() == 1 and DossierEvent.objects.count() == 1

    other = created(api, province, token, key="req-43")
    assert other["code"] != first.json()["code"] and other["code"].endswith("-0002")
    assert Dossier.objects.count() == 2


def test_idempotency_keys_belong_to_the_service_account(api, province, tokens):
    colleague = User.objects.create_user("justice.desk2", password="pw-not-used-123")
    org_services.appoint(colleague, province.justice, R.DESK_OFFICER, desk=desk_of(province))
    mine = created(api, province, tokens["justice", R.DESK_OFFICER], key="same")
    theirs = created(api, province, make_token(colleague), key="same")
    assert mine["code"] != theirs["code"]


def test_same_key_for_another_procedure_is_a_conflict(api, province, tokens):
    token = tokens["justice", R.DESK_OFFICER]
    created(api, province, token, key="k")
    other = make_procedure(agency=province.justice.code)
    response = create(api, province, token, key="k", procedure=other.code, documents=[])
    assert error(response, 409)["code"] == "conflict"
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize("key", [None, "", "   ", "x" * 81])
def test_the_idempotency_key_is_required(api, province, tokens, key):
    response = create(api, province, tokens["justice", R.DESK_OFFICER], key=key)
    expected = "invalid" if key and key.strip() else "required"
    assert error(response, 400)["fields"] == {"Idempotency-Key": expected}
    assert nothing_created()


def test_incomplete_dossier_lists_the_missing_documents_and_creates_nothing(api, province, tokens):
    optional = province.procedure.documents.get(mandatory=False)
    response = create(
        api,
        province,
        tokens["justice", R.DESK_OFFICER],
        documents=[{"required_document": optional.pk, "copies": 1}],
    )
    body = error(response, 422)
    assert body["code"] == "incomplete" and body["message"]
    assert body["missing"] == ["Tờ khai (theo mẫu)"]
    assert nothing_created()


def test_invalid_applicant_gives_field_codes_and_messages(api, province, tokens):
    applicant = {**APPLICANT, "id_number": "12345", "phone": "123", "full_name": " "}
    response = create(api, province, tokens["justice", R.DESK_OFFICER], applicant=applicant)
    body = error(response, 422)
    assert body["code"] == "invalid"
    assert body["fields"] == {
        "applicant.full_name": "required",
        "applicant.id_number": "invalid",
        "applicant.phone": "invalid",
    }
    assert set(body["field_messages"]) == set(body["fields"])
    assert all(body["field_messages"].values())
    assert nothing_created()


@pytest.mark.parametrize(
    "change, fields",
    [
        ({"channel": "fax"}, {"channel": "invalid"}),
        ({"procedure": None}, {"procedure": "required"}),
        ({"procedure": "NO.SUCH"}, {"procedure": "invalid"}),
        ({"desk": 999_999}, {"desk": "invalid"}),
        ({"agency": "NO.SUCH"}, {"agency": "invalid"}),
        ({"applicant": {**APPLICANT, "kind": "robot"}}, {"applicant.kind": "invalid"}),
        (
            {"documents": [{"required_document": 999_999}]},
            {"documents.0.required_document": "invalid"},
        ),
        ({"documents": [{"copies": 1}]}, {"documents.0.name": "required"}),
        ({"documents": [{"name": "x", "copies": -1}]}, {"documents.0.copies": "invalid"}),
        ({"received_at": "2999-01-01T00:00:00+07:00"}, {"received_at": "invalid"}),
    ],
)
def test_invalid_requests_name_the_field_and_create_nothing(api, province, tokens, change, fields):
    body = dossier_body(province, **change)
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/dossiers", body, tokens["justice", R.DESK_OFFICER], key="k")
    assert error(response, 422)["fields"] == fields
    assert nothing_created()


def test_malformed_json_is_refused(api, province, tokens):
    response = api.client.post(
        "/api/v1/dossiers",
        "{not json",
        content_type="application/json",
        headers={
            "Authorization": f"Bearer {tokens['justice', R.DESK_OFFICER]}",
            "Idempotency-Key": "k",
        },
    )
    assert error(response, 400)["fields"] == {"body": "invalid"}


@pytest.mark.parametrize(
    "who",
    [
        ("justice", R.SPECIALIST),  # no RECEIVE at the counter
        ("health", R.DESK_OFFICER),  # another agency's desk officer at Justice's desk
    ],
)
def test_counter_receipt_needs_the_receive_permission_there(api, province, tokens, who):
    response = create(api, province, tokens[who])
    assert error(response, 403)["code"] == "not_allowed"
    assert nothing_created()


def test_a_narrowed_token_may_not_create_outside_its_agencies(api, province):
    officer = province.officer("justice", R.DESK_OFFICER)
    response = create(api, province, make_token(officer, province.health))
    assert error(response, 403)["code"] == "not_allowed"
    assert nothing_created()


# --- Seeing ---------------------------------------------------------------------------------


@pytest.fixture
def dossier(api, province, tokens) -> dict:
    return created(api, province, tokens["justice", R.DESK_OFFICER])


def test_other_agencies_see_nothing_and_get_404(api, province, tokens, dossier):
    token = tokens["health", R.LEADER]
    code = dossier["code"]
    assert api.get("/dossiers", token).json()["items"] == []
    for response in (
        api.get(f"/dossiers/{code}", token),
        api.get(f"/dossiers/{code}/events", token),
        api.post(f"/dossiers/{code}/actions/approve", {}, token),
        api.get("/dossiers/000.00.01.H40-000101-9999", token),  # same answer as a missing one
    ):
        assert error(response, 404)["code"] == "not_found"
    assert Dossier.objects.get().events.count() == 1


def test_token_agencies_narrow_what_the_account_sees(api, province, dossier):
    both = User.objects.create_user("system.both", password="pw-not-used-123")
    org_services.appoint(both, province.justice, R.SPECIALIST)
    org_services.appoint(both, province.health, R.SPECIALIST)
    wide, health_only = make_token(both), make_token(both, province.health)
    assert [d["code"] for d in api.get("/dossiers", wide).json()["items"]] == [dossier["code"]]
    assert api.get("/dossiers", health_only).json()["items"] == []
    assert api.get(f"/dossiers/{dossier['code']}", health_only).status_code == 404


def test_a_narrowed_token_acts_only_where_the_dossier_is_at_its_agencies(
    api, province, tokens, dossier
):
    code = dossier["code"]
    o = tokens["justice", R.DESK_OFFICER], tokens["justice", R.SPECIALIST]
    api.post(f"/dossiers/{code}/actions/forward", {}, o[0])  # to the specialist's step
    handed = api.post(f"/dossiers/{code}/actions/hand_over", {"to_agency": "000.00.02.H40"}, o[1])
    assert handed.status_code == 200, handed.content
    assert handed.json()["current_agency"]["code"] == province.health.code
    # A leader in both departments, with a token narrowed to Justice: it still sees the
    # dossier (Justice performs it) but may not act on it while it is at Health.
    both = User.objects.create_user("system.both", password="pw-not-used-123")
    org_services.appoint(both, province.justice, R.LEADER)
    org_services.appoint(both, province.health, R.LEADER)
    justice_only, wide = make_token(both, province.justice), make_token(both)
    detail = api.get(f"/dossiers/{code}", justice_only).json()
    assert detail["allowed_actions"] == []
    response = api.post(f"/dossiers/{code}/actions/hand_back", {}, justice_only)
    assert error(response, 403)["code"] == "not_allowed"
    assert "hand_back" in api.get(f"/dossiers/{code}", wide).json()["allowed_actions"]
    back = api.post(f"/dossiers/{code}/actions/hand_back", {}, wide)
    assert back.json()["current_agency"]["code"] == province.justice.code


def test_a_province_wide_supervisor_sees_everything_but_may_not_act(api, province, dossier):
    token = make_token(province.officer("center", R.SUPERVISOR))
    assert [d["code"] for d in api.get("/dossiers", token).json()["items"]] == [dossier["code"]]
    assert api.get(f"/dossiers/{dossier['code']}", token).json()["allowed_actions"] == []
    response = api.post(f"/dossiers/{dossier['code']}/actions/forward", {}, token)
    assert error(response, 403)["code"] == "not_allowed"
    assert Dossier.objects.get().events.count() == 1


def test_list_masks_the_id_number_and_detail_shows_it(api, province, tokens, dossier):
    token = tokens["justice", R.SPECIALIST]
    (item,) = api.get("/dossiers", token).json()["items"]
    assert item["applicant"] == {"full_name": "Nguyễn Văn An", "id_number": "*********234"}
    assert item["procedure"]["code"] == province.procedure.code
    detail = api.get(f"/dossiers/{dossier['code']}", token).json()
    assert detail["applicant"]["id_number"] == "035090001234"
    assert detail["applicant"]["phone"] == "0912345678"


def test_one_list_page_is_one_query_for_the_dossiers(
    api, province, tokens, django_assert_max_num_queries
):
    token = tokens["justice", R.DESK_OFFICER]
    for n in range(6):
        created(api, province, token, key=f"k{n}")
    api.get("/dossiers", token)  # notes the token's use
    with django_assert_max_num_queries(6) as captured:
        response = api.get("/dossiers", token, page_size=5)
    body = response.json()
    assert (len(body["items"]), body["has_next"]) == (5, True)
    dossier_queries = [q for q in captured.captured_queries if "dossiers_dossier" in q["sql"]]
    assert len(dossier_queries) == 1


def test_list_filters(api, province, tokens):
    token = tokens["justice", R.DESK_OFFICER]
    received = days_ago_at_nine(25)  # 5 working days: overdue by now
    old = created(api, province, token, key="old", received_at=received.isoformat())
    new = created(api, province, token, key="new")
    online = created(api, province, token, key="online", channel="online")

    def codes(**params):
        response = api.get("/dossiers", token, **params)
        assert response.status_code == 200, response.content
        return {d["code"] for d in response.json()["items"]}

    today = timezone.localdate().isoformat()
    assert codes() == {old["code"], new["code"], online["code"]}
    assert codes(status="submitted") == {online["code"]}
    assert codes(overdue="true") == {old["code"]}
    day = received.date().isoformat()
    assert codes(received_from=day, received_to=day) == {old["code"]}
    assert codes(received_from=today) == {new["code"]}
    assert codes(procedure=province.procedure.code) == codes()
    assert codes(procedure="NO.SUCH") == set()
    assert codes(agency=province.justice.code) == codes()
    assert codes(agency=province.health.code) == set()
    assert error(api.get("/dossiers", token, status="lost"), 422)["fields"] == {"status": "invalid"}


# --- Acting ---------------------------------------------------------------------------------

JOURNEY = [
    # (who, action, body, status after)
    (R.DESK_OFFICER, "forward", {"to_user": "justice.specialist"}, "processing"),
    (
        R.SPECIALIST,
        "request_supplement",
        {"comment": "Thiếu bản sao căn cước"},
        "awaiting_supplement",
    ),
    (R.DESK_OFFICER, "supplement", {}, "processing"),
    (R.SPECIALIST, "forward", {"to_user": "justice.leader"}, "processing"),
    # The leader's step is the last before the desk returns the result: the leader signs.
    (R.LEADER, "complete", {"result": "Phiếu lý lịch tư pháp số 123"}, "result_ready"),
    (R.DESK_OFFICER, "return_result", {}, "returned"),
]


def test_a_dossier_walks_its_process_through_the_api(api, province, tokens, dossier):
    code = dossier["code"]
    for role, action, body, status in JOURNEY:
        response = api.post(f"/dossiers/{code}/actions/{action}", body, tokens["justice", role])
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status, action
    final = response.json()
    assert final["result"] == "Phiếu lý lịch tư pháp số 123"
    assert final["timeliness"] in ("early", "on_time") and final["allowed_actions"] == []
    events = api.get(f"/dossiers/{code}/events", tokens["justice", R.SPECIALIST]).json()
    assert [e["action"] for e in events] == ["receive"] + [a for _, a, _, _ in JOURNEY]
    assert events[1]["assignee"] == "justice.specialist"
    assert events[2]["comment"] == "Thiếu bản sao căn cước"
    assert [e["to_status"] for e in events][-1] == "returned"


def test_events_list_the_history(api, province, tokens, dossier):
    code = dossier["code"]
    api.post(
        f"/dossiers/{code}/actions/forward",
        {"to_user": "justice.specialist"},
        tokens["justice", R.DESK_OFFICER],
    )
    first, second = api.get(f"/dossiers/{code}/events", tokens["justice", R.LEADER]).json()
    assert (first["action"], first["from_status"], first["to_status"]) == (
        "receive",
        "",
        "received",
    )
    assert (second["action"], second["from_status"], second["to_status"]) == (
        "forward",
        "received",
        "processing",
    )
    assert second["actor"] == "justice.desk_officer" and second["step"] == "Thẩm định hồ sơ"
    assert second["agency"] == province.justice.code and second["action_label"]


@pytest.mark.parametrize(
    "role, action, body, status, code",
    [
        (R.DESK_OFFICER, "return_result", {}, 409, "illegal_transition"),
        (R.DESK_OFFICER, "supplement", {}, 409, "illegal_transition"),
        (R.SPECIALIST, "return_result", {}, 403, "not_allowed"),
        (R.DESK_OFFICER, "approve", {}, 403, "not_allowed"),
        (R.LEADER, "refuse", {"comment": " "}, 422, "invalid"),
        (R.DESK_OFFICER, "refuse", {"comment": "Không đủ điều kiện"}, 403, "not_allowed"),
        (R.DESK_OFFICER, "forward", {"to_user": "nobody"}, 422, "invalid"),
        (R.DESK_OFFICER, "hand_over", {"to_agency": "NO.SUCH"}, 403, "not_allowed"),
        (R.DESK_OFFICER, "teleport", {}, 400, "invalid"),
    ],
)
def test_refused_actions_change_nothing(
    api, province, tokens, dossier, role, action, body, status, code
):
    response = api.post(
        f"/dossiers/{dossier['code']}/actions/{action}", body, tokens["justice", role]
    )
    failure = error(response, status)
    assert failure["code"] == code and failure["message"]
    stored = Dossier.objects.get()
    assert stored.status == "received" and stored.events.count() == 1
    after = api.get(f"/dossiers/{dossier['code']}", tokens["justice", R.DESK_OFFICER]).json()
    assert after == dossier


def test_an_unknown_agency_to_hand_over_to_is_invalid(api, province, tokens, dossier):
    code = dossier["code"]
    api.post(f"/dossiers/{code}/actions/forward", {}, tokens["justice", R.DESK_OFFICER])
    before = Dossier.objects.get().events.count()
    response = api.post(
        f"/dossiers/{code}/actions/hand_over",
        {"to_agency": "NO.SUCH"},
        tokens["justice", R.SPECIALIST],
    )
    assert error(response, 422)["fields"] == {"to_agency": "invalid"}
    assert Dossier.objects.get().events.count() == before


def test_apology_takes_a_new_appointment(api, province, tokens, dossier):
    code = dossier["code"]
    new_due = (datetime.fromisoformat(dossier["due_at"]) + timedelta(days=3)).astimezone(VN)
    response = api.post(
        f"/dossiers/{code}/actions/apologise",
        {"comment": "Chờ xác minh", "new_due_at": new_due.isoformat()},
        tokens["justice", R.LEADER],
    )
    assert response.status_code == 200, response.content
    assert datetime.fromisoformat(response.json()["due_at"]) == new_due
    assert response.json()["deadline_at"] == dossier["deadline_at"]
