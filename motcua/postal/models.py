"""Postal orders (Quyết định 45/2016/QĐ-TTg): a dossier picked up from the applicant and
carried to the desk, or a result carried from the desk to the applicant; the operator's
tracking events (append-only). Only `services.py` writes these tables; `DevPostOrder` is
the development operator's own table (devpost/), written by its views only."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.models import AppendOnlyQuerySet, append_only_triggers
from motcua.postal import rules


class Direction(models.TextChoices):
    DOSSIER = rules.DOSSIER, _("Sending the dossier by post")
    RESULT = rules.RESULT, _("Receiving the result by post")


class Status(models.TextChoices):
    REQUESTED = rules.REQUESTED, _("Requested")
    ACCEPTED = rules.ACCEPTED, _("Accepted by the postal service")
    PICKED_UP = rules.PICKED_UP, _("Picked up by the postman")
    IN_TRANSIT = rules.IN_TRANSIT, _("In transit")
    DELIVERED = rules.DELIVERED, _("Delivered")
    FAILED = rules.FAILED, _("Delivery failed")
    RETURNED = rules.RETURNED, _("Returned to the sender")
    CANCELLED = rules.CANCELLED, _("Cancelled")


class Payer(models.TextChoices):
    APPLICANT = "applicant", _("The applicant")
    AGENCY = "agency", _("The agency")


class Area(models.TextChoices):
    LOCAL = "local", _("Within the province")
    NATIONAL = "national", _("Another province")


class PostalOrder(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    # A pickup's dossier exists once the post has delivered it to the desk.
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postal_orders",
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    desk = models.ForeignKey(
        "org.Desk",
        verbose_name=_("desk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The citizen who asked for it on the portal (their dossier's applicant).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postal_orders",
    )
    # What the dossier is submitted with when the post delivers it: the applicant (when
    # not from an account), where the result goes, the return desk.
    application = models.JSONField(_("application"), default=dict, blank=True)
    # Personal data: phones masked on pages, none of it in logs.
    sender_name = models.CharField(_("sender"), max_length=300)
    sender_address = models.CharField(_("sender's address"), max_length=500)
    sender_phone = models.CharField(_("sender's phone"), max_length=20, blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=300)
    recipient_address = models.CharField(_("recipient's address"), max_length=500)
    recipient_phone = models.CharField(_("recipient's phone"), max_length=20, blank=True)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices)
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    fee = models.PositiveBigIntegerField(_("postal fee (VND)"))
    payer = models.CharField(_("paid by"), max_length=10, choices=Payer.choices)
    operator = models.CharField(_("postal operator"), max_length=32)
    operator_order_id = models.CharField(_("operator's order number"), max_length=64, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    status_at = models.DateTimeField(_("status since"), default=timezone.now)
    # Why the order could not do what it was for (e.g. the delivered dossier's procedure
    # was abolished meanwhile): the desk sees it.
    problem = models.CharField(_("problem"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("postal order")
        verbose_name_plural = _("postal orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "direction"],
                condition=~models.Q(status="cancelled"),
                name="postal_one_live_order_per_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["operator", "operator_order_id"], name="postal_operator_order"),
            models.Index(fields=["tracking_number"], name="postal_tracking"),
            models.Index(fields=["agency", "status"], name="postal_agency_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def final(self) -> bool:
        return self.status in rules.FINAL


class PostalEvent(models.Model):
    """One event of the operator about an order, as it came (immutable)."""

    order = models.ForeignKey(
        PostalOrder, verbose_name=_("postal order"), on_delete=models.PROTECT, related_name="events"
    )
    event_id = models.CharField(_("operator's event id"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    at = models.DateTimeField(_("at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64)
    fields = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("postal event")
        verbose_name_plural = _("postal events")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "event_id"], name="postal_event_once"),
        ]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.event_id} {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            from motcua.core.models import AppendOnlyError

            raise AppendOnlyError("postal events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from motcua.core.models import AppendOnlyError

        raise AppendOnlyError("postal events are never deleted")


class DevPostOrder(models.Model):
    """The development operator's own record of an order (it stands for another system)."""

    number = models.CharField(max_length=32, unique=True)
    merchant = models.CharField(max_length=32)
    reference = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)  # pickup | delivery
    sender = models.CharField(max_length=300)
    sender_address = models.CharField(max_length=500)
    recipient = models.CharField(max_length=300)
    recipient_address = models.CharField(max_length=500)
    phone = models.CharField(max_length=20, blank=True)
    area = models.CharField(max_length=10)
    weight_grams = models.PositiveIntegerField()
    fee = models.PositiveBigIntegerField()
    notify_url = models.CharField(max_length=500)
    tracking_number = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=12, default="requested")
    events = models.JSONField(default=list, blank=True)  # the events sent: id, status, at
    last_answer = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "reference"], name="devpost_reference"),
        ]

    def __str__(self) -> str:
        return self.number
