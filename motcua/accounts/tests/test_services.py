"""Accounts from the identity provider's claims: created at the first sign-in, brought up to
date at every later one, never from unusable claims; the applicant standing for them."""

import pytest

from motcua.accounts import services
from motcua.accounts.models import Account
from motcua.accounts.tests.factories import ISSUER, claims, make_citizen
from motcua.core.models import AuditEvent
from motcua.dossiers.models import Applicant
from motcua.org.models import User

pytestmark = pytest.mark.django_db


def test_first_sign_in_creates_the_account_and_its_user():
    account = make_citizen()
    assert (account.provider, account.subject) == (ISSUER, "sub-an")
    assert account.identity_verified and account.id_number == "035085001234"
    user = account.user
    assert user.full_name == "Nguyễn Văn An" and not user.has_usable_password()
    event = AuditEvent.objects.get(action="account.created")
    assert event.object_id == str(account.pk) and event.actor == user
    assert "035085001234" not in str(event.data) + event.summary  # no ID numbers in audit


def test_a_later_sign_in_updates_the_same_account():
    first = make_citizen(identity_level=1, phone_number="0912345678")
    assert not first.identity_verified
    again = services.sign_in_from_claims(
        ISSUER, claims(identity_level=2, phone_number="0987000111", email="moi@example.vn")
    )
    assert again.pk == first.pk and Account.objects.count() == 1 and User.objects.count() == 1
    again.refresh_from_db()
    assert again.identity_verified and again.phone == "0987000111"
    assert again.user.email == "moi@example.vn"
    event = AuditEvent.objects.get(action="account.updated")
    assert event.data["changed"] == ["email", "identity_verified", "phone"]


def test_the_same_subject_at_another_provider_is_another_account():
    make_citizen()
    services.sign_in_from_claims("https://other.example/o", claims())
    assert Account.objects.count() == 2


def test_unusable_claims_write_nothing():
    with pytest.raises(services.AccountError):
        services.sign_in_from_claims(ISSUER, claims(id_number="not-a-number"))
    with pytest.raises(services.AccountError):
        services.sign_in_from_claims("", claims())
    assert not Account.objects.exists() and not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_applicant_for_an_account_is_reused_until_its_details_change():
    account = make_citizen()
    applicant = services.applicant_for(account.user)
    assert (applicant.user, applicant.kind, applicant.full_name, applicant.id_number) == (
        account.user,
        "person",
        "Nguyễn Văn An",
        "035085001234",
    )
    assert applicant.phone == "0912345678" and applicant.name_folded == "nguyen van an"
    assert services.applicant_for(account.user) == applicant
    # A new phone at the provider: later dossiers get a new applicant row, earlier ones
    # keep the applicant as they were made.
    services.sign_in_from_claims(ISSUER, claims(phone_number="0987000111"))
    newer = services.applicant_for(account.user)
    assert newer != applicant and newer.phone == "0987000111"
    applicant.refresh_from_db()
    assert applicant.phone == "0912345678"
    assert Applicant.objects.filter(user=account.user).count() == 2


def test_an_organisations_applicant_carries_its_tax_code():
    account = make_citizen(
        "org-1",
        kind="organisation",
        name="Công ty TNHH Hà Nam Xanh",
        id_number="",
        tax_code="0700812342",
        representative_name="Đỗ Quang Huy",
    )
    applicant = services.applicant_for(account.user)
    assert (applicant.kind, applicant.tax_code, applicant.id_number) == (
        "organisation",
        "0700812342",
        "",
    )
