"""Payments of a dossier's fees (phí, lệ phí): online through a gateway, by VietQR bank
transfer, or in cash at the desk; the desk's assessment of a fee that varies; the agencies'
bank accounts; receipt numbers. Only `services.py` writes these tables (the development
gateway's own table is written by its views: it stands for another system).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    GATEWAY = "gateway", _("Online payment gateway")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (VietQR)")
    COUNTER = "counter", _("Cash at the desk")


# Paid without cash at the desk: what the national index counts as paid online.
ONLINE_CHANNELS = (Channel.GATEWAY, Channel.BANK_TRANSFER)


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    REFUND_DUE = "refund_due", _("Paid twice: to be refunded")
    REFUNDED = "refunded", _("Refunded")


# The money arrived (a receipt is issued for each).
RECEIVED = (Status.PAID, Status.REFUND_DUE, Status.REFUNDED)


class Payment(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    reference = models.CharField(
        _("payment reference"),
        max_length=32,
        unique=True,
        help_text=_("Ours: sent to the gateway as the order's reference."),
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    currency = models.CharField(_("currency"), max_length=3, default="VND")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    gateway = models.CharField(_("gateway"), max_length=32, blank=True)
    gateway_transaction_id = models.CharField(
        _("gateway's transaction number"), max_length=64, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    lines = models.JSONField(_("fee lines"), default=list, blank=True)
    payer_name = models.CharField(_("payer"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    settled_at = models.DateTimeField(
        _("settled at"), null=True, blank=True, help_text=_("When the outcome was recorded.")
    )
    late = models.BooleanField(
        _("paid after expiry"),
        default=False,
        help_text=_("The gateway reported the payment after we had marked it expired."),
    )
    result_code = models.CharField(_("gateway's result code"), max_length=8, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    raw_callback = models.JSONField(
        _("gateway's message"),
        default=dict,
        blank=True,
        help_text=_("The verified message that settled the payment, as it came."),
    )
    callback_fingerprint = models.CharField(max_length=64, blank=True)
    callback_answer = models.CharField(max_length=2, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("receipt issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receipt_year = models.PositiveSmallIntegerField(_("receipt year"), null=True, blank=True)
    receipt_number = models.PositiveIntegerField(_("receipt number"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "gateway_transaction_id"],
                condition=~Q(gateway_transaction_id=""),
                name="payment_gateway_transaction_unique",
            ),
            models.UniqueConstraint(
                fields=["receipt_agency", "receipt_year", "receipt_number"],
                condition=Q(receipt_number__isnull=False),
                name="payment_receipt_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="payment_due_expiry"),
            models.Index(fields=["status", "channel", "paid_at"], name="payment_paid"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def online(self) -> bool:
        return self.channel in ONLINE_CHANNELS

    @property
    def receipt_label(self) -> str:
        if self.receipt_number is None:
            return ""
        return f"{self.receipt_number:07d}"


class FeeAssessment(models.Model):
    """The amount the desk set for a dossier whose procedure has a fee that varies (or that
    the desk corrected): what the applicant is asked to pay."""

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="fee_assessment",
    )
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    note = models.CharField(_("basis of the amount"), max_length=500, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        verbose_name = _("fee assessment")
        verbose_name_plural = _("fee assessments")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.amount}"


class BankAccount(models.Model):
    """The account fees are transferred to (VietQR): an agency's, or the province's default
    (no agency)."""

    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_accounts",
        help_text=_("Empty: the account for agencies that have none of their own."),
    )
    bank_bin = models.CharField(
        _("bank BIN (NAPAS)"), max_length=6, help_text=_("Six digits, e.g. 970415.")
    )
    bank_name = models.CharField(_("bank"), max_length=200)
    account_number = models.CharField(_("account number"), max_length=19)
    account_name = models.CharField(_("account holder"), max_length=200)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(is_active=True, agency__isnull=False),
                name="one_active_account_per_agency",
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True, agency__isnull=True),
                name="one_active_default_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number}"


class ReceiptCounter(models.Model):
    """The last receipt number an agency gave in a year (locked when used)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="receipt_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year} {self.last}"


class DevGatewayTransaction(models.Model):
    """The development gateway's own record of a checkout (it stands for the gateway's
    database, not ours): what the merchant asked, what the tester chose, and its IPN calls."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        TIMEOUT = "timeout", _("Timeout (no answer)")

    number = models.CharField(_("transaction number"), max_length=20, unique=True)
    merchant = models.CharField(_("merchant"), max_length=40)
    reference = models.CharField(_("merchant's reference"), max_length=64)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    order_info = models.CharField(_("order"), max_length=255, blank=True)
    return_url = models.URLField(_("return address"), max_length=500)
    notify_url = models.URLField(_("IPN address"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN
    )
    response_code = models.CharField(_("response code"), max_length=2, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    ipn_attempts = models.PositiveIntegerField(_("IPN attempts"), default=0)
    ipn_answer = models.CharField(_("last IPN answer"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("development gateway transaction")
        verbose_name_plural = _("development gateway transactions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "reference"], name="devgateway_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number
