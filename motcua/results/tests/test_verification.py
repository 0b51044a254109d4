"""The public verification page and `motcua verify`: a signed result is valid and shows its
signer and time; a changed file (one byte, or an incremental update) is not valid; a file
signed by a certificate outside the trust anchors is not trusted; bad uploads and hostile
QR links get a clear answer, never a 500, and nothing is stored."""

import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from motcua.core.models import AuditEvent
from motcua.org.constants import Role
from motcua.results import certificates, keys, links, verification
from motcua.results import services as results
from motcua.results.models import ResultDocument, Status
from motcua.results.tests.conftest import PROVINCE, at_leader, complete

pytestmark = pytest.mark.django_db
VERIFY = "/verify/"


@pytest.fixture
def client(client):
    """The portal in English, so that the assertions read the msgids (the Vietnamese
    catalogue is compiled after the translations are merged)."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture(autouse=True)
def english_commands(settings):
    settings.LANGUAGE_CODE = "en"


def stored(dossier) -> bytes:
    return ResultDocument.objects.get(dossier=dossier).file.read()


def upload(client, data: bytes, name="ket-qua.pdf"):
    return client.post(VERIFY, {"document": SimpleUploadedFile(name, data, "application/pdf")})


def one_byte_changed(data: bytes) -> bytes:
    """A byte inside the signed range flipped (the first range, before the signature)."""
    first = int(re.search(rb"/ByteRange \[0 (\d+)", data)[1])
    position = first // 2
    changed = bytearray(data)
    changed[position] = changed[position] ^ 0x01
    return bytes(changed)


def content_added_later(data: bytes) -> bytes:
    """An incremental update after signing that writes on the page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (DA DUYET) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text(response) -> str:
    return response.content.decode()


# --- Valid -----------------------------------------------------------------------------------


def test_the_page_says_a_signed_result_is_valid_and_shows_signer_and_time(client, signed):
    result = ResultDocument.objects.get(dossier=signed)
    response = upload(client, stored(signed))
    assert response.status_code == 200
    page = text(response)
    assert "The signature is valid" in page
    assert "Sở Tư pháp" in page
    assert f"{timezone.localtime(result.signed_at):%H:%M:%S %d/%m/%Y}" in page
    assert "certified by a time-stamping authority" in page
    assert result.certificate_serial in page
    assert signed.code in page and result.sha256 in page
    assert "Nguyễn V** A*" in page  # the applicant, masked
    # Nothing personal beyond the document's name (masked): no ID number, phone, address.
    for personal in ("035090001234", "0912345678", "Nguyễn Văn An", "Phường Quang Trung"):
        assert personal not in page


def test_the_command_says_the_same_and_exits_0(signed, tmp_path, capsys):
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(stored(signed))
    call_command("verify", str(path))
    out = capsys.readouterr().out
    assert "The signature is valid" in out and "Sở Tư pháp" in out
    result = ResultDocument.objects.get(dossier=signed)
    assert f"{timezone.localtime(result.signed_at):%H:%M:%S %d/%m/%Y}" in out
    assert signed.code in out


def test_nothing_uploaded_is_stored(client, signed, settings):
    before = sorted(Path(settings.MEDIA_ROOT).rglob("*")), ResultDocument.objects.count()
    events = AuditEvent.objects.count()
    upload(client, stored(signed))
    upload(client, b"not a pdf at all")
    assert (sorted(Path(settings.MEDIA_ROOT).rglob("*")), ResultDocument.objects.count()) == before
    assert AuditEvent.objects.count() == events


# --- Not valid ---------------------------------------------------------------------------------


def test_one_byte_changed_after_signing_is_not_valid(client, signed, tmp_path):
    data = one_byte_changed(stored(signed))
    verdict = verification.verify(data, [certificates.demo_root(tmp_path / "certificates")[1]])
    assert verdict.outcome == verification.INVALID
    assert verification.CHANGED in verdict.signature.problems
    response = upload(client, data)
    assert response.status_code == 200
    assert "The signature is NOT valid" in text(response)
    assert "has not issued a file with exactly this content" in text(response)
    path = tmp_path / "changed.pdf"
    path.write_bytes(data)
    with pytest.raises(SystemExit) as exit_:
        call_command("verify", str(path))
    assert exit_.value.code == 1


