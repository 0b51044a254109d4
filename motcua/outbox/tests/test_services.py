"""The outbox keeps every message until it is sent: retries with back-off, a final failure
a supervisor can see and retry, one message per cause, each sent once."""

import smtplib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.org.models import User
from motcua.outbox import services
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.factories import make_message

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)
ADDRESS = "tranthibinh@example.vn"


def reload(message):
    return Message.objects.get(pk=message.pk)


@pytest.mark.parametrize(
    ("failed_attempts", "wait"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (8, 60), (30, 60), (10**6, 60)],
)
def test_back_off_doubles_from_a_minute_up_to_an_hour(failed_attempts, wait):
    assert services.backoff(failed_attempts) == wait * MINUTE


def test_the_default_attempts_cover_a_mail_server_down_for_a_day():
    waits = [services.backoff(n) for n in range(1, services.config("MAX_ATTEMPTS"))]
    assert sum(waits, timedelta()) >= timedelta(hours=24)


def test_a_message_waits_for_the_commit_and_is_sent_once(
    mail_server, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = make_message()
    assert reload(message).status == Status.PENDING
    assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()  # the commit: the immediate task backend sends it at once
    [mail] = mailoutbox
    assert mail.to == [ADDRESS]
    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert services.deliver_due(now=timezone.now() + timedelta(days=2)) == 0
    assert len(mailoutbox) == 1


def test_the_same_cause_never_makes_two_messages():
    first = make_message(dedupe_key="dossiers.dossierevent:7:email")
    again = make_message(dedupe_key="dossiers.dossierevent:7:email", subject="other")
    assert again.pk == first.pk
    assert Message.objects.count() == 1


def test_unknown_channels_and_empty_recipients_are_refused():
    with pytest.raises(ValueError):
        make_message(channel="sms")  # reserved until there is a gateway
    with pytest.raises(ValueError):
        make_message(recipient="")
    with pytest.raises(ValueError):
        make_message(context={"action": "receive"})  # would clash in the audit event
    assert not Message.objects.exists()


def test_a_subject_cannot_carry_a_second_header_line():
    message = make_message(subject="Hồ sơ 1\r\nBcc: everyone@example.vn")
    assert "\n" not in message.subject and "\r" not in message.subject


def test_a_failed_attempt_is_kept_with_its_error_and_retried_later(mail_server, mailoutbox):
    mail_server.down = True
    mail_server.error = smtplib.SMTPRecipientsRefused({ADDRESS: (451, b"try again later")})
    message = make_message()
    now = timezone.now()
    assert services.deliver_due(now=now) == 0
    message = reload(message)
    assert message.status == Status.PENDING and message.retrying
    assert message.attempts == 1
    assert message.next_attempt_at == now + MINUTE
    assert message.claimed_until is None
    assert "SMTPRecipientsRefused" in message.last_error
    assert ADDRESS not in message.last_error  # the address never lands in the error
    assert "tr*********@example.vn" in message.last_error
    assert services.deliver_due(now=now + MINUTE / 2) == 0  # not yet due
    assert reload(message).attempts == 1


def test_a_mail_server_down_for_ten_minutes_loses_nothing(
    mail_server, mailoutbox, django_capture_on_commit_callbacks
):
    mail_server.down = True
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        messages = [make_message(recipient=f"nguoi{n}@example.vn") for n in range(5)]
    # The commit tried each once (immediate backend): all still there, waiting a minute.
    for t in (1, 3, 7):  # retries at +1, +3, +7 minutes fail too
        assert services.deliver_due(now=start + t * MINUTE + timedelta(seconds=5)) == 0
    rows = Message.objects.filter(pk__in=[m.pk for m in messages])
    assert {(m.status, m.attempts) for m in rows} == {(Status.PENDING, 4)}
    assert all(m.last_error.startswith("SMTPServerDisconnected") for m in rows)
    assert mailoutbox == []

    mail_server.down = False  # back after ten minutes
    assert services.deliver_due(now=start + 10 * MINUTE) == 0  # next try is at +15
    assert services.deliver_due(now=start + 16 * MINUTE) == 5
    assert services.deliver_due(now=start + timedelta(days=3)) == 0
    assert sorted(mail.to[0] for mail in mailoutbox) == [f"nguoi{n}@example.vn" for n in range(5)]
    assert {(m.status, m.attempts, m.last_error) for m in rows.all()} == {(Status.SENT, 5, "")}
    sent = AuditEvent.objects.filter(action="test.notified")
    assert sorted(e.data["message"] for e in sent) == sorted(m.pk for m in messages)
    assert not AuditEvent.objects.filter(action="outbox.failed").exists()


def test_exhausted_attempts_fail_visibly_and_a_supervisor_can_retry(
    mail_server, mailoutbox, settings
):
    settings.OUTBOX = {**settings.OUTBOX, "MAX_ATTEMPTS": 3}
    mail_server.down = True
    message = make_message()
    now = timezone.now()
    for _n in range(5):
        services.deliver_due(now=now)
        now += timedelta(hours=2)
    message = reload(message)
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    [failed] = AuditEvent.objects.filter(action="outbox.failed")
    assert failed.data["message"] == message.pk
    assert failed.data["to"] == "tr*********@example.vn"
    assert ADDRESS not in failed.summary + str(failed.data)

    clerk = User.objects.create_user("clerk", password="x")
    with pytest.raises(PermissionDenied):
        services.retry(message, clerk)
    supervisor = User.objects.create_user("supervisor", password="x", is_superuser=True)
    mail_server.down = False
    services.retry(message, supervisor, now=now)
    message = reload(message)
    assert (message.status, message.attempts, message.next_attempt_at) == (Status.PENDING, 0, now)
    [retried] = AuditEvent.objects.filter(action="outbox.retried")
    assert retried.actor == supervisor
    assert retried.data["previous_status"] == Status.FAILED
    assert services.deliver_due(now=now) == 1
    assert len(mailoutbox) == 1
    with pytest.raises(services.OutboxError):
        services.retry(reload(message), supervisor)  # already sent


def test_an_address_refused_for_good_fails_at_once(mail_server):
    mail_server.down = True
    mail_server.error = smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"no such user")})
    message = make_message()
    services.deliver_due()
    message = reload(message)
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert AuditEvent.objects.filter(action="outbox.failed").count() == 1


