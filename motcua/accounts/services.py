"""The only code that changes citizen accounts.

`sign_in_from_claims` creates or updates the account of whoever the identity provider
vouched for, from the claims it released (one transaction, one audit event);
`applicant_for` gives the `dossiers.Applicant` that stands for the account in a dossier.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from motcua.accounts import claims as claim_rules
from motcua.accounts.models import Account
from motcua.core import audit

ACCOUNT_FIELDS = (
    "kind",
    "full_name",
    "id_number",
    "tax_code",
    "birth_date",
    "phone",
    "email",
    "address",
    "representative",
    "identity_verified",
)
APPLICANT_FIELDS = ("kind", "full_name", "id_number", "tax_code", "phone", "email", "address")


class AccountError(Exception):
    """Claims the portal cannot open an account with; the message is for the citizen."""


def _username(provider: str, subject: str) -> str:
    digest = hashlib.sha256(f"{provider}\n{subject}".encode()).hexdigest()[:32]
    return f"citizen-{digest}"


@transaction.atomic
def sign_in_from_claims(provider: str, raw_claims: dict, mapping: dict | None = None) -> Account:
    """The account of the identity in `raw_claims` (released by `provider`, the issuer),
    created at the first sign-in and brought up to date from the claims at every later
    one. Raises AccountError (and writes nothing) when the claims are unusable."""
    try:
        profile = claim_rules.profile(raw_claims, mapping)
    except claim_rules.InvalidClaims as invalid:
        raise AccountError(str(invalid)) from invalid
    provider = str(provider or "")[:255]
    if not provider:
        raise AccountError("no issuer")
    subject = profile.pop("subject")
    account = (
        Account.objects.select_for_update()
        .select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    now = timezone.now()
    if account is None:
        User = get_user_model()
        user = User(
            username=_username(provider, subject),
            full_name=profile["full_name"][:200],
            email=profile["email"],
        )
        user.set_unusable_password()  # never through the officers' sign-in
        user.save()
        account = Account.objects.create(
            user=user, provider=provider, subject=subject, signed_in_at=now, **profile
        )
        audit.record(
            "account.created",
            account,
            user,
            account.full_name,
            kind=account.kind,
            identity_verified=account.identity_verified,
        )
        return account
    changed = sorted(f for f in ACCOUNT_FIELDS if getattr(account, f) != profile[f])
    for name in ACCOUNT_FIELDS:
        setattr(account, name, profile[name])
    account.signed_in_at = now
    account.save()
    user = account.user
    if (user.full_name, user.email) != (profile["full_name"][:200], profile["email"]):
        user.full_name, user.email = profile["full_name"][:200], profile["email"]
        user.save(update_fields=["full_name", "email"])
    # Which fields changed, never their values: the audit trail holds no ID numbers.
    audit.record(
        "account.updated",
        account,
        user,
        account.full_name,
        changed=changed,
        identity_verified=account.identity_verified,
    )
    return account


def applicant_for(user):
    """The `dossiers.Applicant` standing for `user`'s account in a new dossier: the
    latest one of the user whose details are the account's, else a new one. A dossier
    keeps the applicant as they were when it was made; a change of phone or address at
    the identity provider gives later dossiers a new row."""
    from motcua.core.text import fold
    from motcua.dossiers.models import Applicant

    account = Account.objects.get(user=user)
    values = {name: getattr(account, name) or "" for name in APPLICANT_FIELDS}
    values["full_name"] = values["full_name"][:300]
    existing = Applicant.objects.filter(user=user, **values).order_by("-pk").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        applicant = Applicant.objects.create(
            user=user, name_folded=fold(values["full_name"])[:300], **values
        )
        audit.record("applicant.created", applicant, user, applicant.full_name, source="account")
    return applicant


# --- Notification channels ---------------------------------------------------------------------


def sms_number(account) -> str:
    """The mobile number text messages go to (+84…), or "" when none is known."""
    from motcua.outbox.sms import valid_phone

    return valid_phone(account.sms_phone) or valid_phone(account.phone)


@transaction.atomic
def set_notification_channels(account, *, email: bool, sms: bool, sms_phone: str = "") -> Account:
    """The citizen's choice of how to hear about their dossiers. `sms_phone` must be a
    Vietnamese mobile number or blank (InvalidPhone, nothing written); it is stored
    normalised. Audited without the number."""
    from motcua.outbox.sms import normalise_phone

    phone = normalise_phone(sms_phone) if sms_phone else ""
    account = Account.objects.select_for_update().get(pk=account.pk)
    before = (account.notify_email, account.notify_sms, account.sms_phone)
    account.notify_email, account.notify_sms, account.sms_phone = bool(email), bool(sms), phone
    if before == (account.notify_email, account.notify_sms, account.sms_phone):
        return account
    account.save(update_fields=["notify_email", "notify_sms", "sms_phone"])
    audit.record(
        "account.notifications_changed",
        account,
        account.user,
        account.full_name,
        email=account.notify_email,
        sms=account.notify_sms,
        sms_phone_changed=before[2] != phone,
    )
    return account
