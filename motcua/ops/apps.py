from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "motcua.ops"
    verbose_name = _("Operations")

    def ready(self):
        from django.core.signals import request_finished

        from motcua.ops import memory

        request_finished.connect(memory.request_finished, dispatch_uid="motcua.ops.memory")