def test_a_message_being_sent_is_not_taken_again(mail_server, mailoutbox):
    """Single process: a claimed row is invisible to other deliveries until the claim ends
    (the concurrency test runs several processes)."""
    message = make_message()
    now = timezone.now()
    claimed = services._claim(Message.objects.all(), now)
    assert claimed.pk == message.pk
    assert services.deliver_due(now=now + MINUTE) == 0
    assert not services.deliver(message, now=now + MINUTE)
    supervisor = User.objects.create_user("sup", password="x", is_superuser=True)
    with pytest.raises(services.OutboxError):
        services.retry(message, supervisor, now=now + MINUTE)
    assert mailoutbox == []
    # A worker that died while sending: the message is due again once the claim runs out.
    later = now + timedelta(seconds=services.config("CLAIM_SECONDS") + 1)
    assert services.deliver(message, now=later)
    assert reload(message).attempts == 2
    assert len(mailoutbox) == 1


def test_log_lines_carry_message_ids_never_addresses(mail_server, caplog):
    caplog.set_level("INFO", logger="motcua.outbox")
    mail_server.down = True
    mail_server.error = smtplib.SMTPRecipientsRefused({ADDRESS: (451, b"later")})
    message = make_message()
    services.deliver_due()
    mail_server.down = False
    services.deliver_due(now=timezone.now() + timedelta(hours=1))
    assert reload(message).status == Status.SENT
    text = caplog.text
    assert f"outbox message {message.pk} sent" in text
    assert "example.vn" not in text
