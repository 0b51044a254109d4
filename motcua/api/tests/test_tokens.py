import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from motcua.api import services
from motcua.api.models import ApiToken
from motcua.api.tests.factories import make_token
from motcua.core.models import AuditEvent
from motcua.org.constants import Role
from motcua.org.models import User

pytestmark = pytest.mark.django_db
R = Role


def test_issue_stores_only_a_hash_and_audits(province):
    user = province.officer("justice", R.DESK_OFFICER)
    token, secret = services.issue_token("Cổng DVC quốc gia", user, [province.justice])
    assert len(secret) == 40 and secret.isalnum()
    assert token.key_prefix == secret[:8]
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=secret).exists()
    assert list(token.agencies.all()) == [province.justice]
    event = AuditEvent.objects.get(action="api_token.issued")
    assert event.object_id == str(token.pk)
    assert event.data["agencies"] == [province.justice.code]
    assert secret not in str(event.data) and secret not in event.summary


def test_revoke_audits_once(province):
    token, _ = services.issue_token("X", province.officer("justice", R.LEADER))
    services.revoke(token)
    services.revoke(token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def _unauthorized(response):
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert error["code"] == "unauthorized" and error["message"]
    return True


def test_a_valid_token_is_accepted_and_its_use_noted(api, province):
    secret = make_token(province.officer("justice", R.DESK_OFFICER))
    response = api.get("/dossiers", secret)
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer not-a-token",
        "Bearer " + "x" * 40,
        "Token {secret}",  # wrong scheme
        "Bearer {secret}x",
    ],
)
def test_missing_or_invalid_tokens_are_refused(api, province, header):
    secret = make_token(province.officer("justice", R.DESK_OFFICER))
    headers = {} if header is None else {"Authorization": header.format(secret=secret)}
    assert _unauthorized(api.client.get("/api/v1/dossiers", headers=headers))


def test_revoked_token_and_inactive_account_are_refused(api, province):
    user = province.officer("justice", R.DESK_OFFICER)
    token, secret = services.issue_token("X", user)
    services.revoke(token)
    assert _unauthorized(api.get("/dossiers", secret))
    other = make_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _unauthorized(api.get("/dossiers", other))


def test_every_dossier_endpoint_needs_a_token(api, province):
    assert _unauthorized(api.get("/dossiers/X-1"))
    assert _unauthorized(api.get("/dossiers/X-1/events"))
    assert _unauthorized(api.post("/dossiers", {}, key="k"))
    assert _unauthorized(api.post("/dossiers/X-1/actions/forward", {}))


# --- The command and the admin ----------------------------------------------------------------


def test_command_creates_a_token_printing_its_secret_once_and_revokes_it(api, province):
    out = StringIO()
    call_command(
        "api_token",
        "create",
        "--name",
        "Phần mềm một cửa cũ",
        "--user",
        "justice.desk_officer",
        "--agency",
        province.justice.code,
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.key_prefix == secret[:8] and list(token.agencies.all()) == [province.justice]
    assert api.get("/dossiers", secret).status_code == 200

    call_command("api_token", "revoke", token.key_prefix, stdout=StringIO())
    assert api.get("/dossiers", secret).status_code == 401


@pytest.mark.parametrize(
    "args",
    [
        ["create", "--name", "X", "--user", "nobody"],
        ["create", "--name", "X", "--user", "justice.leader", "--agency", "NO.SUCH"],
        ["revoke", "ABCDEFGH"],
    ],
)
def test_command_errors(province, args):
    with pytest.raises(CommandError):
        call_command("api_token", *args, stdout=StringIO())
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_admin_issues_through_the_service_shows_the_secret_once_and_revokes(client, province):
    admin = User.objects.create_superuser("admin", password="pw-not-used-123")
    client.force_login(admin)
    user = province.officer("health", R.SPECIALIST)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"name": "Hệ thống Sở Y tế", "user": user.pk, "agencies": [province.health.pk]},
    )
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.encode() in response.content and token.key_prefix == secret[:8]
    assert services.find_token(secret) == token
    assert list(token.agencies.all()) == [province.health]
    assert AuditEvent.objects.get(action="api_token.issued").actor == admin
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/")
    assert page.status_code == 200 and secret.encode() not in page.content

    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and services.find_token(secret) is None
