"""The development identity provider's pages: a VNeID-style sign-in (choose a demo
identity, or type an ID number or tax code and the password), and django-oauth-toolkit's
OpenID Connect endpoints. All of it answers 404 unless MOTCUA_DEV_IDP is on.

The provider keeps who is signed in to it under its own session key, apart from the
portal's sign-in: signing in here does not sign anyone in to the portal; the portal signs
the citizen in when the provider sends them back with a code.
"""

from __future__ import annotations

import functools

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from oauth2_provider import views as dot

from motcua.core import audit
from motcua.devidp.demo import DEMO_PASSWORD
from motcua.devidp.models import Identity

SESSION_KEY = "devidp_identity"


def enabled(view):
    """404 unless the development identity provider is on (never in production)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not getattr(settings, "MOTCUA_DEV_IDP", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def signed_in_identity(request) -> Identity | None:
    pk = request.session.get(SESSION_KEY)
    if not isinstance(pk, int):
        return None
    return Identity.objects.select_related("user").filter(pk=pk).first()


class SignInForm(forms.Form):
    login = forms.CharField(
        label=gettext_lazy("Personal ID number or tax code"), max_length=20, strip=True
    )
    password = forms.CharField(
        label=gettext_lazy("Password"), max_length=128, widget=forms.PasswordInput
    )


def _next(request) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    authorize = reverse("oauth2_provider:authorize")
    if value.startswith(authorize) and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}
    ):
        return value
    return ""


@enabled
def sign_in(request):
    next_url = _next(request)
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        login = form.cleaned_data["login"]
        identity = (
            Identity.objects.filter(id_number=login, kind=Identity.Kind.PERSON).first()
            or Identity.objects.filter(tax_code=login, kind=Identity.Kind.ORGANISATION).first()
        )
        if identity is not None and identity.check_password(form.cleaned_data["password"]):
            request.session.cycle_key()
            request.session[SESSION_KEY] = identity.pk
            audit.record("devidp.sign_in", identity, None, identity.full_name)
            return HttpResponseRedirect(next_url or reverse("devidp:signed_in"))
        error = _("Wrong ID number, tax code or password.")
    elif request.method == "POST":
        error = _("Enter the ID number or tax code and the password.")
    return render(
        request,
        "devidp/sign_in.html",
        {
            "form": form,
            "error": error,
            "next": next_url,
            "identities": Identity.objects.all(),
            "demo_password": DEMO_PASSWORD,
        },
        status=400 if error else 200,
    )


@enabled
def signed_in(request):
    return render(request, "devidp/signed_in.html", {"identity": signed_in_identity(request)})


@enabled
@require_POST
def sign_out(request):
    request.session.pop(SESSION_KEY, None)
    return HttpResponseRedirect(reverse("devidp:sign_in"))


@method_decorator(enabled, name="dispatch")
class AuthorizeView(dot.AuthorizationView):
    """django-oauth-toolkit's authorisation endpoint, for the identity signed in here."""

    def dispatch(self, request, *args, **kwargs):
        identity = signed_in_identity(request)
        request.user = identity.user if identity is not None else AnonymousUser()
        return super().dispatch(request, *args, **kwargs)

    def get_login_url(self):
        return reverse("devidp:sign_in")


TokenView = method_decorator(enabled, name="dispatch")(dot.TokenView)
UserInfoView = method_decorator(enabled, name="dispatch")(dot.UserInfoView)
JwksView = method_decorator(enabled, name="dispatch")(dot.JwksInfoView)
DiscoveryView = method_decorator(enabled, name="dispatch")(dot.ConnectDiscoveryInfoView)
