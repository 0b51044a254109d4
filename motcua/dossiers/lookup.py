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

import collections
import functools
import hmac
import ipaddress
import re
import secrets
import weakref

from django import forms
from django.conf import settings
from django.db import ProgrammingError, connections, router
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.core import audit, kept, ratelimit
from motcua.core.security import client_ip
from motcua.dossiers import lookup_html
from motcua.dossiers.links import TOKEN_PARAMETER, token_opens
from motcua.dossiers.models import BEFORE_ANY, Applicant, Channel, Dossier, DossierEvent
from motcua.dossiers.services import SECRET_ALPHABET
from motcua.dossiers.views import mask_name, shown_at
from motcua.dossiers.workflow import Action, Status
from motcua.org.models import Desk
from motcua.postal.models import PostalOrder
from motcua.postal.models import Status as PostalStatus
from motcua.postal.services import orders_of

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
# The public events whose comment the timeline shows: what to supplement, the apology.
_NOTED = frozenset({Action.REQUEST_SUPPLEMENT, Action.APOLOGISE})


# --- Finding and checking ----------------------------------------------------------------------


def normal_code(value: str) -> str:
    return "".join((value or "").split()).upper()[:INPUT_MAX]


def normal_secret(value: str) -> str:
    """As printed, whatever the case, spaces or hyphens the citizen typed."""
    return "".join((value or "").split()).replace("-", "").upper()[:INPUT_MAX]


# What the answer page shows and the link check reads, in one statement: the dossier's own
# columns, its procedure's name, the applicant's name (masked before it is shown), both desks,
# whether it has a live postal order, and its public events (one row each, or one row with
# NULLs). Built once per database from the models' names; the ORM would compile the same
# statement on every request, which was a quarter of the answer's time (docs/performance.md).
def _in_model_order(model, names) -> tuple[str, ...]:
    """`Model.from_db` takes a subset of the columns in the model's own order."""
    order = [field.attname for field in model._meta.concrete_fields]
    return tuple(sorted(names, key=order.index))


_DOSSIER_FIELDS = _in_model_order(
    Dossier,
    ("id", "code", "secret", "status", "channel", "received_at", "due_at", "returned_at",
     "finished_at", "updated_at"),
)  # fmt: skip
_EVENT_FIELDS = _in_model_order(DossierEvent, ("id", "action", "at", "comment"))
_DESK_FIELDS = _in_model_order(Desk, ("id", "name", "address"))
# What the page reads of the events and the desk, as plain values (model instances cost more
# to make than anything else in reading the row).
PublicEvent = collections.namedtuple("PublicEvent", _EVENT_FIELDS)
PublicDesk = collections.namedtuple("PublicDesk", _DESK_FIELDS)
_CHOICE = re.compile(r"[a-z_]+")
_DATETIMES = frozenset({"received_at", "due_at", "returned_at", "finished_at", "updated_at", "at"})


def _literal(value: str) -> str:
    """One of our own choice values (lower-case letters and underscores) as an SQL literal,
    so that the code typed is the statement's only parameter."""
    if not _CHOICE.fullmatch(value):
        raise ValueError(f"not a choice value: {value!r}")
    return f"'{value}'"


@functools.cache
def _find_statement(alias: str) -> str:
    quote = connections[alias].ops.quote_name

    def of(table: str, model, name: str) -> str:
        return f"{table}.{quote(model._meta.get_field(name).column)}"

    def join(kind: str, table: str, model, column: str) -> str:
        key = of(table, model, "id")
        return f"{kind} {quote(model._meta.db_table)} {table} ON {key} = {of('d', Dossier, column)}"

    dossier = ", ".join(of("d", Dossier, name) for name in _DOSSIER_FIELDS)
    events = ", ".join(of("e", DossierEvent, name) for name in _EVENT_FIELDS)
    actions = ", ".join(_literal(action) for action in PUBLIC_ACTIONS)
    desks = ", ".join(of(t, Desk, name) for t in ("rd", "kd") for name in _DESK_FIELDS)
    live_order = (
        f"EXISTS (SELECT 1 FROM {quote(PostalOrder._meta.db_table)} o "
        f"WHERE {of('o', PostalOrder, 'dossier')} = {of('d', Dossier, 'id')} "
        f"AND {of('o', PostalOrder, 'status')} <> {_literal(PostalStatus.CANCELLED)})"
    )
    return " ".join(
        [
            f"SELECT {dossier}, {of('p', Procedure, 'name')}, {of('a', Applicant, 'full_name')},",
            f"{desks}, {live_order}, {events}",
            f"FROM {quote(Dossier._meta.db_table)} d",
            join("JOIN", "p", Procedure, "procedure"),
            join("JOIN", "a", Applicant, "applicant"),
            join("LEFT JOIN", "rd", Desk, "return_desk"),
            join("LEFT JOIN", "kd", Desk, "received_desk"),
            f"LEFT JOIN {quote(DossierEvent._meta.db_table)} e",
            f"ON {of('e', DossierEvent, 'dossier')} = {of('d', Dossier, 'id')}",
            f"AND {of('e', DossierEvent, 'action')} IN ({actions})",
            # From its arrival on, as models.since_arrival reads a dossier's events: PostgreSQL
            # then skips the partitions of the years before (the one statement's first value).
            f"AND {of('e', DossierEvent, 'at')} >= COALESCE({of('d', Dossier, 'submitted_at')},",
            f"{of('d', Dossier, 'received_at')}, %s)",
            f"WHERE {of('d', Dossier, 'code')} = %s AND {of('d', Dossier, 'parent')} IS NULL",
            f"ORDER BY {of('e', DossierEvent, 'at')}, {of('e', DossierEvent, 'id')}",
        ]
    )


