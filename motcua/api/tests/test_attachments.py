"""Files attached through the API: base64 in the JSON body, checked like the desk's scans,
read back only by tokens that see the dossier."""

import base64

import pytest

from motcua.api.tests.factories import dossier_body
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.tests.factories import EXE, JPEG, PDF
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
R = Role


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def with_file(province, name, content, index=0) -> dict:
    body = dossier_body(province)
    body["documents"][index].update(
        file_name=name, content_base64=base64.b64encode(content).decode()
    )
    return body


def test_a_dossier_created_with_a_file_serves_it_to_those_who_see_it(api, province, tokens):
    token = tokens["justice", R.DESK_OFFICER]
    response = api.post("/dossiers", with_file(province, "to-khai.pdf", PDF), token, key="f-1")
    assert response.status_code == 201, response.content
    document = response.json()["documents"][0]
    code = response.json()["code"]
    assert document["file"] == f"/api/v1/dossiers/{code}/documents/{document['id']}/file"
    assert (document["content_type"], document["size"]) == ("application/pdf", len(PDF))
    assert response.json()["documents"][1]["file"] is None
    path = document["file"].removeprefix("/api/v1")
    served = api.get(path, tokens["justice", R.SPECIALIST])
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == PDF
    assert api.get(path, tokens["health", R.LEADER]).json()["error"]["code"] == "not_found"
    assert api.get(path).status_code == 401


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("to-khai.pdf", EXE, "không phải là tệp .pdf thật"),
        ("virus.exe", EXE, "không được chấp nhận"),
    ],
)
def test_a_bad_file_is_a_structured_error_and_creates_nothing(
    api, province, tokens, media, name, content, says
):
    token = tokens["justice", R.DESK_OFFICER]
    response = api.post("/dossiers", with_file(province, name, content), token, key="f-2")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert says in response.json()["error"]["message"]
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_content_that_is_not_base64_names_the_field(api, province, tokens):
    body = dossier_body(province)
    body["documents"][1].update(file_name="anh.jpg", content_base64="không phải base64!")
    response = api.post("/dossiers", body, tokens["justice", R.DESK_OFFICER], key="f-3")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"documents.1.content_base64": "invalid"}
    assert not Dossier.objects.exists()


def test_a_supplement_through_the_api_carries_its_file(api, province, tokens):
    desk, specialist = tokens["justice", R.DESK_OFFICER], tokens["justice", R.SPECIALIST]
    code = api.post("/dossiers", dossier_body(province), desk, key="f-4").json()["code"]
    for token, action, body in (
        (desk, "forward", {}),
        (specialist, "request_supplement", {"comment": "Thiếu ảnh chân dung"}),
    ):
        assert api.post(f"/dossiers/{code}/actions/{action}", body, token).status_code == 200
    photo = {
        "name": "Ảnh chân dung",
        "file_name": "anh.jpg",
        "content_base64": base64.b64encode(JPEG).decode(),
    }
    response = api.post(f"/dossiers/{code}/actions/supplement", {"documents": [photo]}, desk)
    assert response.status_code == 200, response.content
    added = response.json()["documents"][-1]
    assert (added["name"], added["content_type"]) == ("Ảnh chân dung", "image/jpeg")
