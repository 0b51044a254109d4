"""The record of each applied reorganisation plan: what makes a second apply a no-op."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reorganisation(models.Model):
    fingerprint = models.CharField(_("plan fingerprint (SHA-256)"), max_length=64, unique=True)
    effective_on = models.DateField(_("effective on"))
    instrument = models.CharField(_("legal instrument"), max_length=1000, blank=True)
    plan = models.JSONField(_("plan"))
    summary = models.JSONField(_("what moved"), default=dict)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("applied reorganisation")
        verbose_name_plural = _("applied reorganisations")
        ordering = ["-applied_at"]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.fingerprint[:12]}"
