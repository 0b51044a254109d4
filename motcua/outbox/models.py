"""The outbox: one row per message to send, written in the transaction of the change it is
about, delivered afterwards by a worker and retried until it goes out (see docs/outbox.md).

Only `outbox/services.py` writes these rows."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")  # recipient: +84…, sent by the SMS provider (outbox/sms.py)
    # A request to another system (e.g. a postal operator's API): recipient is the name of
    # the registered call (services.register_call), retried with back-off like a message.
    CALL = "call", _("Call to another system")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting, or retrying when attempts > 0
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # attempts exhausted, or refused for good


class Message(models.Model):
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # Personal data: shown masked in the admin, never logged.
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # Set while a worker is sending it: other workers and "retry now" leave it alone until
    # then (if the worker died, the message is due again afterwards).
    claimed_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # What the message is about, as in the audit trail ("dossiers.dossier", pk): the audit
    # events of its delivery are recorded on that object.
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # The audit action recorded on that object when the message is sent.
    kind = models.CharField(_("kind"), max_length=64)
    # Recorded with the audit events of this message (e.g. the dossier event it tells about).
    context = models.JSONField(_("context"), default=dict, blank=True)
    # The same cause never makes two messages (e.g. "dossiers.dossierevent:42:email").
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["object_type", "object_id"], name="outbox_about"),
        ]
        permissions = [("retry_message", _("Can retry sending a message"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.status}"

    @property
    def retrying(self) -> bool:
        return self.status == Status.PENDING and self.attempts > 0
