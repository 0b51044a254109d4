"""`{% kept "name" %}…{% endkept %}`: a part of a page rendered once per process and language
for visitors who are not signed in, then served as it was (core/kept.py; docs/performance.md,
"Public pages").

The base template's header and footer are the same for every visitor in one language; their
rendering (a dozen URL reversals, translations, static paths) was a large part of a public
page's time. A kept part is rendered in a context of its own that holds only the names in
`KEPT_CONTEXT` (the language code and direction, the portal's and the province's names) and
an anonymous user: it cannot show anything of the request or of a person. Its key is those
values, the template and the part's name, the active language and the script prefix.

- A signed-in user's page never uses a kept part: it is rendered for them each time, with
  their own context (their name, their menu, their sign-out form's token).
- A CSRF token is each visitor's own, so it stays outside kept parts: a part whose rendering
  would hold one (a `{% csrf_token %}` inside) is not kept and is rendered for each request,
  and the mistake is logged.
- A variable that is not in `KEPT_CONTEXT` renders empty inside a kept part (as an unknown
  variable does anywhere): `{{ request… }}` belongs outside.
"""

from __future__ import annotations

import logging

from django import template
from django.contrib.auth.models import AnonymousUser
from django.template.loader_tags import BlockNode

from motcua.core import kept as store

register = template.Library()
log = logging.getLogger(__name__)

KEPT_CONTEXT = ("LANGUAGE_CODE", "LANGUAGE_BIDI", "portal_name", "province_name")
# What `{% csrf_token %}` prints inside a kept part: found in the text, the part is not kept.
_NO_TOKEN = "kept-part-holds-no-csrf-token"


def _visitor(context) -> bool:
    """Whether the page is for a visitor not signed in (a request's page, not an e-mail's)."""
    user = context.get("user")
    return user is not None and not user.is_authenticated


class KeptNode(template.Node):
    # `{% extends %}` looks for the blocks of the parent template at every rendering, through
    # every node's `child_nodelists`: a kept part holds none (see `kept`), so it is skipped.
    child_nodelists = ()

    def __init__(self, name: str, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        if not _visitor(context):
            return self.nodelist.render(context)
        values = tuple(context.get(name) for name in KEPT_CONTEXT)
        origin = getattr(self.origin, "name", "")
        entry = store.key("part", origin, self.name, values)
        text = store.get(entry)
        if text is not None:
            return text
        own = context.new({**dict(zip(KEPT_CONTEXT, values, strict=True)), "user": AnonymousUser()})
        own["csrf_token"] = _NO_TOKEN
        text = self.nodelist.render(own)
        if _NO_TOKEN in text:
            log.error("kept part %s of %s holds a CSRF token: not kept", self.name, origin)
            return self.nodelist.render(context)
        store.put(entry, text)
        return text


@register.tag
def kept(parser, token):
    """{% kept "name" %}…{% endkept %}"""
    bits = token.split_contents()
    if len(bits) != 2 or len(bits[1]) < 3 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('usage: {% kept "name" %}…{% endkept %}')
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):  # a block is each page's own: it cannot be kept
        raise template.TemplateSyntaxError("{% kept %} may not hold a {% block %}")
    return KeptNode(bits[1][1:-1], nodelist)
