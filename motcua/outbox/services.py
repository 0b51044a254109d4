"""The only writer of the outbox (see docs/outbox.md).

`enqueue` writes a message in the caller's transaction and, once it commits, queues a task
that sends it. `deliver_due` sends what is due: it claims one row at a time (locked with
SKIP LOCKED on PostgreSQL, so two workers never take the same row), sends it outside any
transaction, then records the outcome: sent (with the audit event named by the message's
`kind`), or a retry later with exponential back-off, or, once the attempts are exhausted,
failed (audit event `outbox.failed`). `retry` is the supervisors' "retry now".

Recipients are personal data: logs carry message ids only, audit events a masked address.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import BadHeaderError, EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.outbox import sms
from motcua.outbox.models import Channel, Message, Status

log = logging.getLogger(__name__)

DEFAULTS = {
    "MAX_ATTEMPTS": 30,  # with the defaults below: retried for about a day
    "RETRY_BASE_SECONDS": 60,  # 1, 2, 4, 8 … minutes
    "RETRY_MAX_SECONDS": 3600,  # … at most an hour apart
    "CLAIM_SECONDS": 300,  # longer than one send may take (EMAIL_TIMEOUT)
    "BATCH": 100,  # messages per round of `deliver_due`
}


class OutboxError(Exception):
    """A request the outbox refuses, with a message for the user."""


def config(name: str):
    return {**DEFAULTS, **getattr(settings, "OUTBOX", {})}[name]


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×, 4× … capped."""
    base, cap = config("RETRY_BASE_SECONDS"), config("RETRY_MAX_SECONDS")
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 32), cap))


def mask(recipient: str, channel: str = Channel.EMAIL) -> str:
    """nguyenvana@example.vn → ng********@example.vn; 0912345678 → *******678; a call's
    name (not personal data) as it is"""
    if channel == Channel.CALL:
        return recipient
    if channel == Channel.EMAIL:
        name, _at, domain = recipient.partition("@")
        return f"{name[:2]}{'*' * max(len(name) - 2, 1)}@{domain}"
    return f"{'*' * max(len(recipient) - 3, 1)}{recipient[-3:]}"


def _send_email(message: Message) -> None:
    sent = EmailMessage(message.subject, message.body, None, [message.recipient]).send()
    if not sent:
        raise smtplib.SMTPException("the e-mail backend sent nothing")


# Names the audit events of a message use themselves (and audit.record's arguments).
RESERVED = frozenset({"action", "obj", "actor", "summary", "message", "channel", "to"})


def _send_sms(message: Message) -> None:
    sms.send(message.recipient, message.body, reference=message.dedupe_key)


class CallRejected(Exception):
    """The other system refused a call for good (a retry would be refused the same way)."""


# Calls to other systems by name (`recipient` of a `call` message): the function takes the
# message and raises to have it retried (CallRejected: failed at once). Apps register theirs
# in AppConfig.ready, e.g. register_call("postal.create_order", send_order).
CALLS: dict = {}


def register_call(name: str, function) -> None:
    if CALLS.get(name, function) is not function:
        raise ValueError(f"outbox call {name!r} is registered twice")
    CALLS[name] = function


def _send_call(message: Message) -> None:
    function = CALLS.get(message.recipient)
    if function is None:
        raise LookupError(f"no outbox call named {message.recipient!r}")
    function(message)


# How each channel is sent: e-mail through Django's backend, text messages through the SMS
# provider chosen by settings.SMS (outbox/sms.py), calls by their registered function.
SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms, Channel.CALL: _send_call}


# --- Writing ---------------------------------------------------------------------------------


def enqueue(
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str,
    about=None,
    context: dict | None = None,
    now: datetime | None = None,
) -> Message:
    """Write one message to send, in the caller's transaction; the same `dedupe_key` twice
    gives back the first message. It is sent once the transaction commits."""
    if channel not in SENDERS:
        raise ValueError(f"No sender for channel {channel!r}")
    if not recipient:
        raise ValueError("A message needs a recipient")
    if channel == Channel.SMS:
        recipient = sms.normalise_phone(recipient)  # InvalidPhone (a ValueError): no row
    if channel == Channel.CALL and recipient not in CALLS:
        raise ValueError(f"No outbox call named {recipient!r}")
    if context and RESERVED & context.keys():
        raise ValueError(f"Context keys {sorted(RESERVED)} are the outbox's own")
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a lost race must not break the caller's
            message = Message.objects.create(
                channel=channel,
                recipient=recipient,
                subject=" ".join(subject.split())[:255],  # one header line
                body=body,
                kind=kind,
                context=context or {},
                dedupe_key=dedupe_key,
                object_type=about._meta.label_lower if about is not None else "",
                object_id=str(about.pk) if about is not None else "",
                created_at=now,
                next_attempt_at=now,
            )
    except IntegrityError:
        return Message.objects.get(dedupe_key=dedupe_key)
    log.info("outbox message %s queued (%s)", message.pk, kind)
    transaction.on_commit(lambda: schedule([message.pk]))
    return message


def schedule(message_ids: list[int] | None = None, run_after: datetime | None = None):
    """Queue the delivery task (after a commit). A later run is queued only when the task
    backend can defer (django-tasks-db); otherwise `motcua outbox deliver` retries."""
    from motcua.outbox import tasks

    task = tasks.deliver_messages
    try:
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return None
            task = task.using(run_after=run_after)
        return task.enqueue(message_ids)
    except Exception:  # the rows are safe; the worker command will send them
        log.exception("outbox: could not queue the delivery of messages %s", message_ids)
        return None


