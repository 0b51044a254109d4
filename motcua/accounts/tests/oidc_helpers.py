"""Driving the sign-in over HTTP with `requests`, as a browser would, against the running
test server (pytest-django's live_server), where the development identity provider runs."""

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from motcua.devidp import services as devidp_services
from motcua.devidp.demo import DEMO_PASSWORD


def use_provider(settings, base: str) -> SimpleNamespace:
    """Point the portal at the development provider of the running test server and
    register the portal there as its client."""
    issuer = f"{base}/dev/idp/o"
    settings.OIDC_OP_ISSUER = issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/.well-known/jwks.json"
    identities, client = devidp_services.setup([f"{base}/sign-in/callback/"])
    return SimpleNamespace(
        base=base,
        issuer=issuer,
        client=client,
        identities={identity.login: identity for identity in identities},
    )


def start(session: requests.Session, base: str, next_path: str = "/my/dossiers/") -> str:
    """Press the sign-in button: the portal's answer is the provider's authorize URL."""
    response = session.get(
        f"{base}/sign-in/start/", params={"next": next_path}, allow_redirects=False
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def authorize(session: requests.Session, base: str, authorize_url: str, login: str) -> str:
    """Sign in at the provider as `login` (its demo password); its answer is the portal's
    callback URL with the code and the state."""
    response = session.get(authorize_url, allow_redirects=False)
    if response.status_code == 302 and "/dev/idp/sign-in/" in response.headers["Location"]:
        sign_in_url = urljoin(base, response.headers["Location"])
        page = session.get(sign_in_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        next_url = parse_qs(urlparse(sign_in_url).query)["next"][0]
        response = session.post(
            sign_in_url,
            data={
                "csrfmiddlewaretoken": token,
                "login": login,
                "password": DEMO_PASSWORD,
                "next": next_url,
            },
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text
        response = session.get(urljoin(base, response.headers["Location"]), allow_redirects=False)
    assert response.status_code == 302, response.text
    callback = response.headers["Location"]
    assert callback.startswith(f"{base}/sign-in/callback/?"), callback
    return callback


def state_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["state"][0]


def sign_in(base: str, login: str, next_path: str = "/my/dossiers/"):
    """The whole round trip in a new browser session; returns (session, last response)."""
    session = requests.Session()
    callback = authorize(session, base, start(session, base, next_path), login)
    return session, session.get(callback, allow_redirects=False)
