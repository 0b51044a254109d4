"""The OpenID Connect round trip over HTTP, against the development identity provider
running in the test server: the account from the claims, its update at the next sign-in,
and every forged, expired, replayed or mismatched answer refused with nothing written."""

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore

from motcua.accounts.models import Account
from motcua.accounts.tests.oidc_helpers import authorize, sign_in, start, state_of, use_provider
from motcua.core.models import AuditEvent
from motcua.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)

AN, NGOC, MINH, COMPANY = "035085001234", "035192004567", "035201007890", "0700812342"


@pytest.fixture
def idp(live_server, settings):
    return use_provider(settings, live_server.url)


def refused(response, reason: str):
    assert response.status_code in (400, 502), response.status_code
    assert "Chưa đăng nhập" in response.text or "Not signed in" in response.text
    event = AuditEvent.objects.filter(action="auth.oidc_refused").latest("id")
    assert event.data["reason"] == reason


def nothing_written(users_before: int):
    assert not Account.objects.exists()
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(action__startswith="account.").exists()


def test_a_citizen_signs_in_and_gets_an_account_from_the_claims(idp):
    session, response = sign_in(idp.base, AN)
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/dossiers/"
    account = Account.objects.get()
    identity = idp.identities[AN]
    assert (account.provider, account.subject) == (idp.issuer, str(identity.subject))
    assert (account.kind, account.full_name, account.id_number) == (
        "person",
        "Nguyễn Văn An",
        AN,
    )
    assert account.birth_date.isoformat() == "1985-03-12"
    assert (account.phone, account.email) == ("0912345678", "nguyenvanan.demo@example.vn")
    assert account.address.startswith("Số 12 đường Lê Hồng Phong")
    assert account.identity_verified  # VNeID level 2
    page = session.get(f"{idp.base}/my/dossiers/")
    assert page.status_code == 200 and "Nguyễn Văn An" in page.text
    # The provider's identity and the portal's account are different users; the citizen's
    # has no password, so it never opens the officers' sign-in.
    assert account.user != identity.user and not account.user.has_usable_password()


def test_a_level_1_identity_is_not_verified(idp):
    sign_in(idp.base, MINH)
    assert not Account.objects.get().identity_verified


def test_an_organisation_signs_in_with_its_tax_code(idp):
    sign_in(idp.base, COMPANY)
    account = Account.objects.get()
    assert (account.kind, account.tax_code, account.representative, account.id_number) == (
        "organisation",
        COMPANY,
        "Đỗ Quang Huy",
        "",
    )


def test_a_second_sign_in_updates_the_account(idp):
    sign_in(idp.base, NGOC)
    first = Account.objects.get()
    identity = idp.identities[NGOC]
    identity.phone, identity.level = "0977111222", 1
    identity.address = "Số 3 phố Biên Hòa, phường Minh Khai, thành phố Phủ Lý, tỉnh Hà Nam"
    identity.save()
    _session, response = sign_in(idp.base, NGOC)
    assert response.status_code == 302
    account = Account.objects.get()
    assert account.pk == first.pk and account.user_id == first.user_id
    assert (account.phone, account.identity_verified) == ("0977111222", False)
    assert account.address.startswith("Số 3 phố Biên Hòa")
    event = AuditEvent.objects.filter(action="account.updated").get()
    assert event.data["changed"] == ["address", "identity_verified", "phone"]


def test_a_forged_state_is_refused(idp):
    users = User.objects.count()
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base), AN)
    forged = callback.replace(state_of(callback), "forged-state-0123456789")
    refused(session.get(forged, allow_redirects=False), "state")
    nothing_written(users)


def test_a_callback_without_a_sign_in_started_is_refused(idp):
    users = User.objects.count()
    response = requests.get(
        f"{idp.base}/sign-in/callback/", params={"code": "x", "state": "y"}, allow_redirects=False
    )
    refused(response, "state")
    nothing_written(users)