def test_content_added_by_an_incremental_update_is_not_valid(client, signed, tmp_path):
    data = content_added_later(stored(signed))
    verdict = verification.verify(data, [certificates.demo_root(tmp_path / "certificates")[1]])
    check = verdict.signature
    assert check.intact and check.valid  # the signed revision itself is untouched …
    assert verdict.outcome == verification.INVALID  # … but the page was written on after
    assert verification.UPDATED in check.problems
    page = text(upload(client, data))
    assert "The signature is NOT valid" in page
    assert "changed by an update made after signing" in page


def test_a_result_signed_by_a_certificate_outside_the_trust_anchors_is_not_trusted(
    client, province, certs, settings, tmp_path, django_capture_on_commit_callbacks
):
    other = tmp_path / "elsewhere"
    certificates.ensure_demo_root(other, PROVINCE)
    certificates.ensure_agency(other, "X", "Sở Tư pháp", PROVINCE)
    settings.RESULTS = {
        **settings.RESULTS,
        "SIGNING_CERTIFICATES": f"default={certificates.agency_file(other, 'X')}",
    }
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, dossier)
    data = stored(dossier)
    response = upload(client, data)
    page = text(response)
    assert response.status_code == 200
    assert "certificate is not trusted" in page
    assert "The signature is valid" not in page
    path = tmp_path / "untrusted.pdf"
    path.write_bytes(data)
    with pytest.raises(SystemExit) as exit_:
        call_command("verify", str(path))
    assert exit_.value.code == 1
    # Once its authority is a configured trust anchor, the same file is valid.
    settings.RESULTS = {**settings.RESULTS, "TRUST_ANCHORS": [str(other / certificates.ROOT_CERT)]}
    assert "The signature is valid" in text(upload(client, data))


def test_a_pdf_without_a_signature(client, certs):
    from weasyprint import HTML

    response = upload(client, HTML(string="<p>Kết quả</p>").write_pdf())
    assert response.status_code == 200
    assert "carries no digital signature" in text(response)


# --- Bad uploads: a clear message, never a 500 -------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "ket-qua.pdf", "is not a PDF file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "anh.png", "is not a PDF file"),
        (b"", "trong.pdf", "The file is empty"),
    ],
)
def test_a_non_pdf_or_empty_upload_gets_a_clear_message(client, certs, data, name, message):
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in text(response)


def test_no_file_gets_a_clear_message(client, certs):
    response = client.post(VERIFY, {})
    assert response.status_code == 400
    assert "Choose the PDF file of the result to check" in text(response)


def test_an_oversized_upload_gets_a_clear_message(client, certs, settings):
    settings.RESULTS = {**settings.RESULTS, "VERIFY_MAX_BYTES": 1024 * 1024}
    response = upload(client, b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "files of at most 1 MB can be checked" in text(response)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"\x00\xff" * 5000,  # a header and garbage
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>",
        b"%PDF-1.4\n" + b"[" * 20000,  # deep nesting
        b"%PDF-1.7\nxref\n0 99999999\ntrailer << /Size 99999999 >>\nstartxref\n9\n%%EOF",
    ],
)
def test_damaged_pdfs_are_reported_not_crashed_on(client, certs, data):
    response = upload(client, data)
    assert response.status_code == 200
    assert ("could not be read as a PDF" in text(response)) or (
        "carries no digital signature" in text(response)
    )


# --- The QR link -------------------------------------------------------------------------------


def test_the_qr_link_checks_the_stored_result(client, signed):
    response = client.get(links.path_for(signed.code))
    assert response.status_code == 200
    page = text(response)
    assert "The signature is valid" in page and "Sở Tư pháp" in page
    assert "exactly the file the portal issued" in page
    assert signed.secret not in page and "035090001234" not in page


def test_the_qr_link_of_a_result_being_signed(
    client, province, certs, django_capture_on_commit_callbacks
):
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=False):
        complete(province, dossier)
    response = client.get(links.path_for(dossier.code))
    assert response.status_code == 200
    assert "is being signed" in text(response)


def test_a_stored_file_changed_on_disk_is_reported(client, signed):
    result = ResultDocument.objects.get(dossier=signed)
    path = Path(result.file.path)
    path.write_bytes(one_byte_changed(path.read_bytes()))
    page = text(client.get(links.path_for(signed.code)))
    assert "The signature is NOT valid" in page
    assert "no longer matches" in page


