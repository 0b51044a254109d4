"""The development identity provider's identities: demo people and an organisation, as
VNeID would know them (docs/portal.md, "The development identity provider").

Each identity is a Django user (django-oauth-toolkit keys its grants and tokens to users)
with an unusable password, so it never signs in anywhere but here; the identity's own
password is kept (hashed) on the identity.
"""

import uuid

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _


class Identity(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dev_identity"
    )
    subject = models.CharField(
        _("subject"), max_length=64, unique=True, default=uuid.uuid4, editable=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    full_name = models.CharField(_("name"), max_length=300)
    id_number = models.CharField(_("ID number"), max_length=12, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    representative_name = models.CharField(_("legal representative"), max_length=300, blank=True)
    representative_id_number = models.CharField(
        _("representative's ID number"), max_length=12, blank=True
    )
    level = models.PositiveSmallIntegerField(
        _("identity level"), default=2, help_text=_("VNeID level: 2 is verified in person.")
    )
    password = models.CharField(max_length=128)

    class Meta:
        verbose_name = _("demo identity")
        verbose_name_plural = _("demo identities")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def login(self) -> str:
        """What the person types to sign in: the ID number, or the organisation's tax code."""
        return self.tax_code if self.kind == self.Kind.ORGANISATION else self.id_number

    def set_password(self, raw: str) -> None:
        self.password = make_password(raw)

    def check_password(self, raw: str) -> bool:
        return check_password(raw, self.password)

    def claims(self) -> dict:
        """What the provider releases about this identity (before the scopes filter it)."""
        claims = {
            "sub": str(self.subject),
            "kind": self.kind,
            "name": self.full_name,
            "identity_level": self.level,
            "phone_number": self.phone,
            "email": self.email,
            "address": {"formatted": self.address, "country": "VN"},
        }
        if self.kind == self.Kind.ORGANISATION:
            claims |= {
                "tax_code": self.tax_code,
                "representative_name": self.representative_name,
                "representative_id_number": self.representative_id_number,
            }
        else:
            claims |= {
                "id_number": self.id_number,
                "birthdate": self.birth_date.isoformat() if self.birth_date else "",
            }
        return {k: v for k, v in claims.items() if v not in ("", None)}
