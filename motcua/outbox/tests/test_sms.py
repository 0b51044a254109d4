"""Text messages go through the outbox like e-mail: Vietnamese mobile numbers only (checked
against a table written by hand from the numbering plan), one JSON line per message from the
development file gateway, kept and retried while the provider is down, sent once."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.outbox import services, sms
from motcua.outbox.admin import MessageAdmin
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.factories import make_message

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


@pytest.fixture
def sms_dir(settings, tmp_path):
    settings.SMS = {**settings.SMS, "PROVIDER": "file", "DIRECTORY": tmp_path / "sms"}
    return tmp_path / "sms"


def lines(folder):
    return [json.loads(line) for f in sorted(folder.glob("*.log")) for line in f.open()]


# Written by hand from the Vietnamese numbering plan (10-digit mobile numbers since 2018:
# 03x, 05x, 07x, 08x, 09x; landlines 02x; +84 or 84 for the leading 0).
@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("0912345678", "+84912345678"),  # VinaPhone / MobiFone 09x
        ("+84912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("+84 (0) 912 345 678", "+84912345678"),
        ("0362345678", "+84362345678"),  # Viettel 03x (was 016x)
        ("0702345678", "+84702345678"),  # MobiFone 07x
        ("0812345678", "+84812345678"),  # VinaPhone 08x
        ("0562345678", "+84562345678"),  # Vietnamobile 05x
        (" 0987654321 ", "+84987654321"),
    ],
)
def test_vietnamese_mobile_numbers_are_normalised(given, normalised):
    assert sms.normalise_phone(given) == normalised


@pytest.mark.parametrize(
    "given",
    [
        "",
        "091234567",  # nine digits
        "09123456789",  # eleven digits
        "0241234567",  # a Hà Nội landline: cannot receive SMS
        "0123456789",  # old 11-digit-era prefix, no longer a number
        "01662345678",  # the old Viettel 016x form, retired in 2018
        "+14155550123",  # not Vietnamese
        "+66812345678",  # Thai mobile
        "abc",
        "0912345678\x00",
        "0" * 10_000,
        "9" * 40,
        None,
    ],
)
def test_anything_else_is_refused(given):
    with pytest.raises(sms.InvalidPhone):
        sms.normalise_phone(given)
    assert sms.valid_phone(given) == ""


@pytest.mark.parametrize("phone", ["0241234567", "0912345678\x00", "1" * 5000, ""])
def test_an_invalid_number_writes_no_row(phone):
    with pytest.raises(ValueError):
        make_message(channel="sms", recipient=phone)
    assert not Message.objects.exists()


def test_the_text_fits_gsm7_without_diacritics(settings):
    settings.SMS = {**settings.SMS, "ASCII": True}
    text = sms.sms_text("Hồ sơ  ĐKKS-01 đã được tiếp nhận.\nHẹn trả: “10/03/2025”")
    assert text == 'Ho so DKKS-01 da duoc tiep nhan. Hen tra: "10/03/2025"'
    assert text.isascii()
    settings.SMS = {**settings.SMS, "ASCII": False}
    assert sms.sms_text("Hồ sơ đã tiếp nhận") == "Hồ sơ đã tiếp nhận"


def test_the_file_gateway_writes_one_json_line_per_delivered_message(sms_dir):
    first = make_message(channel="sms", recipient="0912 345 678", body="Hồ sơ A đã tiếp nhận")
    second = make_message(channel="sms", recipient="+84987654321", body="Hồ sơ B")
    assert first.recipient == "+84912345678"  # stored normalised
    assert services.deliver_due() == 2
    written = lines(sms_dir)
    assert [(w["to"], w["text"]) for w in written] == [
        ("+84912345678", "Ho so A da tiep nhan"),
        ("+84987654321", "Ho so B"),
    ]
    for w in written:
        assert w["message_id"] and w["sent_at"]
    assert [w["reference"] for w in written] == [first.dedupe_key, second.dedupe_key]
    assert services.deliver_due(now=timezone.now() + timedelta(days=1)) == 0
    assert len(lines(sms_dir)) == 2  # sent once
    assert Message.objects.get(pk=first.pk).status == Status.SENT


class Down:
    """A provider that is down until told otherwise, then sends."""

    down = True
    sent: list = []

    def send(self, *, to, text, reference):
        if Down.down:
            raise sms.SmsUnavailable("HTTP 503 SERVICE_UNAVAILABLE")
        Down.sent.append((to, text, reference))
        return "id-1"


@pytest.fixture
def down(settings, monkeypatch):
    monkeypatch.setitem(sms.PROVIDERS, "down-test", Down)
    settings.SMS = {**settings.SMS, "PROVIDER": "down-test"}
    Down.down, Down.sent = True, []
    return Down


def test_a_provider_that_is_down_loses_nothing_and_later_sends_once(down):
    message = make_message(channel="sms", recipient="0912345678", body="Ho so X")
    now = timezone.now()
    assert services.deliver_due(now=now) == 0
    message = Message.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.next_attempt_at == now + MINUTE
    assert "503" in message.last_error and "0912345678" not in message.last_error
    assert services.deliver_due(now=now + MINUTE) == 0  # still down: 2 minutes next
    assert Message.objects.get(pk=message.pk).next_attempt_at == now + 3 * MINUTE
    down.down = False
    assert services.deliver_due(now=now + 2 * MINUTE) == 0  # not due yet
    assert services.deliver_due(now=now + 3 * MINUTE) == 1
    assert services.deliver_due(now=now + 10 * MINUTE) == 0
    assert down.sent == [("+84912345678", "Ho so X", message.dedupe_key)]
    message = Message.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (Status.SENT, 3)


def test_a_refused_message_fails_at_once_for_a_supervisor(settings, monkeypatch):
    class Refusing:
        def send(self, **kwargs):
            raise sms.SmsRejected("HTTP 422 INVALID_PHONE")

    monkeypatch.setitem(sms.PROVIDERS, "refusing-test", Refusing)
    settings.SMS = {**settings.SMS, "PROVIDER": "refusing-test"}
    message = make_message(channel="sms", recipient="0912345678")
    services.deliver_due()
    message = Message.objects.get(pk=message.pk)
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    failed = AuditEvent.objects.get(action="outbox.failed")
    assert failed.data["to"] == "*********678"
    assert "912345678" not in json.dumps(failed.data)


def test_numbers_are_masked_in_the_admin_list_and_logs(sms_dir, rf, caplog):
    caplog.set_level("DEBUG")
    message = make_message(channel="sms", recipient="0912345678")
    services.deliver_due()
    admin = MessageAdmin(Message, None)
    assert admin.masked_recipient(message) == "*********678"
    assert "912345678" not in caplog.text


def test_disabled_text_messages_are_failed_not_lost_silently(settings):
    settings.SMS = {**settings.SMS, "PROVIDER": "disabled"}
    assert not sms.enabled()
    message = make_message(channel="sms", recipient="0912345678")
    services.deliver_due()
    assert Message.objects.get(pk=message.pk).status == Status.FAILED
