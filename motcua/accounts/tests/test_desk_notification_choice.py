"""The desk records how an applicant without an account wants to hear about the dossier
(text messages by default when a mobile number is given, e-mail to the address given), and
the messages follow that wish as an account holder's follow the account's choice; "the
result is ready" says how the result reaches the applicant."""

import pytest

from motcua.accounts.tests.factories import make_citizen
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Applicant, Dossier, ResultDelivery
from motcua.dossiers.tests.factories import APPLICANT, desk_form, receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.outbox.models import Message

pytestmark = pytest.mark.django_db


def rows(dossier) -> dict[str, str]:
    return dict(
        Message.objects.filter(object_id=str(dossier.pk)).values_list("channel", "recipient")
    )


def at_the_desk(client, province, **fields):
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    url, form = desk_form(province, **fields)
    for doc in province.procedure.documents.all():
        form[f"doc-{doc.pk}"] = "on"
    return client.post(url, form)


# (SMS ticked, e-mail ticked, phone, e-mail address) → what is recorded, the rows written.
# Rule: the wish recorded at the desk decides (docs/notifications.md); a text message needs
# a mobile number, an e-mail an address.
TABLE = [
    ("on", "on", "0987654321", "binh@example.vn", (True, True), {"sms", "email"}),
    ("on", "", "0987654321", "binh@example.vn", (True, False), {"sms"}),
    ("", "on", "0987654321", "binh@example.vn", (False, True), {"email"}),
    ("", "", "0987654321", "binh@example.vn", (False, False), set()),
    ("on", "on", "", "binh@example.vn", (False, True), {"email"}),  # no number: no SMS
    ("on", "on", "0987654321", "", (True, True), {"sms"}),  # no address: no e-mail
]


@pytest.mark.parametrize(("sms", "email", "phone", "address", "recorded", "channels"), TABLE)
def test_the_wish_recorded_at_the_desk_decides_the_channels(
    client, province, sms, email, phone, address, recorded, channels
):
    fields = {"phone": phone, "email": address}
    fields |= {"notify_sms": sms} if sms else {}
    fields |= {"notify_email": email} if email else {}
    response = at_the_desk(client, province, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    applicant = Applicant.objects.get()
    assert (applicant.notify_sms, applicant.notify_email) == recorded
    assert set(rows(Dossier.objects.get())) == channels


def test_the_form_offers_text_messages_ticked_by_default(client, province):
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    url, _form = desk_form(province)
    html = client.get(url).content.decode()
    assert 'name="notify_sms" id="id_notify_sms" checked' in html
    assert 'name="notify_email" id="id_notify_email" checked' in html


def test_a_landline_with_text_messages_is_refused_and_nothing_is_written(client, province):
    response = at_the_desk(client, province, phone="02263852111", notify_sms="on")
    assert response.status_code == 200
    assert 'id="id_notify_sms"' in response.content.decode()
    assert not Dossier.objects.exists() and not Applicant.objects.exists()


@pytest.mark.parametrize(
    "value", ["x" * 10_000, "9" * 400, "false", "0", "<script>alert(1)</script>", "on\ton"]
)
def test_hostile_values_never_fail(client, province, value):
    response = at_the_desk(client, province, notify_sms=value, notify_email=value)
    assert response.status_code in (200, 302)
    for applicant in Applicant.objects.all():  # a checkbox records a yes or a no
        assert applicant.notify_sms in (True, False) and applicant.notify_email in (True, False)


def test_hostile_nul_bytes_are_refused_before_the_view(client, province):
    response = at_the_desk(client, province, notify_sms="on\x00", phone="0987654321\x00")
    assert response.status_code == 400
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(("without_account", "sms"), [(False, False), (True, True)])
def test_without_a_recorded_wish_the_setting_still_decides(
    province, settings, without_account, sms
):
    settings.SMS = {**settings.SMS, "WITHOUT_ACCOUNT": without_account}
    dossier = receive_at_counter(province, applicant={**APPLICANT, "email": "an@example.vn"})
    assert dossier.applicant.notify_sms is None
    assert ("sms" in rows(dossier)) is sms


def test_an_account_holder_follows_the_account_not_the_desk(province):
    account = make_citizen()
    account.notify_sms = False
    account.save()
    applicant = Applicant.objects.create(
        **{**APPLICANT, "email": "an@example.vn"}, user=account.user, notify_sms=True
    )
    dossier = receive_at_counter(province, applicant=applicant)
    assert "sms" not in rows(dossier)


# --- "The result is ready", by where the result goes ------------------------------------


def ready_message(province, delivery, address=""):
    dossier = receive_at_counter(
        province,
        applicant={**APPLICANT, "email": "an@example.vn", "notify_sms": True},
        result_delivery=delivery,
        result_address=address,
    )
    o = province.officer
    dossier = dossier_services.act(
        dossier,
        Action.FORWARD,
        o("justice", Role.DESK_OFFICER),
        to_user=o("justice", Role.SPECIALIST),
    )
    dossier = dossier_services.act(
        dossier, Action.FORWARD, o("justice", Role.SPECIALIST), to_user=o("justice", Role.LEADER)
    )
    dossier = dossier_services.act(dossier, Action.COMPLETE, o("justice", Role.LEADER))
    event = dossier.events.get(action=Action.COMPLETE)
    mail = Message.objects.get(context__event=event.pk, channel="email")
    sms = Message.objects.get(context__event=event.pk, channel="sms")
    return dossier, mail.body, sms.body


def test_the_desk_says_where_and_when(province):
    dossier, mail, sms = ready_message(province, ResultDelivery.DESK)
    desk = dossier.return_desk
    assert desk.name in mail and "07:30" in mail and "17:30" in mail
    assert "/results/" not in mail
    assert dossier.code in sms


def test_the_post_says_the_address_it_goes_to(province):
    _dossier, mail, _sms = ready_message(
        province, ResultDelivery.POST, address="Số 5 Trần Phú, Phủ Lý, Hà Nam"
    )
    assert "Số 5 Trần Phú, Phủ Lý, Hà Nam" in mail
    assert "07:30" not in mail


def test_electronic_gives_the_portals_download_link(province):
    dossier, mail, _sms = ready_message(province, ResultDelivery.ELECTRONIC)
    assert f"/results/{dossier.code}/download/" in mail
    assert "07:30" not in mail
