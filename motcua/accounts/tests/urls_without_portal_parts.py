"""The portal's URLs as if the electronic results' download and the payments did not exist
(only the result verification page, which every page's footer links to)."""

from django.http import HttpResponse
from django.urls import include, path

from motcua.urls import urlpatterns as portal


def stand_in(request):
    return HttpResponse("")


urlpatterns = [
    *(p for p in portal if getattr(p, "namespace", None) not in ("results", "payments")),
    path("", include(([path("verify/", stand_in, name="verify")], "results"))),
]
