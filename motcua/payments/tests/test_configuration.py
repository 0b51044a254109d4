"""Deployment checks, bank accounts (admin → service, audited), which account a transfer
goes to."""

import pytest

from motcua.core.models import AuditEvent
from motcua.org.models import User
from motcua.payments import checks, fees, services
from motcua.payments.models import BankAccount
from motcua.payments.tests.factories import dossier_for, make_citizen

pytestmark = pytest.mark.django_db


def ids(settings_payments, settings):
    settings.PAYMENTS = settings_payments
    return [e.id for e in checks.payment_gateways(None)]


def test_deploy_checks_refuse_the_dev_gateway_and_default_secrets(settings):
    assert ids({"DEV_GATEWAY": True, "GATEWAYS": {}}, settings) == ["payments.E001"]
    dev = {"dev": {"SECRET": checks.DEV_SECRET}}
    assert ids({"DEV_GATEWAY": False, "GATEWAYS": dev}, settings) == ["payments.E002"]
    short = {"vnpay": {"SECRET": "short"}}
    assert ids({"DEV_GATEWAY": False, "GATEWAYS": short}, settings) == ["payments.E002"]
    real = {"vnpay": {"SECRET": "a-secret-the-gateway-issued-0123456789"}}
    assert ids({"DEV_GATEWAY": False, "GATEWAYS": real}, settings) == []


def test_bank_accounts_are_saved_through_the_service_from_the_admin(client, province):
    admin = User.objects.create_superuser("root", password="pw-not-used-123")
    client.force_login(admin)
    form = {
        "agency": province.justice.pk,
        "bank_bin": "970436",
        "bank_name": "Vietcombank",
        "account_number": "0011001234567",
        "account_name": "SO TU PHAP TINH HA NAM",
        "is_active": "on",
    }
    response = client.post("/admin/payments/bankaccount/add/", form)
    assert response.status_code == 302
    account = BankAccount.objects.get()
    assert AuditEvent.objects.filter(action="payment.bank_account_created").count() == 1
    # One account in use per agency: a second one is refused until the first is retired.
    second = {**form, "account_number": "0022"}
    assert client.post("/admin/payments/bankaccount/add/", second).status_code == 200
    assert BankAccount.objects.get() == account
    client.post(f"/admin/payments/bankaccount/{account.pk}/change/", {**form, "is_active": ""})
    assert client.post("/admin/payments/bankaccount/add/", second).status_code == 302
    assert BankAccount.objects.filter(is_active=True).get().account_number == "0022"
    assert AuditEvent.objects.filter(action="payment.bank_account_changed").count() == 1


@pytest.mark.parametrize(
    ("bank_bin", "number"), [("97043", "0011001234567"), ("970436", "0011 0012"), ("970436", "")]
)
def test_a_bank_account_no_bank_could_take_is_refused(client, province, bank_bin, number):
    client.force_login(User.objects.create_superuser("root", password="pw-not-used-123"))
    response = client.post(
        "/admin/payments/bankaccount/add/",
        {"bank_bin": bank_bin, "bank_name": "X", "account_number": number, "account_name": "Y"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not BankAccount.objects.exists()


def test_a_transfer_goes_to_the_performing_agencys_account_else_the_default(province, settings):
    dossier = dossier_for(province, make_citizen())
    default = fees.bank_account(dossier)
    assert default.account_number == settings.PAYMENTS["BANK_ACCOUNT"]["NUMBER"]
    own = BankAccount(
        agency=province.justice,
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0011001234567",
        account_name="SO TU PHAP",
    )
    services.save_bank_account(own, None)
    assert fees.bank_account(dossier).pk == own.pk
    settings.PAYMENTS = {**settings.PAYMENTS, "BANK_ACCOUNT": {}}
    BankAccount.objects.update(is_active=False)
    assert fees.bank_account(dossier) is None


def test_a_code_too_long_for_the_transfer_content_loses_its_dots(province):
    dossier = dossier_for(province, make_citizen())
    assert fees.transfer_content(dossier) == dossier.code  # 25 characters: it fits
    dossier.code = "H15.50.05.13.01.02-261008-0975"  # 30 characters
    assert fees.transfer_content(dossier) == "H155005130102-261008-0975"
