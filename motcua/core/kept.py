"""What the public pages keep in each process's memory for visitors not signed in: parts of a
page (the base template's header and footer: `{% kept %}`, core/templatetags/kept.py) and
whole pages that are the same for every visitor but for their CSRF token and the parts named
as each visitor's own (`kept_page`: the lookup's empty form, and its answer around the
dossier's part). docs/performance.md, "Public pages".

Kept text is rendered for an anonymous visitor once per process and key; the key holds the
active language and the script prefix, with what the caller adds. A signed-in user's page is
never kept nor served from here, nor a page with a query string or with messages waiting for
the visitor. The CSRF token is each visitor's own: a kept page is rendered with a placeholder
wherever `{% csrf_token %}` is, and each response gets the visitor's own token there (a page
that would hold any other token is not kept); a kept part may not hold one at all. A page's
own parts (`fill`) are placeholders in what is kept, filled in for each response. Nothing
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
from django.utils.html import conditional_escape
from django.utils.translation import get_language

MAX_KEPT = 256
# Where the visitor's token goes: random for each process, so no page text can hold it.
TOKEN_PLACEHOLDER = f"kept{secrets.token_hex(16)}"
# The token's placeholder, or a page's own part's (`kept_page`'s `fill`): the placeholder, a
# hyphen and the part's name. Filled in one pass, so that nothing filled in is read again.
_PLACEHOLDERS = re.compile(re.escape(TOKEN_PLACEHOLDER) + r"(?:-([a-z_]+))?")
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


def kept_page(request, template_name: str, context: dict, fill: dict | None = None) -> HttpResponse:
    """`render(request, template_name, {**context, **fill})`, kept for visitors: rendered once
    per language and path with a placeholder for the CSRF token and for each part in `fill`,
    then sent with this visitor's own token and parts. Everyone else gets the page rendered
    for them.

    `fill` holds the page's own parts (HTML: a plain string is escaped, a `SafeString` from
    `format_html` is not), each printed once by the template as `{{ name }}`: no filter, no
    condition around it. A page where a part's placeholder is not found exactly once is not
    kept (the mistake is logged) and is rendered for each request."""
    fill = fill or {}

    def rendered() -> HttpResponse:  # the page as `render` makes it, for this request alone
        return render(request, template_name, {**context, **fill})

    if not for_visitor(request):
        return rendered()
    entry = key("page", template_name, request.path, *sorted(fill))
    text = get(entry)
    if text is None:
        asked = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # get_token was called before
        marks = {name: f"{TOKEN_PLACEHOLDER}-{name}" for name in fill}
        text = render_to_string(
            template_name, {**context, **marks, "csrf_token": TOKEN_PLACEHOLDER}, request
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
            return rendered()
        if any(text.count(mark) != 1 for mark in marks.values()):
            log.error("page %s does not print each part once: not kept", template_name)
            return rendered()
        put(entry, text)
    values = {name: conditional_escape(value) for name, value in fill.items()}
    values[None] = get_token(request)
    return HttpResponse(_PLACEHOLDERS.sub(lambda found: values[found[1]], text))
