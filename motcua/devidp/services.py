"""Setting up the development identity provider: its demo identities and the portal's
client registration (`motcua devidp setup`, run by `make demo`; the tests call `setup`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.models import get_application_model

from motcua.core import audit
from motcua.devidp.demo import DEMO_PASSWORD, IDENTITIES
from motcua.devidp.models import Identity

CALLBACK_PATH = "/sign-in/callback/"
CLIENT_NAME = "Cổng Dịch vụ công (motcua)"


def default_redirect_uris() -> list[str]:
    """The portal's callback at its public address, and the same on localhost/127.0.0.1
    (runserver answers on both)."""
    base = settings.MOTCUA["PUBLIC_URL"].rstrip("/")
    uris = [base + CALLBACK_PATH]
    for a, b in (("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")):
        if f"//{a}" in base:
            uris.append(base.replace(f"//{a}", f"//{b}") + CALLBACK_PATH)
    return uris


@transaction.atomic
def ensure_identities() -> list[Identity]:
    """The demo identities, created when missing (found again by their ID number or tax
    code); their details are brought back to the shipped ones."""
    User = get_user_model()
    identities = []
    for data in IDENTITIES:
        login = data.get("tax_code") or data["id_number"]
        identity = (
            Identity.objects.filter(id_number=login).first()
            or Identity.objects.filter(tax_code=login).first()
        )
        if identity is None:
            user = User(username=f"devidp-{login}", full_name=data["full_name"][:200])
            user.set_unusable_password()
            user.save()
            identity = Identity(user=user)
            identity.set_password(DEMO_PASSWORD)
        for name, value in data.items():
            setattr(identity, name, value)
        identity.save()
        identities.append(identity)
    return identities


@transaction.atomic
def register_client(
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uris: list[str] | None = None,
):
    """The portal as a client of the provider: confidential, authorisation code with PKCE,
    ID tokens signed RS256, no consent screen (the portal is the provider's own). Its
    callbacks: the portal's public address and `redirect_uris`. Created or brought up to
    date; the secret is stored hashed."""
    Application = get_application_model()
    client_id = client_id or settings.OIDC_RP_CLIENT_ID
    client_secret = client_secret or settings.OIDC_RP_CLIENT_SECRET
    uris = " ".join(dict.fromkeys([*default_redirect_uris(), *(redirect_uris or [])]))
    application = Application.objects.filter(client_id=client_id).first()
    created = application is None
    if created:
        application = Application(client_id=client_id)
    application.name = CLIENT_NAME
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = True
    application.redirect_uris = uris
    application.client_secret = client_secret
    application.save()
    audit.record(
        "devidp.client_registered" if created else "devidp.client_updated",
        application,
        None,
        client_id,
        redirect_uris=uris,
    )
    return application


def setup(redirect_uris: list[str] | None = None):
    return ensure_identities(), register_client(redirect_uris=redirect_uris)