@functools.cache
def _before_any(alias: str):
    """BEFORE_ANY as the database takes it: the events' bound when a dossier has no arrival."""
    return connections[alias].ops.adapt_datetimefield_value(BEFORE_ANY)


PREPARED = "motcua_lookup_find"
_prepared_on: weakref.WeakSet = weakref.WeakSet()  # the PostgreSQL connections that hold it
# psycopg's cursor kept for the statement on each PostgreSQL connection (by the driver's
# connection object: a closed or replaced connection takes its cursor with it).
_cursors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _statement_cursor(connection):
    """A Django cursor over the psycopg cursor kept for the lookup's statement on this
    PostgreSQL connection, as `connection.cursor()` would give one (metrics, query log in
    tests, the database's errors as Django's). A new psycopg cursor made the loaders of the
    statement's two dozen columns again for every answer (docs/performance.md, "The lookup,
    sixth round"). Never closed here: the Django cursor's `close` would close the kept one.
    The steps are `BaseDatabaseWrapper._cursor`'s, with the kept cursor in place of a new one;
    its wrapping is Django's own `_prepare_cursor`."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        kept = _cursors.get(raw)
        if kept is None or kept.closed:
            kept = _cursors[raw] = connection.create_cursor()
        return connection._prepare_cursor(kept)


def _run_find(connection, params: list) -> list[tuple]:
    """The rows of `_find_statement`. On PostgreSQL as a statement prepared once per
    connection (`PREPARE`, then `EXECUTE` with the code): planning the joins over the events'
    yearly partitions cost more than running them. Prepared statements outlive a rolled-back
    transaction and end with the connection; one that went missing (`DISCARD ALL` by a
    connection pooler) is prepared again."""
    statement = _find_statement(connection.alias)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()
    cursor = _statement_cursor(connection)
    raw = connection.connection
    execute = f"EXECUTE {PREPARED}({', '.join('%s' for _ in params)})"
    if raw in _prepared_on:
        try:
            cursor.execute(execute, params)
            return cursor.fetchall()
        except ProgrammingError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != "26000" or connection.in_atomic_block:
                raise  # 26000: no such prepared statement; in a transaction, nothing to retry
            _prepared_on.discard(raw)
    parts = statement.split("%s")
    numbered = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
    cursor.execute(f"PREPARE {PREPARED} AS {numbered}")
    _prepared_on.add(raw)
    cursor.execute(execute, params)
    return cursor.fetchall()


def find(code: str):
    """The applicant's own dossier with this code (not a part of an inter-agency chain), with
    what its page shows; None when there is none. One query (docs/performance.md).

    The dossier is a model instance holding only the columns read (nothing else is ever
    loaded from it), with `procedure_name`, `applicant_name`, `desk` (where the result is
    collected: the return desk, else the receiving desk, or None; a `PublicDesk`),
    `has_postal_orders` and `public_events` (the events the public timeline shows, in order;
    `PublicEvent`s)."""
    alias = router.db_for_read(Dossier)
    connection = connections[alias]
    rows = _run_find(connection, [_before_any(alias), code])
    if not rows:
        return None
    aware = getattr(connection.ops, "convert_datetimefield_value", None)  # SQLite's text

    def values(names, row):
        if aware is None:
            return row
        return [
            aware(value, None, connection) if name in _DATETIMES else value
            for name, value in zip(names, row, strict=True)
        ]

    first, n, e = rows[0], len(_DOSSIER_FIELDS), len(_EVENT_FIELDS)
    dossier = Dossier.from_db(alias, _DOSSIER_FIELDS, values(_DOSSIER_FIELDS, first[:n]))
    dossier.procedure_name, dossier.applicant_name = first[n], first[n + 1]
    return_desk, received_desk = first[n + 2 : n + 5], first[n + 5 : n + 8]
    dossier.has_postal_orders = bool(first[n + 8])
    desk = return_desk if return_desk[0] is not None else received_desk  # as the receipt says
    dossier.desk = PublicDesk(*desk) if desk[0] is not None else None
    dossier.public_events = [
        PublicEvent(*values(_EVENT_FIELDS, row[-e:])) for row in rows if row[-e] is not None
    ]
    return dossier


@functools.cache
def _labels(model, name: str, language: str) -> dict:
    """A field's choices as a dict of their labels in a language, made once (`get_FOO_display`
    makes the dict at every call, and its labels are translated where they are shown)."""
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


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
    context = {
        "form": LookupForm(initial={"code": code}),
        "link_refused": link_refused,
        "old_link": OLD_LINK in request.GET,
    }
    if code:
        return render(request, "dossiers/lookup.html", context)
    # The empty form is the same for every visitor but for the CSRF token: kept (core/kept.py).
    return kept.kept_page(request, "dossiers/lookup.html", context)


def _form(request, form, *, status=200, **context):
    return render(request, "dossiers/lookup.html", {"form": form, **context}, status=status)


def _check(request, code: str):
    posted = request.POST
    typed = posted.get("code") or code  # an old form posted the password alone
    typed_secret = posted.get("secret", "")

    def as_posted():  # the form with what was posted, built only for a page that shows it
        return LookupForm({**posted.dict(), "code": typed})

    if not typed.strip() or not typed_secret.strip() or "\x00" in typed + typed_secret:
        # What LookupForm refuses (a field left empty, a NUL character), with its messages;
        # an answer to valid input does not build the form (docs/performance.md).
        return _form(request, as_posted())
    code, secret = normal_code(typed), normal_secret(typed_secret)
    per_client, per_code = limits()
    counters = [("lookup.client", client_key(request), per_client), ("lookup.code", code, per_code)]
    try:  # refused at the limit, else a wrong password counted (ratelimit.judging)
        with ratelimit.judging(counters) as judge:  # the counters asked while the database reads
            dossier = find(code)
            right = password_matches(dossier, secret)
            counted = judge(failed=not right)
    except ratelimit.Unavailable:
        response = _form(request, as_posted(), status=503, unavailable=True)
        response["Retry-After"] = "60"
        return response
    for counter, scope in zip(counted, ("client", "code"), strict=False):
        if counter.exceeded:
            return _limited(request, typed.strip(), counter, scope)
    if right:
        return _show(request, dossier)
    # Never the password; the code as typed (bounded) and the address, as for a failed sign-in.
    audit.refused(None, "dossier.lookup", dossier, code=code[:CODE_MAX], address=client_ip(request))
    return _form(request, LookupForm(initial={"code": code}), error=True)


def _limited(request, typed: str, counted, scope: str):
    if counted.first_refused:  # one audit row per window, however long the attack goes on
        audit.refused(None, "dossier.lookup.limited", scope=scope, address=client_ip(request))
    retry_after = counted.retry_after()
    response = _form(
        request,
        LookupForm(initial={"code": typed[:CODE_MAX]}),
        status=429,
        limited=True,
        minutes=max(1, -(-retry_after // 60)),
    )
    response["Retry-After"] = str(retry_after)
    return response


def return_place(dossier) -> dict:
    """Where the applicant collects the result, as the receipt says it."""
    return _place(dossier.channel, dossier.return_desk or dossier.received_desk)


def _place(channel: str, desk) -> dict:
    """By post, or at the desk (the return desk, else the receiving desk), or not known."""
    if channel == Channel.POST:
        return {"by_post": True}
    if desk is None:
        return {}
    return {"name": desk.name, "address": desk.address}


def _show(request, dossier):
    """The answer page, from what `find` read: no other query unless the dossier has a live
    postal order (then its status and tracking number, as `{% postal_tracking %}` shows).
    Its dates, labels and timeline are worked out here as plain values, as the work queue's
    rows are (views._lines), and drawn in lookup_html; the page around them is kept for
    visitors (core/kept.py). The template language was most of the answer's time
    (docs/performance.md)."""
    language = get_language()
    actions = _labels(DossierEvent, "action", language)
    events = [
        {
            "label": actions.get(event.action, event.action),
            "at": shown_at(event.at),
            "note": event.comment if event.action in _NOTED else "",
        }
        for event in dossier.public_events
    ]
    orders = []
    if dossier.has_postal_orders:
        orders = list(
            orders_of(dossier)
            .prefetch_related(None)
            .only("direction", "status", "status_at", "tracking_number", "dossier_id", "fee")
        )
    answer = lookup_html.answer(
        code=dossier.code,
        procedure=dossier.procedure_name,
        applicant=mask_name(dossier.applicant_name),
        status=_labels(Dossier, "status", language).get(dossier.status, dossier.status),
        received_at=shown_at(dossier.received_at) or "–",
        due_at=shown_at(dossier.due_at) or "–",
        returned_at=shown_at(dossier.returned_at),
        place=_place(dossier.channel, dossier.desk),
        ready=dossier.status == Status.RESULT_READY,
        events=events,
        postal_orders=orders,
    )
    return kept.kept_page(request, "dossiers/lookup_result.html", {}, fill={"answer": answer})
