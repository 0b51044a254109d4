"""Electronic results: the PDF of a dossier's result, signed (PAdES) with the certificate of
the agency whose leader signed it. Only `services.py` writes these tables (docs/results.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("Being signed")
    SIGNED = "signed", _("Signed")
    FAILED = "failed", _("Signing failed")


class ResultDocument(models.Model):
    """One dossier's electronic result. The row is written in the transaction of the
    leader's `complete` (status pending, its number allocated); the signing task renders
    and signs the PDF and fills in the rest."""

    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="result_document",
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("signing agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader_name = models.CharField(_("leader's name"), max_length=300, blank=True)
    on_behalf_of = models.CharField(
        _("on behalf of"),
        max_length=300,
        blank=True,
        help_text=_("The leader whose approval was delegated to the signer, if any."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    issued_at = models.DateTimeField(
        _("dated"), help_text=_("When processing finished: the date the document bears.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), upload_to="results/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    certificate_subject = models.CharField(_("certificate subject"), max_length=1000, blank=True)
    certificate_issuer = models.CharField(_("certificate issuer"), max_length=1000, blank=True)
    certificate_serial = models.CharField(_("certificate serial number"), max_length=80, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    timestamped = models.BooleanField(
        _("time-stamped"),
        default=False,
        help_text=_("The signing time is certified by a time-stamping authority's token."),
    )
    attempts = models.PositiveSmallIntegerField(_("signing attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("electronic result")
        verbose_name_plural = _("electronic results")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "number"], name="result_number_per_agency_year"
            )
        ]
        indexes = [
            # The index's "dossiers with an electronic result" and the retry sweep.
            models.Index(fields=["status", "issued_at"], name="result_status_issued"),
            models.Index(fields=["status", "next_attempt_at"], name="result_status_next"),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.year} {self.dossier_id}"


class ResultCounter(models.Model):
    """Last number given to an agency's electronic results in a year (locked when used):
    administrative documents are numbered from 01 each 1 January (Nghị định 30/2020)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="result_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year} {self.last}"