def forged_tokens(code):
    genuine = links.token_for(code)
    stamp, signature = genuine.split(":")
    other = links.token_for(code + "X")
    return [
        f"{stamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # one character off
        other,  # another dossier's token
        f"{stamp}:{'A' * 43}",
        "abc",
        "x" * 5000,
        f"{stamp}:{signature}:{signature}",
        signing.TimestampSigner(salt="another.use").sign(code)[len(code) + 1 :],
    ]


def test_forged_tokens_are_refused_with_a_message(client, signed):
    for token in forged_tokens(signed.code):
        response = client.get(f"/verify/{signed.code}/{token}/")
        assert response.status_code == 404, token
        assert "This verification link is not valid" in text(response)


def test_an_expired_token_is_refused_with_a_message(client, signed, monkeypatch):
    eleven_years_ago = int(time.time()) - 11 * 366 * 86400
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(eleven_years_ago)
    )
    token = links.token_for(signed.code)
    monkeypatch.undo()
    assert links.check(signed.code, token) == links.EXPIRED
    response = client.get(f"/verify/{signed.code}/{token}/")
    assert response.status_code == 410
    assert "has expired" in text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/verify/%00/abc/",
        "/verify/{code}/%00/",
        "/verify/{code}/{token}%00/",
        "/verify/{code}%00/{token}/",
        "/verify/{code}/{token}/?x=%00",
        "/verify/KHONG-CO-HO-SO/{token}/",
        "/verify/" + "9" * 3000 + "/{token}/",
    ],
)
def test_hostile_links_never_give_a_500(client, signed, path):
    token = links.token_for(signed.code)
    response = client.get(path.format(code=signed.code, token=token))
    assert response.status_code in (400, 404)


def test_a_pending_or_unknown_dossier_link_with_a_genuine_token_for_another_code(client, signed):
    """A token is bound to its code: no other dossier opens with it."""
    token = links.token_for(signed.code)
    response = client.get(f"/verify/{signed.code[:-1]}9/{token}/")
    assert response.status_code == 404


def test_the_status_counts_only_what_is_kept(signed):
    assert results.examine(stored(signed)).issued == ResultDocument.objects.get(
        dossier=signed, status=Status.SIGNED
    )


def test_a_certificate_expired_since_is_judged_at_the_time_stamp(
    signed, province, certs, django_capture_on_commit_callbacks
):
    """The agency's demo certificate lasts 3 years; four years on, the time-stamped result is
    still valid, one signed without a time-stamping authority is not trusted any more."""
    four_years_on = timezone.now() + timedelta(days=4 * 366)
    roots = keys.trust_roots()
    stamped = verification.verify(stored(signed), roots, at=four_years_on)
    assert stamped.valid and stamped.signature.timestamped
    (certs / certificates.TSA_FILE).unlink()  # no authority configured any more
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.status == Status.SIGNED and not result.timestamped
    assert verification.verify(stored(dossier), roots).valid  # today: valid
    later = verification.verify(stored(dossier), roots, at=four_years_on)
    assert later.outcome == verification.UNTRUSTED


def test_the_page_is_vietnamese_by_default(signed, settings):
    from django.test import Client

    settings.LANGUAGE_CODE = "vi"  # the project's default (this module reads English)

    page = Client().post(VERIFY, {"document": SimpleUploadedFile("kq.pdf", stored(signed))})
    assert page["Content-Language"] == "vi"
    assert "Xác thực kết quả điện tử" in page.content.decode()
    assert "Chữ ký số hợp lệ" in page.content.decode()


def test_too_many_checks_from_one_client_meet_a_429_others_go_on(client, signed, settings):
    settings.RESULTS = {**settings.RESULTS, "VERIFY_LIMIT_PER_CLIENT": (2, 600)}
    data = stored(signed)
    for _n in range(2):
        assert upload(client, data).status_code == 200
    refused = upload(client, data)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 600
    assert "Too many files checked from your address" in text(refused)
    other = client.post(
        VERIFY,
        {"document": SimpleUploadedFile("kq.pdf", data, "application/pdf")},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 200 and "The signature is valid" in text(other)


def test_a_stored_file_gone_from_disk_is_reported_not_crashed_on(client, signed, province):
    result = ResultDocument.objects.get(dossier=signed)
    Path(result.file.path).unlink()
    page = text(client.get(links.path_for(signed.code)))
    assert "stored copy of this result cannot be read" in page
    client.force_login(province.officer("justice", Role.LEADER))
    assert client.get(f"/results/{signed.code}/download/").status_code == 404
