"""What the public pages keep in each process's memory for visitors not signed in: parts of a
page (the base template's header and footer: `{% kept %}`, core/templatetags/kept.py) and
whole pages that are the same for every visitor but for their CSRF token (`kept_page`: the
lookup's empty form). docs/performance.md, "Public pages".

Kept text is rendered for an anonymous visitor once per process and key; the key holds the
active language and the script prefix, with what the caller adds. A signed-in user's page is
never kept nor served from here, nor a page with a query string or with messages waiting for
the visitor. The CSRF token is each visitor's own: a kept page is rendered with a placeholder
wherever `{% csrf_token %}` is, and each response gets the visitor's own token there (a page
that would hold any other token is not kept); a kept part may not hold one at all. Nothing
else of the request may be in a kept page (no CSP nonce, no user, no query string: the
portal's templates use none of them for visitors). At most `MAX_KEPT` entries; all are
forgotten when a setting changes (tests).
"""

from __future__ import annotations

import logging
import re
import secrets

from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.translation import get_language

MAX_KEPT = 256
# Where the visitor's token goes: random for each process, so no page text can hold it.
TOKEN_PLACEHOLDER = f"kept{secrets.token_hex(16)}"
_TOKEN_VALUES = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
log = logging.getLogger(__name__)

_kept: dict[tuple, str] = {}


def forget(**kwargs) -> None:
    _kept.clear()


setting_changed.connect(forget, dispatch_uid="motcua.core.kept")


def key(*parts) -> tuple:
    return (get_language(), get_script_prefix(), *parts)


def get(entry: tuple) -> str | None:
    return _kept.get(entry)


def put(entry: tuple, text: str) -> None:
    if len(_kept) < MAX_KEPT:
        _kept[entry] = text


def for_visitor(request) -> bool:
    """Whether the page may be kept: a visitor not signed in, no query string, no message
    waiting to be shown (the base template shows them, and they are the visitor's own)."""
    user = getattr(request, "user", None)
    return (
        user is not None
        and not user.is_authenticated
        and not request.GET
        and not get_messages(request)
    )


def kept_page(request, template_name: str, context: dict) -> HttpResponse:
    """`render(request, template_name, context)`, kept for visitors: rendered once per
    language and path with a placeholder for the CSRF token, then sent with this visitor's
    own token. Everyone else gets the page rendered for them."""
    if not for_visitor(request):
        return render(request, template_name, context)
    entry = key("page", template_name, request.path)
    text = get(entry)
    if text is None:
        asked = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # get_token was called before
        text = render_to_string(
            template_name, {**context, "csrf_token": TOKEN_PLACEHOLDER}, request
        )
        # Anything that asked for the real token while rendering (a sub-template of its own,
        # a tag) or printed another token: the page is rendered for each visitor instead.
        if (
            asked
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or any(value != TOKEN_PLACEHOLDER for value in _TOKEN_VALUES.findall(text))
        ):
            if not asked:
                log.error("page %s holds a CSRF token of its own: not kept", template_name)
            return render(request, template_name, context)
        put(entry, text)
    return HttpResponse(text.replace(TOKEN_PLACEHOLDER, get_token(request)))
