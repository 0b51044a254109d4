"""The signed lookup link of a dossier (docs/lookup.md): `/lookup/<code>/?t=<token>`, printed as
the receipt's QR code and sent in the applicant's e-mails.

The token is a signature of the dossier's code (django.core.signing with SECRET_KEY), salted
with the dossier's lookup password: it proves knowledge of neither, works for no other
dossier, and stops working when the password changes. The link opens the dossier while it is
open and for `MOTCUA["LOOKUP_LINK_DAYS"]` days after it is finished. No Django view here, so
that notifications can import it.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from motcua.dossiers.workflow import FINAL

SALT = "motcua.dossiers.lookup"
TOKEN_PARAMETER = "t"


def _signer(secret: str) -> signing.Signer:
    return signing.Signer(salt=f"{SALT}:{secret}")


def token(dossier) -> str:
    return _signer(dossier.secret).signature(dossier.code)


def link_path(dossier) -> str:
    path = reverse("dossiers:lookup", args=[dossier.code])
    return f"{path}?{urlencode({TOKEN_PARAMETER: token(dossier)})}"


def link_expires_at(dossier):
    """When the link stops working: never while the dossier is open; LOOKUP_LINK_DAYS after
    it is finished (the result returned, or the dossier refused, withdrawn or closed)."""
    if dossier.status not in FINAL:
        return None
    ended = dossier.returned_at or dossier.finished_at or dossier.updated_at
    return ended + timedelta(days=settings.MOTCUA["LOOKUP_LINK_DAYS"])


def token_opens(dossier, value: str, now=None) -> bool:
    """Whether `value` is this dossier's link token and the link has not expired. The
    signature is checked in constant time, with SECRET_KEY_FALLBACKS too."""
    if dossier is None or not value:
        return False
    signer = _signer(dossier.secret)
    try:
        signer.unsign(f"{dossier.code}{signer.sep}{value}")
    except signing.BadSignature:
        return False
    expires = link_expires_at(dossier)
    return expires is None or (now or timezone.now()) <= expires
