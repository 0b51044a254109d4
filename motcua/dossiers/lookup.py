"""The public dossier lookup (docs/lookup.md).

`/lookup/` asks for the dossier code and the lookup password printed on the receipt (POST);
`/lookup/<code>/?t=<token>` is the link in the receipt's QR code and in the e-mails, whose
token is a signature, never the password (links.py). Without a valid token the page asks for
the password with the code filled in; `?secret=` in a URL is ignored.

Guessing is slowed down by two counters in the cache every process shares (core/ratelimit):
wrong passwords per client address and per dossier code (`LOOKUP_LIMIT_PER_CLIENT`,
`LOOKUP_LIMIT_PER_CODE`); over either, the answer is 429 with `Retry-After`. An unknown code
and a wrong password take the same path (one query, one constant-time comparison, one audit
row) and get the same answer. The page shows status, public timeline, appointment and where
to collect the result, and of the applicant only a masked name.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from motcua.core import audit, ratelimit
from motcua.core.security import client_ip
from motcua.dossiers.links import TOKEN_PARAMETER, token_opens
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import SECRET_ALPHABET
from motcua.dossiers.views import mask_name
from motcua.dossiers.workflow import Action, Status

CODE_MAX = 40  # Dossier.code
INPUT_MAX = 64  # what a form field keeps of what was typed
OLD_LINK = "old-link"  # where a link with the password (before signed links) is sent
# Compared against when the code does not exist, so that the path is the same.
_UNKNOWN = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(8))

PUBLIC_ACTIONS = [
    Action.SUBMIT,
    Action.RECEIVE,
    Action.REQUEST_SUPPLEMENT,
    Action.SUPPLEMENT,
    Action.COMPLETE,
    Action.RETURN_RESULT,
    Action.REFUSE,
    Action.WITHDRAW,
    Action.APOLOGISE,
]


# --- Finding and checking ----------------------------------------------------------------------


def normal_code(value: str) -> str:
    return "".join((value or "").split()).upper()[:INPUT_MAX]


def normal_secret(value: str) -> str:
    """As printed, whatever the case, spaces or hyphens the citizen typed."""
    return "".join((value or "").split()).replace("-", "").upper()[:INPUT_MAX]


def find(code: str):
    """The applicant's own dossier with this code (not a part of an inter-agency chain)."""
    return (
        Dossier.objects.select_related("procedure", "applicant", "return_desk", "received_desk")
        .filter(code=code, parent__isnull=True)
        .first()
    )


def password_matches(dossier, secret: str) -> bool:
    """Constant time, and the same work whether or not the dossier exists."""
    expected = dossier.secret if dossier is not None else _UNKNOWN
    same = hmac.compare_digest(secret.encode(), expected.encode())
    return same and dossier is not None


def client_key(request) -> str:
    """The client address the limits count: the address, or its /64 network for IPv6 (one
    subscriber's usual allocation, so that walking a prefix does not reset the count)."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def limits():
    motcua = settings.MOTCUA
    return (
        ratelimit.Rate.of(motcua["LOOKUP_LIMIT_PER_CLIENT"]),
        ratelimit.Rate.of(motcua["LOOKUP_LIMIT_PER_CODE"]),
    )


# --- Pages -------------------------------------------------------------------------------------


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": CODE_MAX}),
        error_messages={"required": _("Enter the dossier code printed on your receipt.")},
    )
    secret = forms.CharField(
        label=_("Lookup password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "maxlength": 20}),
        error_messages={"required": _("Enter the lookup password printed on your receipt.")},
    )


def lookup(request, code: str = ""):
    """`/lookup/` and `/lookup/<code>/`: the form, the QR link, the answer to the form."""
    if request.method == "POST":
        return _check(request, code)
    if "secret" in request.GET:  # an old receipt's link: take the password out of the address
        path = reverse("dossiers:lookup", args=[code]) if code else reverse("dossiers:lookup_form")
        return redirect(f"{path}?{OLD_LINK}=1")
    code = normal_code(code)
    link_refused = False
    if code and request.GET.get(TOKEN_PARAMETER):
        dossier = find(code)
        if token_opens(dossier, request.GET[TOKEN_PARAMETER][:INPUT_MAX]):
            return _show(request, dossier)
        link_refused = True
    return _form(
        request,
        LookupForm(initial={"code": code}),
        link_refused=link_refused,
        old_link=OLD_LINK in request.GET,
    )


def _form(request, form, *, status=200, **context):
    return render(request, "dossiers/lookup.html", {"form": form, **context}, status=status)


def _check(request, code: str):
    data = request.POST.dict()
    data["code"] = data.get("code") or code  # an old form posted the password alone
    form = LookupForm(data)
    if not form.is_valid():
        return _form(request, form)
    code = normal_code(form.cleaned_data["code"])
    secret = normal_secret(form.cleaned_data["secret"])
    per_client, per_code = limits()
    try:  # both counted with one commit, before the password is checked
        counted = ratelimit.attempt_all(
            [("lookup.client", client_key(request), per_client), ("lookup.code", code, per_code)]
        )
    except ratelimit.Unavailable:
        response = _form(request, form, status=503, unavailable=True)
        response["Retry-After"] = "60"
        return response
    for counter, scope in zip(counted, ("client", "code"), strict=False):
        if counter.exceeded:
            return _limited(request, form, counter, scope)
    dossier = find(code)
    if password_matches(dossier, secret):
        ratelimit.forgive_all(counted)
        return _show(request, dossier)
    # Never the password; the code as typed (bounded) and the address, as for a failed sign-in.
    audit.refused(None, "dossier.lookup", dossier, code=code[:CODE_MAX], address=client_ip(request))
    return _form(request, LookupForm(initial={"code": code}), error=True)


def _limited(request, form, counted, scope: str):
    if counted.first_refused:  # one audit row per window, however long the attack goes on
        audit.refused(None, "dossier.lookup.limited", scope=scope, address=client_ip(request))
    retry_after = counted.retry_after()
    response = _form(
        request,
        LookupForm(initial={"code": form.cleaned_data["code"][:CODE_MAX]}),
        status=429,
        limited=True,
        minutes=max(1, -(-retry_after // 60)),
    )
    response["Retry-After"] = str(retry_after)
    return response


def return_place(dossier) -> dict:
    """Where the applicant collects the result, as the receipt says it."""
    if dossier.channel == Channel.POST:
        return {"by_post": True}
    desk = dossier.return_desk or dossier.received_desk
    if desk is None:
        return {}
    return {"name": desk.name, "address": desk.address}


def _show(request, dossier):
    events = dossier.events.filter(action__in=PUBLIC_ACTIONS).order_by("at", "id")
    return render(
        request,
        "dossiers/lookup_result.html",
        {
            "dossier": dossier,
            "masked_name": mask_name(dossier.applicant.full_name),
            "events": events,
            "return_place": return_place(dossier),
            "ready": dossier.status == Status.RESULT_READY,
        },
    )
