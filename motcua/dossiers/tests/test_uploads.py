"""Attached files: checked for type, real content and size before anything is stored, and
served only to officers who may see the dossier."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from motcua.dossiers import services, uploads
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.tests import factories
from motcua.dossiers.tests.factories import EXE, JPEG, PDF, PNG, make_province, receive_at_counter
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
R = Role


def xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def province():
    return make_province()


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("to-khai.pdf", PDF, "application/pdf"),
        ("CCCD mặt trước.PNG", PNG, "image/png"),
        ("so-ho-khau.jpeg", JPEG, "image/jpeg"),
        (
            "bang-ke.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_real_files_of_accepted_types_pass(name, content, content_type):
    assert uploads.check(upload(name, content)) == content_type


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("cai-dat.exe", EXE, "không được chấp nhận"),
        ("to-khai.pdf", EXE, "không phải là tệp .pdf thật"),  # an executable renamed
        ("anh.png", b"just some text, not an image", "không phải là tệp .png thật"),
        ("trong.pdf", b"", "rỗng"),
        ("khong-duoi", PDF, "không được chấp nhận"),
    ],
)
def test_wrong_type_fake_content_and_empty_files_are_refused_by_name(name, content, says):
    with pytest.raises(uploads.UploadRejected) as rejected:
        uploads.check(upload(name, content))
    assert says in str(rejected.value) and name in str(rejected.value)


def test_too_large_files_are_refused_with_the_limit(settings):
    settings.MOTCUA = {**settings.MOTCUA, "UPLOAD_MAX_BYTES": 1024 * 1024}
    big = upload("ban-ve.pdf", PDF + b"0" * (1024 * 1024 + 100_000))
    with pytest.raises(uploads.UploadRejected) as rejected:
        uploads.check(big)
    assert str(rejected.value) == "“ban-ve.pdf” có dung lượng 1.1 MB; mỗi tệp tối đa 1 MB."


def desk_form(province, **files):
    ticked = {f"doc-{d.pk}": "on" for d in province.procedure.documents.all()}
    return factories.desk_form(province, **ticked, **files)


def test_the_desk_attaches_scans_and_only_officers_who_see_the_dossier_open_them(
    client, province, media
):
    first = province.procedure.documents.first()
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    url, form = desk_form(province, **{f"file-{first.pk}": upload("to-khai.pdf", PDF)})
    assert client.post(url, form).status_code == 302
    dossier = Dossier.objects.get()
    attached = dossier.documents.exclude(file="").get()
    assert (attached.required_document_id, attached.content_type) == (first.pk, "application/pdf")
    assert attached.size == len(PDF)
    link = f"/office/dossiers/{dossier.code}/documents/{attached.pk}/"
    assert link in client.get(dossier.get_absolute_url()).content.decode()
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(province.officer("health", R.SPECIALIST))  # another agency
    assert client.get(link).status_code == 404
    client.logout()
    assert client.get(link).status_code == 302  # to the login page


def test_a_bad_scan_refuses_the_receipt_and_stores_nothing(client, province, media):
    first = province.procedure.documents.first()
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    url, form = desk_form(province, **{f"file-{first.pk}": upload("to-khai.pdf", EXE)})
    page = client.post(url, form)
    assert page.status_code == 200
    assert "“to-khai.pdf” không phải là tệp .pdf thật." in page.content.decode()
    assert Dossier.objects.count() == 0 and DossierDocument.objects.count() == 0
    assert not any(p.is_file() for p in media.rglob("*"))


def test_a_supplement_with_a_bad_file_changes_nothing(province, media):
    desk = province.officer("justice", R.DESK_OFFICER)
    dossier = receive_at_counter(province)
    dossier = services.act(dossier, Action.FORWARD, desk)
    dossier = services.act(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        province.officer("justice", R.SPECIALIST),
        comment="Thiếu bản chụp CCCD",
    )
    events = dossier.events.count()
    with pytest.raises(services.InvalidFile):
        services.act(
            dossier,
            Action.SUPPLEMENT,
            desk,
            documents=[{"name": "Bản chụp CCCD", "file": upload("cccd.jpg", EXE)}],
        )
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_SUPPLEMENT and dossier.events.count() == events
    services.act(
        dossier,
        Action.SUPPLEMENT,
        desk,
        documents=[{"name": "Bản chụp CCCD", "file": upload("cccd.jpg", JPEG)}],
    )
    assert dossier.documents.get(name="Bản chụp CCCD").content_type == "image/jpeg"
