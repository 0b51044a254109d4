from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "motcua.core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.backends.signals import connection_created

        from motcua.core import (
            pgloaders,
            signals,  # noqa: F401  (connects the sign-in audit receivers)
        )

        connection_created.connect(pgloaders.use_c_loaders, dispatch_uid="motcua.core.pgloaders")
