"""The only code that writes API tokens: issue, revoke, and note when one was last used.

A secret is 40 letters and digits (about 238 bits); the token stores its first 8 characters
(`key_prefix`, to find the row) and its SHA-256 (`key_hash`, to check it). Issuing and
revoking each write an audit event in the same transaction.
"""

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone

from motcua.api import rows
from motcua.api.models import ApiToken
from motcua.api.prepared import Prepared
from motcua.core import audit
from motcua.dossiers import permissions

ALPHABET = string.ascii_letters + string.digits
SECRET_CHARACTERS = frozenset(ALPHABET)
SECRET_LENGTH = 40
PREFIX_LENGTH = 8
# `last_used_at` is refreshed at most this often, so that reads do not write on every call.
USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    while True:
        secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
        if not ApiToken.objects.filter(key_prefix=secret[:PREFIX_LENGTH]).exists():
            return secret


@transaction.atomic
def issue_token(name: str, user, agencies: Iterable = (), *, actor=None) -> tuple[ApiToken, str]:
    """A new token for the service account `user`, optionally narrowed to `agencies`.
    Returns the token and its secret, which is not stored and cannot be shown again."""
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("A token needs a name")
    agencies = list(agencies)
    secret = _new_secret()
    token = ApiToken.objects.create(
        name=name,
        key_prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        user=user,
    )
    if agencies:
        token.agencies.set(agencies)
    audit.record(
        "api_token.issued",
        token,
        actor,
        summary=f"{name} → {user.get_username()}",
        key_prefix=token.key_prefix,
        user=user.get_username(),
        agencies=sorted(a.code for a in agencies),
    )
    return token, secret


@transaction.atomic
def revoke(token: ApiToken, *, actor=None) -> ApiToken:
    """Revoke the token from now on; revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record("api_token.revoked", token, actor, summary=token.name, key_prefix=token.key_prefix)
    return token


def _token_query(prefix: str, now, today):
    """The token with this prefix, not revoked, with its user and, in the same statement,
    the agencies it is narrowed to and the user's posts in force at `now` (`today`: its
    date), for `auth.agency_ids` and `permissions.posts`."""
    held, delegated = permissions.posts_queries(OuterRef("user"), now, today)
    return (
        ApiToken.objects.select_related("user")
        .annotate(
            agency_rows=rows.rows_of(
                ApiToken.agencies.through.objects.filter(apitoken=OuterRef("pk")), "agency_id"
            ),
            held_rows=rows.rows_of(held, *permissions.POSTS_FIELDS),
            delegated_rows=rows.rows_of(delegated, *permissions.DELEGATED_FIELDS),
        )
        .filter(key_prefix=prefix, revoked_at__isnull=True)
    )


TOKEN_QUERY = Prepared(_token_query, prefix="str", now="datetime", today="date")


def find_token(secret: str) -> ApiToken | None:
    """The active token whose secret this is, with its user; None otherwise."""
    secret = secret.strip()
    if len(secret) != SECRET_LENGTH or not set(secret) <= SECRET_CHARACTERS:
        return None  # never sent to the database: a NUL in a header must not reach it
    # One query (`_token_query`, compiled once): the token, its user, its agencies and the
    # user's posts.
    now = timezone.now()
    token = TOKEN_QUERY.first(prefix=secret[:PREFIX_LENGTH], now=now, today=now.date())
    if token is None or not hmac.compare_digest(token.key_hash, hash_secret(secret)):
        return None
    if not token.user.is_active:
        return None
    token._agency_ids = {agency_id for (agency_id,) in rows.load(token.agency_rows)}
    permissions.remember_posts(
        token.user, rows.load(token.held_rows), rows.load(token.delegated_rows)
    )
    return token


def mark_used(token: ApiToken, now=None) -> None:
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
