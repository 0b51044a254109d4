from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Index766Config(AppConfig):
    name = "motcua.index766"
    label = "index766"
    verbose_name = _("Index of Quyết định 766/QĐ-TTg")
