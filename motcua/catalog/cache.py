"""What the public catalogue pages keep between requests, and when it is thrown away.

The catalogue changes rarely (a publication decision, an admin edit) and is read on every
search. Each web process keeps in its own memory (the `default` cache) what depends only on
the catalogue: the everyday search phrases and the rendered filter lists of the search page
(agencies, sectors; catalog/_filters.html). Their keys carry the catalogue's **generation**, a
value in the cache every process shares (`settings.LIMITS_CACHE`: the database table or
Redis), which every saved or deleted procedure, sector, agency, search phrase or publication
decision replaces, at once and again when its transaction commits (and `migrate` and
`flush`). So a change is seen by the next request of every process; what was kept under the
old generation is never read again and ages out (`KEEP_SECONDS`, also the bound for a change
made without saving a model, such as a bulk update). Nothing personal is kept here: what is
kept is the same for every visitor (only the language and the filters chosen vary, and they
are part of the key). The public lookup is never cached.

If the shared cache cannot be reached, nothing is kept and the pages are built as before.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

GENERATION_KEY = "catalogue:generation"
KEEP_SECONDS = 300
log = logging.getLogger(__name__)


def _shared():
    return caches[settings.LIMITS_CACHE]


def _new_value() -> str:
    # Unique across processes and restarts: a generation is never reused.
    return f"{time.time_ns():x}{secrets.token_hex(4)}"


def generation() -> str | None:
    """The catalogue's current generation, or None when the shared cache is unreachable."""
    try:
        shared = _shared()
        value = shared.get(GENERATION_KEY)
        if value is None:
            shared.add(GENERATION_KEY, _new_value(), timeout=None)
            value = shared.get(GENERATION_KEY)
        return value
    except Exception as exc:  # whatever the backend raises: then nothing is kept
        log.warning("catalogue cache generation unavailable: %s", type(exc).__name__)
        return None


def bump(level=logging.ERROR) -> None:
    """A new generation: what was kept for the catalogue is no longer read. Inside a
    transaction the write goes in a savepoint: the shared cache may be the database table,
    and a failure there (no cache table yet, before `createcachetable`) must not spoil the
    transaction that changed the catalogue."""
    try:
        with transaction.atomic():
            _shared().set(GENERATION_KEY, _new_value(), timeout=None)
    except Exception as exc:
        log.log(level, "catalogue cache generation not replaced: %s", type(exc).__name__)


def migrated(sender, **kwargs) -> None:
    """After `migrate` and `flush` (rows written by migrations, or all rows gone). Before
    `createcachetable` there is no shared cache yet, and nothing kept to forget."""
    bump(level=logging.INFO)


def kept(name: str, build, *, generation_value: str | None = None):
    """`build()`, kept in this process's cache under the current generation."""
    current = generation_value if generation_value is not None else generation()
    if current is None:
        return build()
    key = f"catalogue:{current}:{name}"
    local = caches["default"]
    value = local.get(key)
    if value is None:
        value = build()
        local.set(key, value, KEEP_SECONDS)
    return value


def changed(sender, **kwargs) -> None:
    """Signal receiver: now (the changing transaction sees its own change) and on commit
    (another process may have kept the old rows under the first new generation meanwhile),
    once at commit however many rows the transaction saves (a seed saves thousands)."""
    bump()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    token = getattr(connection, "_motcua_catalogue_bump", None)
    if token is None or token["done"]:
        token = connection._motcua_catalogue_bump = {"done": False}
    transaction.on_commit(partial(_bump_once, token))


def _bump_once(token: dict) -> None:
    """The commit's bump: the first of the transaction's callbacks does it."""
    if not token["done"]:
        token["done"] = True
        bump()


def connect() -> None:
    from motcua.catalog.models import Procedure, PublicationDecision, SearchPhrase, Sector
    from motcua.org.models import Agency

    for model in (Procedure, Sector, SearchPhrase, PublicationDecision, Agency):
        uid = f"motcua.catalog.cache.{model.__name__}"
        post_save.connect(changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}.delete")
    catalog = apps.get_app_config("catalog")  # once per migrate or flush, not once per app
    post_migrate.connect(migrated, sender=catalog, dispatch_uid="motcua.catalog.cache.migrated")
