"""Demo certificates in a temporary directory (the demo root CA and time-stamping authority
made once per test session, copied per test), uploads in another, and a small province
whose dossier reaches its leader's step."""

import shutil

import pytest

from motcua.dossiers import services
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.results import certificates

PROVINCE = "Tỉnh Hà Nam"


@pytest.fixture(scope="session")
def demo_authority(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authority")
    certificates.ensure_demo_root(folder, PROVINCE)
    certificates.ensure_demo_tsa(folder, PROVINCE)
    return folder


@pytest.fixture
def certs(settings, tmp_path, demo_authority):
    """RESULTS pointed at a copy of the demo authority; nothing real configured."""
    folder = tmp_path / "certificates"
    shutil.copytree(demo_authority, folder)
    settings.RESULTS = {
        **settings.RESULTS,
        "CERTIFICATES_DIR": folder,
        "DEMO_CERTIFICATES": True,
        "SIGNING_CERTIFICATES": "",
        "TRUST_ANCHORS": [],
        "TSA_URL": "",
        "TSA_CERTIFICATE": "",
        "FETCH_REVOCATION": False,
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    return folder


@pytest.fixture
def province(db):
    return make_province()


def at_leader(province):
    """A dossier received now, forwarded to the leader's step."""
    officer = province.officer
    dossier = receive_at_counter(province)
    dossier = services.act(
        dossier,
        Action.FORWARD,
        officer("justice", Role.DESK_OFFICER),
        to_user=officer("justice", Role.SPECIALIST),
    )
    return services.act(
        dossier,
        Action.FORWARD,
        officer("justice", Role.SPECIALIST),
        to_user=officer("justice", Role.LEADER),
    )


def complete(province, dossier, result="Phiếu lý lịch tư pháp số 125/2025"):
    return services.act(
        dossier, Action.COMPLETE, province.officer("justice", Role.LEADER), result=result
    )


@pytest.fixture
def signed(province, certs, django_capture_on_commit_callbacks):
    """A dossier its leader completed now, its result signed by the task after the commit."""
    dossier = at_leader(province)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = complete(province, dossier)
    dossier.refresh_from_db()
    return dossier
