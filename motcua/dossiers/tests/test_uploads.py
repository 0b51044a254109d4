"""Attached files: checked for type, real content and size before anything is stored, and
served only to officers who may see the dossier."""

import io
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
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
def vietnamese():
    # check() runs outside a request: its messages are in the active language, which an
    # earlier test's English request may have left behind.
    with translation.override("vi"):
        yield


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


# --- What is inside: active PDFs, Office packages, legacy OLE files --------------------------


def pdf(*objects: bytes) -> bytes:
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, o) for n, o in enumerate(objects, start=2))
    return PDF.replace(b"trailer", body + b"trailer")


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def object_stream(objects: bytes) -> bytes:
    packed = zlib.compress(b"3 0 " + objects)
    return stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", packed)


ACTIVE_PDFS = {
    "javascript": pdf(b"<< /OpenAction 3 0 R >>", b"<< /S /JavaScript /JS (app.alert(1)) >>"),
    "hex-escaped name": pdf(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    "launch": pdf(b"<< /OpenAction << /S /Launch /F (cmd.exe) >> >>"),
    "attached file": pdf(stream(b"/Type /EmbeddedFile", b"MZ\x90\x00")),
    "attachment list": pdf(b"<< /Names << /EmbeddedFiles 4 0 R >> >>"),
    "script in an object stream": pdf(object_stream(b"<< /S /JavaScript /JS (x) >>")),
}


@pytest.mark.parametrize("kind", ACTIVE_PDFS)
def test_pdfs_with_scripts_actions_or_attachments_are_refused(kind):
    with pytest.raises(uploads.UploadRejected) as rejected:
        uploads.check(upload("don-de-nghi.pdf", ACTIVE_PDFS[kind]))
    assert str(rejected.value) == (
        "“don-de-nghi.pdf” có chứa mã lệnh, thao tác tự động hoặc tệp đính kèm; "
        "hãy in ra thành tệp PDF thông thường rồi đính kèm tệp đó."
    )


@pytest.mark.parametrize(
    "content",
    [
        # a scan: image bytes that happen to hold "/JS " are not a script
        pdf(stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", b"\xff\xd8/JS \x00\xff")),
        # opening at a page is an /OpenAction too, and harmless
        pdf(b"<< /Type /Catalog /OpenAction [3 0 R /Fit] >>", b"<< /Type /Page >>"),
        # a form with fields, compressed in an object stream
        pdf(object_stream(b"<< /FT /Tx /T (ho_ten) /V (Nguyen Van A) >>")),
        # a name that only starts like one of them
        pdf(b"<< /JSON (1) /Launcher 2 >>"),
    ],
)
def test_plain_pdfs_pass(content):
    assert uploads.check(upload("ban-chup.pdf", content)) == "application/pdf"


def office(*names: str, types: bytes = b"<Types/>") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", types)
        for name in names:
            package.writestr(name, b"<x/>")
    return out.getvalue()


DOCX = office("_rels/.rels", "word/document.xml")
MACRO_TYPES = (
    b'<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
)


def test_real_word_documents_pass():
    assert uploads.check(upload("don.docx", DOCX)) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("don.docx", office("word/document.xml", "word/vbaProject.bin"), "có chứa macro"),
        ("bang.xlsx", office("xl/workbook.xml", types=MACRO_TYPES), "có chứa macro"),
        ("don.docx", xlsx(), "không phải là tệp .docx thật"),  # a workbook called .docx
        ("bang.xlsx", DOCX, "không phải là tệp .xlsx thật"),
        ("don.docx", office("word/document.xml")[:-40], "không phải là tệp .docx thật"),  # cut
        ("don.docx", office().replace(b"[Content_Types].xml", b"[Other__Types].xml"), "thật"),
        ("kho-nen.xlsx", office("xl/../../etc/passwd").replace(b"[Content_", b"[Kontent_"), "thật"),
    ],
)
def test_office_files_must_be_real_packages_without_macros(name, content, says):
    with pytest.raises(uploads.UploadRejected) as rejected:
        uploads.check(upload(name, content))
    assert says in str(rejected.value) and name in str(rejected.value)


def ole(*streams: str) -> bytes:
    """A compound file header ([MS-CFB] version 3) and a directory naming `streams`."""
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + b"\x3e\x00\x03\x00\xfe\xff\x09\x00\x06\x00"
    )
    directory = b"".join(
        s.encode("utf-16-le").ljust(128, b"\x00") for s in ("Root Entry", *streams)
    )
    return header.ljust(512, b"\x00") + bytes(512) + directory.ljust(1024, b"\x00")


@pytest.mark.parametrize(
    "name, content",
    [("don.doc", ole("WordDocument", "\x05SummaryInformation")), ("bang.xls", ole("Workbook"))],
)
def test_real_legacy_office_files_pass(name, content):
    assert uploads.check(upload(name, content)).startswith("application/")


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("don.doc", ole("WordDocument", "Macros", "_VBA_PROJECT"), "có chứa macro"),
        ("don.doc", ole("Workbook"), "không phải là tệp .doc thật"),  # a workbook called .doc
        ("cai-dat.doc", ole("\x05DocumentSummaryInformation", "MsiFile"), "thật"),  # an installer
        ("don.doc", ole("WordDocument")[:600], "thật"),  # cut short
        ("bang.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "thật"),  # a signature
    ],
)
def test_legacy_office_files_must_be_real_ole_files_without_macros(name, content, says):
    with pytest.raises(uploads.UploadRejected) as rejected:
        uploads.check(upload(name, content))
    assert says in str(rejected.value) and name in str(rejected.value)


def test_downloads_are_audited_with_the_officer(client, province, media):
    from motcua.core.models import AuditEvent

    first = province.procedure.documents.first()
    desk = province.officer("justice", R.DESK_OFFICER)
    client.force_login(desk)
    url, form = desk_form(province, **{f"file-{first.pk}": upload("to-khai.pdf", PDF)})
    client.post(url, form)
    attached = DossierDocument.objects.exclude(file="").get()
    response = uploads.response(attached, desk, via="test")
    assert b"".join(response.streaming_content) == PDF
    row = AuditEvent.objects.get(action="dossier.file_downloaded")
    assert (row.actor, row.object_type, row.object_id) == (
        desk,
        "dossiers.dossierdocument",
        str(attached.pk),
    )
    assert row.data == {"dossier_id": attached.dossier_id, "via": "test"}
    uploads.response(attached)  # the callers that do not say who still leave a row
    assert AuditEvent.objects.filter(action="dossier.file_downloaded").count() == 2
