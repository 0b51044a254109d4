"""A completed dossier gets a PAdES-signed PDF that pyHanko validates against the demo CA;
the row, its number and its audit trail; history replayed is not signed; failures are kept
and retried; the task is idempotent."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
import segno
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from motcua.core.models import AuditEvent
from motcua.dossiers import printing, services
from motcua.dossiers.tests.factories import receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.results import document, keys, links, tasks, verification
from motcua.results import services as results
from motcua.results.models import ResultCounter, ResultDocument, Status
from motcua.results.tests.conftest import at_leader, complete

pytestmark = pytest.mark.django_db


def audit_actions(result):
    return list(
        AuditEvent.objects.filter(object_type="results.resultdocument", object_id=str(result.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_leaders_completion_gives_a_signed_pdf_that_validates_against_the_demo_ca(signed):
    result = ResultDocument.objects.get(dossier=signed)
    assert result.status == Status.SIGNED
    data = result.file.read()
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    roots = [keys.asn1_certificate(c) for c in keys.trust_roots()]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.signing_cert.subject.native["common_name"] == "Sở Tư pháp"


def test_the_row_records_the_file_signer_certificate_and_time(signed, province):
    result = ResultDocument.objects.get(dossier=signed)
    data = result.file.read()
    assert result.sha256 == verification.digest(data) and result.size == len(data)
    assert result.agency == province.justice and result.number == 1
    assert result.year == timezone.localdate().year
    assert result.leader == province.officer("justice", Role.LEADER)
    assert result.issued_at == signed.finished_at
    assert "CN=Sở Tư pháp" in result.certificate_subject
    assert "motcua Demo Root CA" in result.certificate_issuer
    assert result.certificate_serial and result.timestamped
    assert abs(result.signed_at - timezone.now()) < timedelta(minutes=1)
    assert audit_actions(result) == [results.REQUESTED, results.SIGNED]


def test_the_document_is_a_vietnamese_administrative_document_with_a_qr_verification_link(
    province, certs, monkeypatch, django_capture_on_commit_callbacks
):
    contexts = []
    render_document = printing.render_document

    def spy(template, context):
        contexts.append(context)
        return render_document(template, context)

    monkeypatch.setattr(printing, "render_document", spy)
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, dossier, result="Phiếu lý lịch tư pháp số 125")
    (context,) = contexts
    html = printing.render_html(document.TEMPLATE, context)
    for text in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ TƯ PHÁP",
        "Số: 01/KQ-STP",
        dossier.code,
        "Nguyễn Văn An",
        "Phiếu lý lịch tư pháp số 125",
        "Cấp Phiếu lý lịch tư pháp",
        "GIÁM ĐỐC",
        "Ký bởi: Sở Tư pháp",
    ):
        assert text in html, text
    url = context["verify_url"]
    code, token = url.rstrip("/").split("/")[-2:]
    assert code == dossier.code and links.check(code, token) == links.OK
    assert dossier.secret not in url
    assert context["qr"] == segno.make(url, error="m", micro=False).svg_data_uri(
        border=2, omitsize=True, dark="#000", light="#fff"
    )


def test_a_deputy_under_a_delegation_signs_for_the_director(
    province, certs, django_capture_on_commit_callbacks
):
    leader = province.officer("justice", Role.LEADER)
    deputy = province.officer("justice", Role.SPECIALIST)
    now = timezone.now()
    services.delegate(
        leader=leader,
        deputy=deputy,
        agency=province.justice,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    leader.full_name = "Trần Văn Bình"
    leader.save()
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        services.act(dossier, Action.COMPLETE, deputy, result="Phiếu số 7")
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.leader == deputy and result.status == Status.SIGNED
    assert result.on_behalf_of == "Trần Văn Bình" and result.leader_name == str(deputy)
    assert document.signature_titles(result) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]


@pytest.mark.parametrize(
    ("kind", "name", "short_name", "symbol"),
    [
        ("department", "Sở Tư pháp", "", "STP"),
        ("department", "Sở Tài nguyên và Môi trường", "Sở TN&MT", "STNMT"),
        ("department", "Sở Ngoại vụ", "Sở NgV", "SNV"),
        ("department", "Sở Thông tin và Truyền thông", "Sở TT&TT", "STTTT"),
        ("specialist_unit", "Phòng Y tế Thành phố Phủ Lý", "Phòng Y tế", "PYT"),
        ("service_center", "Trung tâm Phục vụ hành chính công", "", "TTPVHCC"),
        ("commune_pc", "UBND phường Quang Trung", "", "UBND"),
        ("district_pc", "UBND Huyện Kim Bảng", "", "UBND"),
    ],
)
def test_the_document_symbol_abbreviates_the_agency(kind, name, short_name, symbol):
    """Nghị định 30/2020, appendix I: the issuing body's initials in capitals."""
    from motcua.org.models import Agency

    agency = Agency(kind=kind, name=name, short_name=short_name, code="000.00.01.H40")
    assert document.agency_symbol(agency) == symbol


def test_numbers_run_per_agency_and_year(province, certs, django_capture_on_commit_callbacks):
    numbers = []
    for _n in range(3):
        dossier = at_leader(province)
        with django_capture_on_commit_callbacks(execute=False):  # numbers come with the row
            complete(province, dossier)
        numbers.append(ResultDocument.objects.get(dossier=dossier).number)
    assert numbers == [1, 2, 3]
    assert ResultCounter.objects.get(agency=province.justice).last == 3


