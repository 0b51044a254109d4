from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    name = "motcua.postal"
    verbose_name = _("Postal service")

    def ready(self):
        from motcua.outbox import services as outbox
        from motcua.postal import services
        from motcua.postal.operators import dev  # noqa: F401  (registers the adapter)

        outbox.register_call(services.CREATE_CALL, services.send_order)
        outbox.register_call(services.CANCEL_CALL, services.send_cancel)
