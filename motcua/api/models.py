"""Tokens of the systems that integrate through the REST API.

A token belongs to a service account (`user`): the officer posts that account holds decide,
through `motcua.dossiers.permissions`, what the token may see and do. `agencies`, when set,
narrows that further to the dossiers of those agencies. Only the SHA-256 of the secret is
stored; the secret is shown once, when the token is issued. Only `services.py` writes here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(
        _("key prefix"),
        max_length=8,
        unique=True,
        help_text=_("The first 8 characters of the secret, to find the token."),
    )
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    agencies = models.ManyToManyField(
        "org.Agency",
        verbose_name=_("only for agencies"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every agency where the service account holds a post."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
