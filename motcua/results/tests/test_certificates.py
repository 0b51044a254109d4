"""`motcua certificates demo` (the demo root CA, time-stamping authority and a certificate per
agency, keys 0600), real certificates configured by path with a password from the
environment, and the `motcua results` command."""

import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command
from django.utils import translation

from motcua.results import certificates, keys, verification
from motcua.results import services as results
from motcua.results.models import ResultDocument, Status
from motcua.results.tests.conftest import PROVINCE, at_leader, complete

pytestmark = pytest.mark.django_db


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def empty_dir(settings, tmp_path):
    folder = tmp_path / "certificates"
    settings.RESULTS = {**settings.RESULTS, "CERTIFICATES_DIR": folder, "DEMO_CERTIFICATES": True}
    return folder


def test_the_demo_command_creates_the_authority_and_a_certificate_per_agency(
    empty_dir, province, capsys
):
    call_command("certificates", "demo")
    assert "root CA" in capsys.readouterr().out
    root = x509.load_pem_x509_certificate((empty_dir / certificates.ROOT_CERT).read_bytes())
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for agency in (province.center, province.justice, province.health):
        path = certificates.agency_file(empty_dir, agency.code)
        material = certificates.load_key_file(path)
        assert material.certificate.issuer == root.subject
        assert agency.name in material.certificate.subject.rfc4514_string()
        usage = material.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment  # non-repudiation
        assert mode(path) == 0o600
    assert mode(empty_dir / certificates.ROOT_KEY) == 0o600
    assert mode(empty_dir / certificates.TSA_FILE) == 0o600
    assert mode(empty_dir) == 0o700
    assert mode(empty_dir / certificates.AGENCIES) == 0o700
    # Run again (make demo does each time): nothing new, the same keys.
    before = certificates.agency_file(empty_dir, province.justice.code).read_bytes()
    call_command("certificates", "demo")
    assert "nothing new" in capsys.readouterr().out
    assert certificates.agency_file(empty_dir, province.justice.code).read_bytes() == before


def test_a_long_agency_name_is_kept_whole_in_the_organisation(certs, province):
    province.health.name = "Phòng Tài nguyên và Môi trường Thành phố Phủ Lý, tỉnh Hà Nam"
    province.health.save()
    material, _source = keys.key_material(province.health)
    subject = material.certificate.subject
    common = subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    organisation = subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value
    assert organisation == province.health.name
    assert len(common.encode()) <= 64 and common.startswith("Phòng Tài nguyên và Môi")


def test_the_demo_command_for_named_agencies(empty_dir, province, capsys):
    call_command("certificates", "demo", "--agency", province.justice.code)
    assert certificates.agency_file(empty_dir, province.justice.code).exists()
    assert not certificates.agency_file(empty_dir, province.health.code).exists()
    with pytest.raises(CommandError, match="No agency with the code NOPE"):
        call_command("certificates", "demo", "--agency", "NOPE")


def test_the_demo_command_is_refused_without_demo_certificates(settings, tmp_path):
    settings.RESULTS = {**settings.RESULTS, "DEMO_CERTIFICATES": False}
    with pytest.raises(CommandError, match="Demo certificates are off"):
        call_command("certificates", "demo")


def test_an_agency_certificate_is_issued_on_demand_once_the_demo_ca_exists(certs, province):
    path = certificates.agency_file(certs, province.health.code)
    assert not path.exists()
    material, source = keys.key_material(province.health)
    assert source == str(path) and mode(path) == 0o600
    assert material.certificate.subject.rfc4514_string().startswith("CN=Sở Y tế")


def external_p12(tmp_path, password: bytes):
    """A certificate of another authority, delivered as PKCS#12 as Vietnamese CAs do."""
    folder = tmp_path / "external"
    certificates.ensure_demo_root(folder, PROVINCE)
    certificates.ensure_agency(folder, "STP", "Sở Tư pháp tỉnh Hà Nam", PROVINCE)
    material = certificates.load_key_file(certificates.agency_file(folder, "STP"))
    path = tmp_path / "stp.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"stp",
            material.key,
            material.certificate,
            list(material.chain),
            serialization.BestAvailableEncryption(password),
        )
    )
    return path, folder / certificates.ROOT_CERT


def test_a_real_certificate_by_path_with_its_password_from_the_environment(
    province, certs, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    p12, root = external_p12(tmp_path, b"mat-khau-that")
    settings.RESULTS = {
        **settings.RESULTS,
        "SIGNING_CERTIFICATES": {province.justice.code: str(p12)},
        "TRUST_ANCHORS": [str(root)],
    }
    monkeypatch.setenv("MOTCUA_SIGNING_KEY_PASSWORD_000_00_01_H40", "mat-khau-that")
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.status == Status.SIGNED
    assert "Sở Tư pháp tỉnh Hà Nam" in result.certificate_subject
    verdict = verification.verify(result.file.read(), keys.trust_roots())
    assert verdict.valid  # the configured anchor, and the demo's for the time-stamp


def test_a_wrong_or_missing_password_keeps_the_result_waiting_with_the_reason(
    province, certs, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    p12, _root = external_p12(tmp_path, b"mat-khau-that")
    settings.RESULTS = {**settings.RESULTS, "SIGNING_CERTIFICATES": f"default={p12}"}
    monkeypatch.setenv("MOTCUA_SIGNING_KEY_PASSWORD", "sai")
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, dossier)
    result = ResultDocument.objects.get(dossier=dossier)
    assert result.status == Status.PENDING and result.attempts == 1
    assert "wrong password" in result.last_error and "sai" not in result.last_error


def test_the_results_command_signs_a_dossier_and_sweeps_the_pending(
    province, certs, capsys, django_capture_on_commit_callbacks
):
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=False):
        dossier = complete(province, dossier)
    call_command("results", "status")
    assert "pending 1" in capsys.readouterr().out
    call_command("results", "sign", "--pending")
    assert "signed 1" in capsys.readouterr().out
    call_command("results", "sign", dossier.code)
    assert f"{dossier.code}: signed CN=Sở Tư pháp" in capsys.readouterr().out
    assert ResultDocument.objects.count() == 1
    with pytest.raises(CommandError, match="No dossier"):
        call_command("results", "sign", "KHONG-CO")
    open_dossier = at_leader(province)
    with translation.override("en"), pytest.raises(CommandError, match="no result to sign"):
        call_command("results", "sign", open_dossier.code)
    assert not ResultDocument.objects.filter(dossier=open_dossier).exists()
    assert results.sign_due() == {}
