"""What the identity provider's claims say about a person or an organisation. No Django.

The claim names are ours by default (docs/portal.md, "Claims"): the standard OpenID
Connect ones (`sub`, `name`, `birthdate`, `phone_number`, `email`, `address`) and
`kind`, `id_number`, `tax_code`, `representative_name`, `identity_level`. A real provider
that names them otherwise is mapped by the setting OIDC_CLAIM_NAMES, without code.

The identity is verified when the provider says so: `identity_level` 2 or more (VNeID's
level 2: the identity checked in person against the national population database), or a
boolean `identity_verified` claim.
"""

from __future__ import annotations

import re
from datetime import date

from motcua.dossiers.validation import normalise_phone, valid_id_number, valid_tax_code

DEFAULT_NAMES = {
    "subject": "sub",
    "full_name": "name",
    "kind": "kind",
    "id_number": "id_number",
    "tax_code": "tax_code",
    "birth_date": "birthdate",
    "phone": "phone_number",
    "email": "email",
    "address": "address",
    "representative": "representative_name",
    "identity_level": "identity_level",
    "identity_verified": "identity_verified",
}
VERIFIED_LEVEL = 2
EARLIEST_BIRTH_YEAR = 1900
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
LIMITS = {"subject": 255, "full_name": 300, "address": 500, "representative": 300, "email": 254}


class InvalidClaims(ValueError):
    """The claims lack what an account needs, or hold it in a form we cannot use."""


def _text(value, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        return ""
    text = " ".join(CONTROL.sub(" ", str(value)).split())
    return text[:limit]


def _address(value) -> str:
    # OpenID Connect's address claim is an object; "formatted" is the whole address.
    if isinstance(value, dict):
        value = value.get("formatted") or ", ".join(
            str(value[k])
            for k in ("street_address", "locality", "region", "country")
            if isinstance(value.get(k), str) and value.get(k)
        )
    return _text(value, LIMITS["address"])


def _birth_date(value, today: date) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        born = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return born if born.year >= EARLIEST_BIRTH_YEAR and born <= today else None


def _verified(level, flag) -> bool:
    if isinstance(flag, bool):
        return flag
    if isinstance(level, bool):
        return False
    if isinstance(level, int):
        return level >= VERIFIED_LEVEL
    if isinstance(level, str) and level.strip().isdigit() and len(level.strip()) < 4:
        return int(level.strip()) >= VERIFIED_LEVEL
    return False


def profile(claims: dict, names: dict | None = None, today: date | None = None) -> dict:
    """The account's fields from `claims`; InvalidClaims when an account cannot be made."""
    if not isinstance(claims, dict):
        raise InvalidClaims("claims are not an object")
    names = {**DEFAULT_NAMES, **(names or {})}
    today = today or date.today()

    def get(field):
        return claims.get(names[field])

    subject = get("subject")
    if not isinstance(subject, str) or not subject.strip() or CONTROL.search(subject):
        raise InvalidClaims("no usable subject")
    if len(subject) > LIMITS["subject"]:
        raise InvalidClaims("subject too long")
    kind = _text(get("kind"), 20) or "person"
    if kind not in ("person", "organisation"):
        raise InvalidClaims("unknown kind")
    full_name = _text(get("full_name"), LIMITS["full_name"])
    if not full_name:
        raise InvalidClaims("no name")
    id_number = re.sub(r"\s", "", _text(get("id_number"), 20))
    if id_number and not valid_id_number(id_number):
        raise InvalidClaims("invalid ID number")
    if kind == "person" and not id_number:
        raise InvalidClaims("a person needs an ID number")
    tax_code = re.sub(r"\s", "", _text(get("tax_code"), 20))
    if tax_code and not valid_tax_code(tax_code):
        raise InvalidClaims("invalid tax code")
    if kind == "organisation" and not tax_code:
        raise InvalidClaims("an organisation needs a tax code")
    email = _text(get("email"), LIMITS["email"])
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        email = ""  # an unusable optional claim is left out, not a reason to refuse
    phone = normalise_phone(_text(get("phone"), 20)) or ""
    return {
        "subject": subject,
        "kind": kind,
        "full_name": full_name,
        "id_number": id_number,
        "tax_code": tax_code,
        "birth_date": _birth_date(get("birth_date"), today),
        "phone": phone,
        "email": email,
        "address": _address(get("address")),
        "representative": _text(get("representative"), LIMITS["representative"])
        if kind == "organisation"
        else "",
        "identity_verified": _verified(get("identity_level"), get("identity_verified")),
    }
