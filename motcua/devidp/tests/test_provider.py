"""The development identity provider as a relying party sees it over HTTP, its sign-in
page, and that it exists only where it should (never in production)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from oauth2_provider.models import get_application_model

from motcua.accounts.models import Account
from motcua.accounts.tests.oidc_helpers import sign_in, use_provider
from motcua.devidp import keys
from motcua.devidp.demo import DEMO_PASSWORD, IDENTITIES
from motcua.devidp.models import Identity
from motcua.devidp.services import setup

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def idp(live_server, settings, transactional_db):
    return use_provider(settings, live_server.url)


def test_discovery_and_keys_over_http(idp):
    config = requests.get(f"{idp.issuer}/.well-known/openid-configuration").json()
    assert config["issuer"] == idp.issuer
    assert config["authorization_endpoint"] == f"{idp.issuer}/authorize/"
    assert config["token_endpoint"] == f"{idp.issuer}/token/"
    assert config["userinfo_endpoint"] == f"{idp.issuer}/userinfo/"
    assert config["jwks_uri"] == f"{idp.issuer}/.well-known/jwks.json"
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert {"id_number", "tax_code", "identity_level", "birthdate"} <= set(
        config["claims_supported"]
    )
    jwks = requests.get(config["jwks_uri"]).json()
    assert [(k["kty"], k["alg"], k["use"]) for k in jwks["keys"]] == [("RSA", "RS256", "sig")]
    assert "d" not in jwks["keys"][0]  # the public half only


def test_userinfo_needs_a_token(idp):
    assert requests.get(f"{idp.issuer}/userinfo/").status_code == 401
    response = requests.get(
        f"{idp.issuer}/userinfo/", headers={"Authorization": "Bearer forged-token"}
    )
    assert response.status_code == 401


def test_a_provider_releasing_too_little_signs_nobody_in(idp, settings):
    # Without the vneid scope the provider releases no ID number: no account can be made.
    settings.OIDC_RP_SCOPES = "openid profile email"
    _session, response = sign_in(idp.base, "035085001234")
    assert response.status_code == 400
    assert not Account.objects.exists()


def test_a_wrong_client_secret_is_refused_by_the_provider(idp, settings):
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    _session, response = sign_in(idp.base, "035085001234")
    assert response.status_code == 400
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_setup_is_idempotent_and_identities_sign_in_nowhere_else(client):
    call_command("devidp", "setup")
    call_command("devidp", "setup", "--redirect-uri", "http://127.0.0.1:8000/sign-in/callback/")
    assert Identity.objects.count() == len(IDENTITIES) == 5
    assert get_application_model().objects.count() == 1
    kinds = sorted(Identity.objects.values_list("kind", flat=True))
    assert kinds == ["organisation", "person", "person", "person", "person"]
    for identity in Identity.objects.select_related("user"):
        assert not identity.user.has_usable_password()
        assert identity.check_password(DEMO_PASSWORD)
        response = client.post(
            "/accounts/login/", {"username": identity.user.username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200  # the officers' form again: not signed in
    company = Identity.objects.get(kind="organisation")
    assert company.representative_name and len(company.representative_id_number) == 12


@pytest.mark.django_db
def test_the_sign_in_page(client):
    setup(["http://testserver/sign-in/callback/"])
    page = client.get("/dev/idp/sign-in/").content.decode()
    assert "Nguyễn Văn An" in page and "0700812342" in page and DEMO_PASSWORD in page
    wrong = client.post("/dev/idp/sign-in/", {"login": "035085001234", "password": "wrong"})
    assert wrong.status_code == 400 and "devidp_identity" not in client.session
    right = client.post(
        "/dev/idp/sign-in/",
        {"login": "035085001234", "password": DEMO_PASSWORD, "next": "https://evil.example/"},
    )
    assert right.status_code == 302 and right["Location"] == "/dev/idp/signed-in/"
    assert client.session["devidp_identity"] == Identity.objects.get(id_number="035085001234").pk
    # Signing in at the provider signs nobody in to the portal.
    assert client.get("/my/dossiers/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"login": "0350\x0085001234", "password": DEMO_PASSWORD},
        {"login": "1" * 10_000, "password": DEMO_PASSWORD},
        {"login": "035085001234", "password": "p" * 10_000},
        {},
    ],
)
def test_hostile_sign_in_input(client, data):
    setup(["http://testserver/sign-in/callback/"])
    assert client.post("/dev/idp/sign-in/", data).status_code == 400
    assert "devidp_identity" not in client.session


@pytest.mark.django_db
def test_off_means_not_there(client, settings):
    settings.MOTCUA_DEV_IDP = False
    for path in (
        "/dev/idp/sign-in/",
        "/dev/idp/o/authorize/",
        "/dev/idp/o/.well-known/openid-configuration",
        "/dev/idp/o/.well-known/jwks.json",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/dev/idp/o/token/", {"grant_type": "authorization_code"}).status_code == 404


def _run(code: str, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "DEBUG"))}
    clean |= {"DJANGO_SETTINGS_MODULE": "motcua.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {"MOTCUA_PRODUCTION": "1", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "example.gov.vn"}


def test_never_in_production():
    refused = _run("import django; django.setup()", MOTCUA_DEV_IDP="1", **PRODUCTION)
    assert refused.returncode != 0
    assert "development identity provider cannot run in production" in refused.stderr
    absent = _run(
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "assert not settings.MOTCUA_DEV_IDP and not settings.OIDC_CONFIGURED\n"
        "assert settings.OAUTH2_PROVIDER['OIDC_RSA_PRIVATE_KEY'] == ''\n"
        "try:\n    resolve('/dev/idp/sign-in/')\nexcept Resolver404:\n    print('absent')\n",
        **PRODUCTION,
    )
    assert absent.returncode == 0, absent.stderr
    assert absent.stdout.strip() == "absent"


def test_the_signing_key_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "devidp" / "key.pem"
    first = keys.private_key_pem(path)
    assert first.startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.private_key_pem(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["key.pem"]  # no temporary file left


def test_the_signing_key_is_not_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert ".pem" not in tracked
    ignored = subprocess.run(
        ["git", "check-ignore", "var/devidp/oidc-rs256.pem"], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0
