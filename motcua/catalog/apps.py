from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "motcua.catalog"
    verbose_name = _("Procedure catalogue")

    def ready(self):
        from motcua.catalog import cache

        cache.connect()  # the public pages' kept parts follow catalogue changes (cache.py)
