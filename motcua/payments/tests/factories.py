"""Citizens, their dossiers with fees, and an HTTP client that talks to the live server as
a browser does (cookies, forms, redirects), for the contract tests."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from motcua.accounts.models import Account
from motcua.dossiers.models import Applicant
from motcua.dossiers.tests.factories import receive_at_counter
from motcua.org.models import User

ISSUER = "https://id.example.gov.vn/o"


def make_citizen(username="citizen.an", name="Nguyễn Văn An", email="an@example.vn"):
    """A citizen's user and account (as the identity provider's sign-in leaves them)."""
    user = User.objects.create_user(username, password=None)
    Account.objects.create(
        user=user,
        kind="person",
        full_name=name,
        id_number="035085001234",
        email=email,
        identity_verified=True,
        provider=ISSUER,
        subject=f"sub-{username}",
    )
    return user


def dossier_for(province, user, **kwargs):
    """A dossier received at the Sở Tư pháp desk whose applicant is `user`'s; its procedure's
    fee table is the factory's: "Lệ phí" 8 000 VND."""
    applicant = Applicant.objects.create(
        kind="person",
        full_name=user.account.full_name,
        id_number=user.account.id_number,
        email=user.account.email,
        address="Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
        user=user,
    )
    return receive_at_counter(province, applicant=applicant, **kwargs)


@dataclass
class Reply:
    status: int
    url: str
    body: str
    headers: dict


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies kept, redirects followed (or not): enough of a browser for the contract."""

    def __init__(self, base: str, session_key: str | None = None):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        host = urllib.parse.urlsplit(self.base).hostname
        if session_key:
            # http.cookiejar knows a host name without a dot as "<name>.local".
            domain = host if "." in host else f"{host}.local"
            self.jar.set_cookie(_cookie("sessionid", session_key, domain))
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.follow = urllib.request.build_opener(cookies)
        self.stay = urllib.request.build_opener(cookies, NoRedirect)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def _open(self, request, follow: bool) -> Reply:
        opener = self.follow if follow else self.stay
        try:
            with opener.open(request, timeout=30) as response:
                body = response.read().decode("utf-8", "replace")
                return Reply(response.status, response.url, body, dict(response.headers))
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace")
            return Reply(error.code, error.url, body, dict(error.headers))

    def get(self, path: str, follow: bool = True) -> Reply:
        return self._open(urllib.request.Request(self.url(path)), follow)

    def post(self, path: str, fields: dict, follow: bool = True, referer: str = "") -> Reply:
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.url(path), data=data, method="POST")
        request.add_header("Referer", referer or self.base + "/")
        return self._open(request, follow)

    def csrf(self, reply: Reply) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reply.body)
        assert match, "no CSRF token on the page"
        return match.group(1)


def _cookie(name: str, value: str, host: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


def session_for(user) -> str:
    """A signed-in session of `user` (as after the sign-in), for the Browser's cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key
