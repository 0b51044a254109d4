from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "motcua.store"
    verbose_name = _("Personal electronic data store")

    def ready(self):
        # The application page offers the owner's stored papers (eforms/reuse.py).
        from motcua.eforms import reuse
        from motcua.store.reuse import StoreSource

        if not any(isinstance(s, StoreSource) for s in reuse.sources()):
            reuse.register(StoreSource())
