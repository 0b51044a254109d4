from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevIdpConfig(AppConfig):
    name = "motcua.devidp"
    verbose_name = _("Development identity provider")
