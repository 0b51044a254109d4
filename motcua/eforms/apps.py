from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EformsConfig(AppConfig):
    name = "motcua.eforms"
    verbose_name = _("Online application forms")
