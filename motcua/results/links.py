"""The verification link in a result's QR code: the dossier code and a short signed token
(Django's TimestampSigner over the code, salted for this use), never the lookup password.
The token proves the link was made by the portal for that dossier; it expires after
RESULTS["LINK_MAX_AGE_DAYS"] (default ten years); after that a copy of the file can still
be checked by uploading it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from motcua.results.keys import config

SALT = "motcua.results.verify"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9_-]{20,100}$")
CODE = re.compile(r"^[A-Za-z0-9.\-]{1,40}$")

OK, EXPIRED, FORGED = "ok", "expired", "forged"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def token_for(code: str) -> str:
    return _signer().sign(code)[len(code) + 1 :]


def check(code: str, token: str) -> str:
    """OK, EXPIRED (genuine but too old) or FORGED (anything else)."""
    if not CODE.match(code or "") or not TOKEN.match(token or ""):
        return FORGED
    try:
        _signer().unsign(f"{code}:{token}", max_age=timedelta(days=config("LINK_MAX_AGE_DAYS")))
    except signing.SignatureExpired:
        return EXPIRED
    except signing.BadSignature:
        return FORGED
    return OK


def path_for(code: str) -> str:
    return reverse("results:verify_link", kwargs={"code": code, "token": token_for(code)})


def public_url(code: str) -> str:
    """The link printed and encoded in the QR code, outside any request."""
    return settings.MOTCUA["PUBLIC_URL"].rstrip("/") + path_for(code)
