"""`citizen_required`: the gate of every citizen page.

Anonymous visitors are sent to the citizen sign-in page (and back afterwards); a signed-in
user without a citizen account (an officer) gets a 403 page saying that these pages are for
citizens and organisations signed in through the identity provider.
"""

import functools
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from motcua.core import audit


def account_of(user):
    """The user's citizen account, or None (anonymous users and officers)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.has_usable_password():
        # Citizens' users never have one (services.sign_in_from_claims): officers cost no query.
        return None
    from motcua.accounts.models import Account

    try:
        return user.account
    except Account.DoesNotExist:
        return None


def sign_in_redirect(request) -> HttpResponseRedirect:
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('accounts:sign_in')}?{query}")


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return sign_in_redirect(request)
        account = account_of(request.user)
        if account is None:
            audit.refused(request.user, "citizen.page", path=request.path[:200])
            return render(request, "accounts/not_citizen.html", status=403)
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper
