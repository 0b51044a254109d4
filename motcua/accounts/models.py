"""Citizens' and organisations' accounts: who signed in through the identity provider.

An `Account` belongs to one Django user and is known to the identity provider by
(provider, subject): the issuer of the ID token and its `sub` claim. Its fields are the
claims the provider released at the last sign-in; `identity_verified` is the provider's
word that the identity was checked (VNeID level 2), the index's VNeID flag.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Account(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="account",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AccountKind.choices)
    full_name = models.CharField(_("name"), max_length=300)
    id_number = models.CharField(_("ID number"), max_length=12, blank=True, db_index=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    representative = models.CharField(
        _("legal representative"),
        max_length=300,
        blank=True,
        help_text=_("For an organisation: the person who signed in for it."),
    )
    identity_verified = models.BooleanField(
        _("identity verified"),
        default=False,
        help_text=_("The identity provider checked this identity (VNeID level 2)."),
    )
    # How the citizen wants to hear about their dossiers ("Receive notifications" page).
    notify_email = models.BooleanField(_("notify by e-mail"), default=True)
    notify_sms = models.BooleanField(
        _("notify by text message"),
        default=True,
        help_text=_("Sent when a mobile number is known."),
    )
    # The number for text messages when it is not the one the identity provider released
    # (+84…, normalised); blank: the account's phone.
    sms_phone = models.CharField(_("phone for text messages"), max_length=15, blank=True)
    provider = models.CharField(_("identity provider"), max_length=255)
    subject = models.CharField(_("subject at the provider"), max_length=255)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    signed_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen account")
        verbose_name_plural = _("citizen accounts")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="account_provider_subject")
        ]

    def __str__(self) -> str:
        return self.full_name
