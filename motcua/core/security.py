"""Small security helpers shared by settings-driven libraries (django-axes) and our views."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind MOTCUA_PROXY_COUNT trusted proxies that
    each append the address they saw to X-Forwarded-For, the address the outermost one saw.

    Only the entries our own proxies appended are trusted: a client can put anything at the
    front of the header, so we count from the end."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "MOTCUA_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        return remote
    return hops[-count][:45]  # the longest textual IPv6 address


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer while a user name is locked out at this address: a page in the
    visitor's language saying for how long, with status 429."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


USERNAME_MAX = 150  # org.User.username; a longer name cannot exist


def axes_username(request, credentials=None):
    """The user name django-axes counts failures for: as typed, cut to what a user name can
    be, so that a 10,000-character one is an ordinary failure and not a database error."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return None if username is None else str(username).replace("\x00", "")[:USERNAME_MAX]
