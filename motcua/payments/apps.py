from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from motcua.payments import checks  # noqa: F401  (registers the system checks)
        from motcua.payments.gateways import dev  # noqa: F401  (registers the dev gateway)