def retry(message: Message, actor, now: datetime | None = None) -> Message:
    """A supervisor's "retry now": a failed or waiting message is due at once, with a full
    set of attempts. Audited as `outbox.retried`."""
    if not (actor.is_superuser or actor.has_perm("outbox.retry_message")):
        raise PermissionDenied(_("You may not retry messages."))
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.status == Status.SENT:
            raise OutboxError(_("This message has already been sent."))
        if message.claimed_until and message.claimed_until > now:
            raise OutboxError(_("This message is being sent right now."))
        before = {"status": message.status, "attempts": message.attempts}
        message.status = Status.PENDING
        message.attempts = 0
        message.next_attempt_at = now
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit.record(
            "outbox.retried",
            _about(message),
            actor,
            f"#{message.pk} {message.channel} {mask(message.recipient, message.channel)}",
            message=message.pk,
            previous_status=before["status"],
            previous_attempts=before["attempts"],
        )
        transaction.on_commit(lambda: schedule([message.pk]))
    log.info("outbox message %s retried by user %s", message.pk, actor.pk)
    return message


# --- Delivering ------------------------------------------------------------------------------


def deliver_due(
    now: datetime | None = None, limit: int | None = None, ids: list[int] | None = None
) -> int:
    """Send up to `limit` due messages (of `ids`, if given); the number sent."""
    now = now or timezone.now()
    limit = config("BATCH") if limit is None else limit
    rows = Message.objects.all() if ids is None else Message.objects.filter(pk__in=ids)
    sent = 0
    for _n in range(limit):
        message = _claim(rows, now)
        if message is None:
            break
        sent += _attempt(message, now)
    return sent


def deliver(message: Message, now: datetime | None = None) -> bool:
    """Send one message if it is due and nobody else is sending it; True if it went out."""
    return deliver_due(now=now, limit=1, ids=[message.pk]) == 1


def due(now: datetime, rows=None):
    """Messages waiting to be sent whose time has come and that nobody is sending."""
    rows = Message.objects.all() if rows is None else rows
    return rows.filter(status=Status.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def _claim(rows, now: datetime) -> Message | None:
    """Take the next due message for this worker: one short transaction, no I/O inside."""
    with transaction.atomic():
        message = (
            due(now, rows)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        message.claimed_until = now + timedelta(seconds=config("CLAIM_SECONDS"))
        message.save(update_fields=["attempts", "claimed_until"])
    return message


def _attempt(message: Message, now: datetime) -> bool:
    try:
        SENDERS[message.channel](message)
    except Exception as exc:  # any failure is kept and retried, never lost
        _failed(message, now, exc)
        return False
    _sent(message, now)
    return True


def _sent(message: Message, now: datetime) -> None:
    masked = mask(message.recipient, message.channel)
    with transaction.atomic():
        message.status = Status.SENT
        message.sent_at = now
        message.claimed_until = None
        message.last_error = ""
        message.save(update_fields=["status", "sent_at", "claimed_until", "last_error"])
        audit.record(
            message.kind,
            _about(message),
            None,
            f"{message.subject}: {message.channel} {masked}",
            **message.context,
            message=message.pk,
            channel=message.channel,
            to=masked,
        )
    log.info("outbox message %s sent (attempt %s)", message.pk, message.attempts)


def _failed(message: Message, now: datetime, exc: Exception) -> None:
    message.last_error = _describe(exc, message)
    message.claimed_until = None
    final = _permanent(exc) or message.attempts >= config("MAX_ATTEMPTS")
    with transaction.atomic():
        if final:
            message.status = Status.FAILED
            audit.record(
                "outbox.failed",
                _about(message),
                None,
                f"#{message.pk} {message.channel} {mask(message.recipient, message.channel)}",
                message=message.pk,
                kind=message.kind,
                channel=message.channel,
                to=mask(message.recipient, message.channel),
                attempts=message.attempts,
                error=message.last_error,
            )
        else:
            message.next_attempt_at = now + backoff(message.attempts)
        message.save(update_fields=["status", "last_error", "claimed_until", "next_attempt_at"])
    if final:
        log.error(
            "outbox message %s failed for good after %s attempts (%s)",
            message.pk,
            message.attempts,
            type(exc).__name__,
        )
    else:
        log.warning(
            "outbox message %s: attempt %s failed (%s), next at %s",
            message.pk,
            message.attempts,
            type(exc).__name__,
            message.next_attempt_at.isoformat(),
        )
        pk, run_after = message.pk, message.next_attempt_at
        transaction.on_commit(lambda: schedule([pk], run_after=run_after))


def _describe(exc: Exception, message: Message) -> str:
    """The error for supervisors, without the address (SMTP errors often quote it)."""
    text = f"{type(exc).__name__}: {exc}"
    recipient = message.recipient
    if recipient:
        masked = mask(recipient, message.channel)
        text = text.replace(recipient, masked).replace(recipient.lower(), masked)
    return text[:500]


def _permanent(exc: Exception) -> bool:
    """Errors that no retry will cure: every recipient refused with a 5xx code, a bad header,
    a text message the SMS provider refused (4xx) or a number that is not a mobile one."""
    if isinstance(exc, BadHeaderError | sms.SmsRejected | sms.InvalidPhone | CallRejected):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return False


def _about(message: Message):
    """The object the message is about (its audit events go there), else the message."""
    if message.object_type:
        try:
            model = apps.get_model(message.object_type)
        except (LookupError, ValueError):
            model = None
        if model is not None:
            obj = model._default_manager.filter(pk=message.object_id).first()
            if obj is not None:
                return obj
    return message
