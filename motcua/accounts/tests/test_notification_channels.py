"""The applicant chooses how to hear about their dossiers: e-mail, text message, both or
neither ("Receive notifications"); each choice writes exactly those outbox rows. The text
message carries the dossier code and the signed lookup link, never the lookup password."""

import pytest
from django.urls import reverse

from motcua.accounts import services
from motcua.accounts.models import Account
from motcua.accounts.tests.factories import dossier_of, make_citizen
from motcua.core.models import AuditEvent
from motcua.dossiers import links
from motcua.dossiers.tests.factories import APPLICANT, receive_at_counter
from motcua.outbox.models import Message

pytestmark = pytest.mark.django_db
BACKEND = "motcua.accounts.oidc.CitizenBackend"


def rows(dossier) -> dict[str, str]:
    return dict(
        Message.objects.filter(object_id=str(dossier.pk)).values_list("channel", "recipient")
    )


# (email chosen, sms chosen, claims' e-mail, claims' phone, extra SMS number) → rows written
@pytest.mark.parametrize(
    ("email", "sms", "address", "phone", "sms_phone", "expected"),
    [
        (True, False, "an@example.vn", "0912345678", "", {"email": "an@example.vn"}),
        (False, True, "an@example.vn", "0912345678", "", {"sms": "+84912345678"}),
        (
            True,
            True,
            "an@example.vn",
            "0912345678",
            "",
            {"email": "an@example.vn", "sms": "+84912345678"},
        ),
        (False, False, "an@example.vn", "0912345678", "", {}),
        # SMS chosen but no mobile number known: e-mail only.
        (True, True, "an@example.vn", "", "", {"email": "an@example.vn"}),
        # A landline cannot receive a text message.
        (True, True, "an@example.vn", "0241234567", "", {"email": "an@example.vn"}),
        # No e-mail address at the identity provider: text message only.
        (True, True, "", "0912345678", "", {"sms": "+84912345678"}),
        # The citizen's own number for text messages.
        (False, True, "an@example.vn", "", "0987654321", {"sms": "+84987654321"}),
        (False, True, "", "", "", {}),
    ],
)
def test_the_chosen_channels_are_the_rows_written(
    province, email, sms, address, phone, sms_phone, expected
):
    account = make_citizen(email=address, phone_number=phone)
    services.set_notification_channels(account, email=email, sms=sms, sms_phone=sms_phone)
    dossier = dossier_of(province, account)
    assert rows(dossier) == expected


def test_new_accounts_hear_by_email_and_text_message(province):
    account = make_citizen()
    assert (account.notify_email, account.notify_sms) == (True, True)
    dossier = dossier_of(province, account)
    assert rows(dossier) == {"email": "nguyenvanan@example.vn", "sms": "+84912345678"}


@pytest.mark.parametrize(
    ("without_account", "expected"),
    [
        (False, {"email": "binh@example.vn"}),
        (True, {"email": "binh@example.vn", "sms": "+84987654321"}),
    ],
)
def test_applicants_without_an_account_get_sms_only_if_the_portal_says_so(
    province, settings, without_account, expected
):
    settings.SMS = {**settings.SMS, "WITHOUT_ACCOUNT": without_account}
    dossier = receive_at_counter(
        province, applicant={**APPLICANT, "email": "binh@example.vn", "phone": "0987654321"}
    )
    assert rows(dossier) == expected


def test_no_text_message_when_the_portal_has_none(province, settings):
    settings.SMS = {**settings.SMS, "PROVIDER": "disabled"}
    dossier = dossier_of(province, make_citizen())
    assert rows(dossier) == {"email": "nguyenvanan@example.vn"}


def test_the_text_message_has_the_code_and_link_never_the_password(province):
    dossier = dossier_of(province, make_citizen())
    message = Message.objects.get(object_id=str(dossier.pk), channel="sms")
    assert dossier.code in message.body
    assert links.link_path(dossier) in message.body
    assert dossier.secret not in message.body.replace(links.token(dossier), "")
    assert "\n" not in message.body
    assert len(message.body) <= 2 * 153  # at most two concatenated GSM-7 segments
    assert message.dedupe_key.endswith(":sms")


@pytest.fixture
def citizen(client):
    account = make_citizen()
    client.force_login(account.user, backend=BACKEND)
    return account


URL = "/my/notifications/"


def test_the_citizen_sees_and_changes_the_choice(client, citizen):
    assert reverse("accounts:notifications") == URL
    page = client.get(URL)
    assert page.status_code == 200
    assert "*******678" in page.content.decode()  # the number masked
    answer = client.post(URL, {"notify_email": "on", "sms_phone": "0987 654 321"})
    assert answer.status_code == 302
    account = Account.objects.get(pk=citizen.pk)
    assert (account.notify_email, account.notify_sms, account.sms_phone) == (
        True,
        False,
        "+84987654321",
    )
    [event] = AuditEvent.objects.filter(action="account.notifications_changed")
    assert event.data == {"email": True, "sms": False, "sms_phone_changed": True}
    assert "987654321" not in str(event.summary)


@pytest.mark.parametrize(
    "phone", ["0241234567", "12345", "0912345678\x00", "9" * 5000, "<script>", "+14155550123"]
)
def test_a_bad_number_is_refused_and_nothing_changes(client, citizen, phone):
    answer = client.post(URL, {"notify_sms": "on", "sms_phone": phone})
    assert answer.status_code in (200, 400)  # the form again, or the hostile-input refusal
    account = Account.objects.get(pk=citizen.pk)
    assert (account.notify_email, account.notify_sms, account.sms_phone) == (True, True, "")
    assert not AuditEvent.objects.filter(action="account.notifications_changed").exists()


def test_officers_and_strangers_do_not_get_the_page(client, province):
    from motcua.org.constants import Role

    assert client.get(URL).status_code == 302  # to sign in
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    assert client.get(URL).status_code == 403
