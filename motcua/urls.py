from django.contrib import admin
from django.urls import include, path

from motcua.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("motcua.dossiers.urls")),
    path("api/v1/", api.urls),
    path("", include("motcua.stats.urls")),
    path("", include("motcua.index766.urls")),
    path("", include("motcua.catalog.urls")),
    path("", include("motcua.core.urls")),
]
