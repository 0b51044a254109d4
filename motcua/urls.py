from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from motcua.api.api import api

urlpatterns = [
    path("", include("motcua.ops.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("motcua.dossiers.urls")),
    path("api/v1/", api.urls),
    path("", include("motcua.stats.urls")),
    path("", include("motcua.index766.urls")),
    # Before the catalogue: /procedures/<code>/apply/ is the online application (eforms).
    path("", include("motcua.eforms.urls")),
    path("", include("motcua.catalog.urls")),
    path("", include("motcua.accounts.urls")),
    path("", include("motcua.payments.urls")),
    path("", include("motcua.results.urls")),
    path("", include("motcua.store.urls")),  # /my/store/, /my/data/, /office/data-requests/
    path("", include("motcua.postal.urls")),
    path("", include("motcua.reorg.urls")),  # /office/organisation/ (units, agencies on a date)
]
if settings.MOTCUA_DEV_IDP:  # the development identity provider, never in production
    urlpatterns.append(path("dev/idp/", include("motcua.devidp.urls")))
if settings.MOTCUA_DEV_PAYMENT_GATEWAY:  # the development payment gateway, never in production
    urlpatterns.append(path("dev/payment-gateway/", include("motcua.payments.devgateway.urls")))
if settings.MOTCUA_DEV_POSTAL_OPERATOR:  # the development postal operator, never in production
    urlpatterns.append(path("dev/post/", include("motcua.postal.devpost.urls")))
if settings.MOTCUA_DEV_SMS:  # the development SMS provider, never in production
    urlpatterns.append(path("dev/sms/", include("motcua.outbox.devsms_urls")))
