from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "motcua.core"
    verbose_name = _("Core")

    def ready(self):
        from motcua.core import signals  # noqa: F401  (connects the sign-in audit receivers)