def test_an_expired_state_is_refused(idp, settings):
    users = User.objects.count()
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base), AN)
    settings.OIDC_STATE_MAX_AGE = -1  # every sign-in started is now too old
    refused(session.get(callback, allow_redirects=False), "expired")
    nothing_written(users)


def test_a_wrong_nonce_is_refused(idp):
    users = User.objects.count()
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base), AN)
    # The nonce this browser's sign-in expects is not the one in the ID token.
    stored = SessionStore(session.cookies["sessionid"])
    states = stored["oidc_states"]
    states[state_of(callback)]["nonce"] = "another-nonce-0123456789"
    stored["oidc_states"] = states
    stored.save()
    refused(session.get(callback, allow_redirects=False), "nonce")
    nothing_written(users)


def test_a_code_is_used_once(idp):
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base), AN)
    assert session.get(callback, allow_redirects=False).status_code == 302
    users = User.objects.count()
    # Replayed in the same browser: its state was spent.
    refused(session.get(callback, allow_redirects=False), "state")
    # Replayed from another browser: it never started this sign-in.
    refused(requests.get(callback, allow_redirects=False), "state")
    assert Account.objects.count() == 1 and User.objects.count() == users


def test_a_code_issued_to_another_sign_in_is_refused(idp):
    users = User.objects.count()
    victim, attacker = requests.Session(), requests.Session()
    attacker_callback = authorize(attacker, idp.base, start(attacker, idp.base), NGOC)
    victim_authorize = start(victim, idp.base)
    # The attacker's code with the victim's own state: PKCE ties the code to the browser
    # that asked for it, so the provider refuses to exchange it.
    code = attacker_callback.split("code=")[1].split("&")[0]
    swapped = f"{idp.base}/sign-in/callback/?code={code}&state={state_of(victim_authorize)}"
    refused(victim.get(swapped, allow_redirects=False), "code")
    nothing_written(users)


def test_a_token_from_another_issuer_is_refused(idp, settings):
    users = User.objects.count()
    settings.OIDC_OP_ISSUER = "https://id.other-province.gov.vn/o"
    _session, response = sign_in(idp.base, AN)
    refused(response, "issuer")
    nothing_written(users)


def test_cancelling_at_the_provider(idp):
    session = requests.Session()
    state = state_of(start(session, idp.base))
    response = session.get(
        f"{idp.base}/sign-in/callback/",
        params={"error": "access_denied", "state": state},
        allow_redirects=False,
    )
    refused(response, "cancelled")
    assert "Bạn đã hủy đăng nhập" in response.text or "You cancelled" in response.text


def test_the_provider_unreachable(idp, settings):
    users = User.objects.count()
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base), AN)
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token/"  # nothing listens there
    response = session.get(callback, allow_redirects=False)
    assert response.status_code == 502
    refused(response, "unreachable")
    nothing_written(users)


def test_the_next_page_is_kept_and_only_on_this_site(idp):
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base, "/my/dossiers/?show=open"), AN)
    response = session.get(callback, allow_redirects=False)
    assert response.headers["Location"] == "/my/dossiers/?show=open"
    session = requests.Session()
    callback = authorize(session, idp.base, start(session, idp.base, "https://evil.example/"), AN)
    assert session.get(callback, allow_redirects=False).headers["Location"] == "/my/dossiers/"


def test_hostile_callback_parameters(idp):
    users = User.objects.count()
    session = requests.Session()
    start(session, idp.base)
    for params in (
        {"code": "x" * 10_000, "state": "y" * 10_000},
        {"code": "", "state": ""},
        {"error": "x" * 5000},
    ):
        response = session.get(
            f"{idp.base}/sign-in/callback/", params=params, allow_redirects=False
        )
        assert response.status_code == 400
    response = session.get(
        f"{idp.base}/sign-in/callback/?code=a%00b&state=c", allow_redirects=False
    )
    assert response.status_code == 400
    nothing_written(users)
