"""Citizen sign-in through OpenID Connect, with mozilla-django-oidc (docs/portal.md).

The library runs the authorisation-code flow (state, nonce and PKCE kept in the session,
the ID token's RS256 signature checked against the provider's published keys); we add what
a government identity needs:

- the ID token's issuer and audience must be the configured provider and this portal;
- a sign-in must come back within OIDC_STATE_MAX_AGE seconds of starting it;
- the account is keyed by (issuer, `sub`) and brought up to date from the claims at
  every sign-in (`services.sign_in_from_claims`), never matched by e-mail address;
- every refusal (forged or expired state, wrong nonce, bad token, unusable claims, the
  provider unreachable) is audited with its reason, writes nothing else, and shows the
  citizen a page in Vietnamese instead of an error.
"""

from __future__ import annotations

import logging
import time

import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from motcua.accounts import services
from motcua.core import audit
from motcua.core.security import client_ip

logger = logging.getLogger(__name__)


class SignInRefused(Exception):
    """The identity provider's answer is not one we accept; `reason` says why (audited)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _issuer() -> str:
    return getattr(settings, "OIDC_OP_ISSUER", "") or ""


class CitizenBackend(OIDCAuthenticationBackend):
    """Signs in citizens and organisations vouched for by the identity provider."""

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: an officer's password sign-in never
        # reaches the provider, whatever its query string holds.
        if request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        if not isinstance(token, str) or not token:
            raise SignInRefused("no ID token")
        try:
            payload = super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:
            reason = "nonce" if "Nonce" in str(exc) else "token"
            raise SignInRefused(reason) from exc
        except Exception as exc:  # a malformed token: PyJWT's errors, bad JSON …
            raise SignInRefused("token") from exc
        if "nonce" in kwargs:  # the ID token (userinfo as a JWT carries no nonce)
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self.OIDC_RP_CLIENT_ID not in audiences:
                raise SignInRefused("audience")
            if _issuer() and payload.get("iss") != _issuer():
                raise SignInRefused("issuer")
            if not isinstance(payload.get("exp"), int | float):
                raise SignInRefused("token")
        return payload

    def get_token(self, payload):
        try:
            return super().get_token(payload)
        except requests.HTTPError as exc:
            raise SignInRefused("code") from exc
        except requests.RequestException as exc:
            raise SignInRefused("unreachable") from exc

    def get_userinfo(self, access_token, id_token, payload):
        try:
            return super().get_userinfo(access_token, id_token, payload)
        except requests.RequestException as exc:
            raise SignInRefused("unreachable") from exc
        except ValueError as exc:  # not JSON
            raise SignInRefused("claims") from exc

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except requests.RequestException as exc:
            raise SignInRefused("unreachable") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: the userinfo must be about the token's subject.
            raise SignInRefused("subject")
        claims = {**payload, **userinfo}
        try:
            account = services.sign_in_from_claims(
                payload.get("iss") or _issuer(),
                claims,
                getattr(settings, "OIDC_CLAIM_NAMES", None),
            )
        except services.AccountError as exc:
            raise SignInRefused("claims") from exc
        return account.user


UNVERIFIED = _(
    "The answer of the identity provider could not be verified, so you were not signed in. "
    "Please start again."
)
MESSAGES = {
    "cancelled": _("You cancelled signing in."),
    "expired": _("Signing in took too long. Please start again."),
    "claims": _(
        "The identity provider did not give the details an account needs (name, ID number "
        "or tax code)."
    ),
    "unreachable": _("The identity provider cannot be reached now. Please try again later."),
    "provider": _("The identity provider reported an error. Please try again later."),
}


def _refuse(request, reason: str, status: int = 400):
    audit.record_about(
        "auth.oidc_refused",
        "accounts.account",
        "",
        None,
        reason,
        reason=reason,
        ip=client_ip(request),
    )
    logger.warning("citizen sign-in refused: %s", reason)
    return render(
        request,
        "accounts/sign_in_failed.html",
        {"message": MESSAGES.get(reason, UNVERIFIED), "sign_in_url": reverse("accounts:sign_in")},
        status=status,
    )


class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in page."""

    def get(self, request):
        if not getattr(settings, "OIDC_CONFIGURED", False):
            return HttpResponseRedirect(reverse("accounts:sign_in"))
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code; we check it and sign in."""

    def get(self, request):
        if request.GET.get("error"):
            self._forget_state(request)
            reason = "cancelled" if request.GET.get("error") == "access_denied" else "provider"
            return _refuse(request, reason)
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states")
        if not request.GET.get("code") or not state:
            return _refuse(request, "state")
        if not isinstance(states, dict) or state not in states:
            return _refuse(request, "state")
        added_on = states[state].get("added_on") or 0
        if time.time() - added_on > getattr(settings, "OIDC_STATE_MAX_AGE", 600):
            self._forget_state(request)
            return _refuse(request, "expired")
        self.next_url = request.session.get("oidc_login_next")
        try:
            return super().get(request)
        except SignInRefused as refused:
            status = 502 if refused.reason == "unreachable" else 400
            return _refuse(request, refused.reason, status)

    @staticmethod
    def _forget_state(request):
        states = request.session.get("oidc_states")
        state = request.GET.get("state")
        if isinstance(states, dict) and state in states:
            del states[state]
            request.session.modified = True

    def login_failure(self):
        return _refuse(self.request, "refused")

    def login_success(self):
        # A new session for the citizen: whoever was signed in before (an officer, or
        # another citizen) is signed out by auth.login.
        auth.login(self.request, self.user)
        next_url = getattr(self, "next_url", None)
        if not next_url or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={self.request.get_host()}
        ):
            next_url = reverse("accounts:my_dossiers")
        return HttpResponseRedirect(next_url)