def test_history_recorded_later_is_not_signed_automatically(province, certs):
    """The demo's 2025 traffic and imports replay finishes long past: no result is made."""
    long_ago = timezone.now() - timedelta(days=60)
    officer = province.officer
    dossier = receive_at_counter(province, received_at=long_ago)
    for role, to_role, minutes in (
        (Role.DESK_OFFICER, Role.SPECIALIST, 30),
        (Role.SPECIALIST, Role.LEADER, 60),
    ):
        dossier = services.act(
            dossier,
            Action.FORWARD,
            officer("justice", role),
            to_user=officer("justice", to_role),
            at=long_ago + timedelta(minutes=minutes),
        )
    dossier = services.act(
        dossier,
        Action.COMPLETE,
        officer("justice", Role.LEADER),
        at=long_ago + timedelta(hours=2),
        result="Phiếu số 1",
    )
    assert not ResultDocument.objects.filter(dossier=dossier).exists()
    # … and is signed on request, dated when processing finished.
    result = results.sign_dossier(dossier)
    dossier.refresh_from_db()
    assert result.status == Status.SIGNED and result.issued_at == dossier.finished_at
    assert result.leader == officer("justice", Role.LEADER)


def test_a_rolled_back_completion_leaves_no_result_and_no_number(province, certs, monkeypatch):
    from motcua.stats import facts

    dossier = at_leader(province)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(facts, "follow", broken)
    with pytest.raises(RuntimeError):
        complete(province, dossier)
    assert not ResultDocument.objects.exists()
    assert not ResultCounter.objects.filter(last__gt=0).exists()


def test_the_task_is_idempotent(province, certs, settings, django_capture_on_commit_callbacks):
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=False):
        complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.status == Status.PENDING  # "being signed" until the task runs
    assert tasks.sign_result.call(result.pk) == Status.SIGNED
    first = ResultDocument.objects.get(pk=result.pk)
    assert tasks.sign_result.call(result.pk) == Status.SIGNED  # a retry of a done task
    assert results.sign(result.pk, force=True) == Status.SIGNED
    again = ResultDocument.objects.get(pk=result.pk)
    assert ResultDocument.objects.count() == 1
    assert (again.file.name, again.sha256, again.signed_at) == (
        first.file.name,
        first.sha256,
        first.signed_at,
    )
    assert audit_actions(result).count(results.SIGNED) == 1
    assert len(list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))) == 1


def test_a_second_run_that_loses_the_race_keeps_the_first_file(
    province, certs, django_capture_on_commit_callbacks
):
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=False):
        complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    from motcua.results import signing

    late = signing.produce(results._loaded(result.pk))  # a slower worker's work
    assert results.sign(result.pk) == Status.SIGNED  # the faster one stores first
    stored = ResultDocument.objects.get(pk=result.pk)
    assert results._store(results._loaded(result.pk), late) == Status.SIGNED
    assert ResultDocument.objects.get(pk=result.pk).sha256 == stored.sha256
    assert ResultDocument.objects.get(pk=result.pk).sha256 != verification.digest(late.pdf)


def test_without_a_certificate_the_result_waits_is_retried_then_fails_and_can_be_retried(
    province, certs, settings, django_capture_on_commit_callbacks
):
    settings.RESULTS = {**settings.RESULTS, "DEMO_CERTIFICATES": False, "MAX_ATTEMPTS": 3}
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.status == Status.PENDING and result.attempts == 1
    assert "no signing certificate for agency 000.00.01.H40" in result.last_error
    assert result.next_attempt_at > timezone.now()
    assert results.sign(result.pk) == Status.PENDING  # not due yet: nothing tried
    assert ResultDocument.objects.get(pk=result.pk).attempts == 1
    later = timezone.now() + timedelta(days=1)
    assert results.sign_due(now=later) == {Status.PENDING: 1}
    assert results.sign_due(now=later + timedelta(days=1)) == {Status.FAILED: 1}
    result.refresh_from_db()
    assert result.status == Status.FAILED and result.attempts == 3 and not result.file
    assert results.SIGN_FAILED in audit_actions(result)
    # The certificate is configured; the administrator signs it again.
    settings.RESULTS = {**settings.RESULTS, "DEMO_CERTIFICATES": True}
    result = results.sign_dossier(dossier)
    assert result.status == Status.SIGNED and result.last_error == ""
    assert audit_actions(result)[-2:] == [results.RETRIED, results.SIGNED]


def test_the_applicant_with_an_account_is_told_through_the_outbox(
    province, certs, django_capture_on_commit_callbacks
):
    from motcua.org.models import User
    from motcua.outbox.models import Message

    citizen = User.objects.create_user("citizen.an", email="an@example.vn")
    dossier = at_leader(province)
    dossier.applicant.email = "an@example.vn"
    dossier.applicant.user = citizen
    dossier.applicant.save()
    with django_capture_on_commit_callbacks(execute=False):
        complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    results.sign(result.pk)
    message = Message.objects.get(kind=results.NOTIFIED)
    assert message.recipient == "an@example.vn"
    assert f"/results/{dossier.code}/download/" in message.body
    assert dossier.code in message.subject
    results.sign(result.pk)
    assert Message.objects.filter(kind=results.NOTIFIED).count() == 1
