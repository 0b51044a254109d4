"""Online dossiers of the demo traffic, made as the portal makes them (docs/demo-data.md).

Each plan of the online channel gets the applicant's citizen account the way a sign-in
makes it (`accounts.services.sign_in_from_claims`, with the claims the development identity
provider releases: VNeID level 2, so the identity is verified), then its application goes
through the portal's own service, `eforms.services.apply`: the procedure's e-form answered
(the answers the account fills are locked to it; the rest are the applicant's own), every
mandatory document attached as a PDF, the result to be collected at the desk, the dossier
dated when the plan says it arrived. The plan's later steps are then `services.act` as for
every other plan (through_services.run).

Answers are drawn from the form itself (`answers_for`): each field's kind, its choices and
limits, and the patterns of the forms shipped for the demo (ID numbers, times, a business
household's name)."""

from __future__ import annotations

import hashlib
import json
import random
import re
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.accounts import services as accounts
from motcua.demo.plans import Plan
from motcua.dossiers.models import Dossier, ResultDelivery
from motcua.eforms import services as eforms
from motcua.eforms.schema import Field, Form

DEMO_ISSUER = "motcua-demo"  # when no identity provider is configured
VNEID_LEVEL = 2  # identity checked in person against the population database
# A one-page PDF: what a scanned paper attached to an online application stands for.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def claims_of(applicant: dict) -> dict:
    """The identity provider's claims for a demo applicant: the subject follows from the
    ID number (or tax code), so the same person signs in to the same account."""
    number = applicant.get("id_number") or applicant.get("tax_code") or applicant["full_name"]
    claims = {
        "sub": "demo-" + hashlib.sha256(number.encode()).hexdigest()[:24],
        "kind": applicant["kind"],
        "name": applicant["full_name"],
        "id_number": applicant.get("id_number", ""),
        "tax_code": applicant.get("tax_code", ""),
        "phone_number": applicant.get("phone", ""),
        "email": applicant.get("email", ""),
        "address": applicant.get("address", ""),
        "identity_level": VNEID_LEVEL,
    }
    if applicant["kind"] == "organisation":
        claims["representative_name"] = applicant.get("representative", "")
    return claims


def account_for(plan: Plan):
    """The applicant's account, created (or brought up to date) as a sign-in does."""
    issuer = settings.OIDC_OP_ISSUER or DEMO_ISSUER  # the development identity provider's
    return accounts.sign_in_from_claims(issuer, claims_of(plan.applicant))


# --- Answers --------------------------------------------------------------------------------

ID_DIGITS = "0123456789"


class Unanswerable(ValueError):
    """A form field whose pattern no demo answer matches: the form needs a filler here."""


def patterns(form: Form) -> dict[str, str]:
    """The pattern of each text field ("name", or "group.child" in a repeated group)."""
    found = {}
    for name, prop in (form.schema.get("properties") or {}).items():
        if "pattern" in prop:
            found[name] = prop["pattern"]
        for child, sub in ((prop.get("items") or {}).get("properties") or {}).items():
            if "pattern" in sub:
                found[f"{name}.{child}"] = sub["pattern"]
    return found


def _shaped(name: str, pattern: str, plan: Plan, rng: random.Random) -> str:
    """An answer matching the field's pattern, the likeliest shape for its name first."""
    shapes = {
        "id": "035" + "".join(rng.choice(ID_DIGITS) for _ in range(9)),
        "phone": plan.applicant.get("phone") or "0912345678",
        "business": f"Hộ kinh doanh {plan.applicant['full_name'].split()[-1]}",
        "time": f"{rng.randint(0, 23):02d}:{rng.choice((0, 15, 30, 45)):02d}",
        "month": f"{rng.randint(1, 12):02d}/{rng.randint(2000, 2019)}",
        "now": "nay",
    }
    hints = [key for key in shapes if key in name] + list(shapes)
    for key in hints:
        if re.search(pattern, shapes[key]):
            return shapes[key]
    raise Unanswerable(f"{name}: no demo answer matches {pattern}")


def _text(f: Field, plan: Plan, rng: random.Random, pattern: str = "") -> str:
    name = f.name.lower()
    if pattern:
        return _shaped(name, pattern, plan, rng)
    if f.input_type == "email":
        return plan.applicant.get("email") or ""
    if "name" in name:
        return plan.applicant["full_name"]
    if any(word in name for word in ("address", "residence", "place")):
        return plan.applicant.get("address") or "tỉnh Hà Nam"
    if "nationality" in name:
        return "Việt Nam"
    if "ethnicity" in name:
        return "Kinh"
    text = f"Đề nghị giải quyết thủ tục {plan.procedure.name}."
    return text[: f.max_length] if f.max_length else text


def _date(f: Field, today: date, rng: random.Random) -> str:
    if f.when == "future":
        return (today + timedelta(days=rng.randint(1, 30))).isoformat()
    if "death" in f.name or ("birth_date" in f.name and "child" in f.name):
        return (today - timedelta(days=rng.randint(1, 20))).isoformat()
    return date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28)).isoformat()


def _number(f: Field, rng: random.Random) -> str:
    low = int(f.minimum) if f.minimum is not None else 1
    high = int(f.maximum) if f.maximum is not None else max(low, 1) + 4
    if "year" in f.name:
        low, high = max(low, 1950), min(high, 2000) if f.maximum is None else high
    if "capital" in f.name:
        return str(max(low, rng.choice((50, 100, 200, 500)) * 1_000_000))
    return str(rng.randint(low, max(low, high)))


def _answer(f: Field, plan: Plan, today: date, rng: random.Random, pattern: str = "") -> str:
    if f.choices:
        return rng.choice(f.choices)[0]
    if f.kind == "yesno":
        return "on" if f.must_tick else ""
    if f.kind == "date":
        return _date(f, today, rng)
    if f.kind in ("number", "integer"):
        return _number(f, rng)
    return _text(f, plan, rng, pattern)


def answers_for(form: Form, account, plan: Plan, rng: random.Random) -> dict[str, str]:
    """What the applicant types into `form`: the account's details where the form fills
    them, an answer of the field's kind (and pattern) elsewhere; groups get the rows they
    need. Optional fields are left empty, as most applicants leave them."""
    today = timezone.localdate(plan.arrives_at)
    shapes = patterns(form)
    raw = form.initial(eforms.account_values(account))
    for f in form.fields:
        if f.is_group:
            for row in range(f.min_items):
                for child in f.children:
                    pattern = shapes.get(f"{f.name}.{child.name}", "")
                    raw[f"{f.name}-{row}-{child.name}"] = _answer(child, plan, today, rng, pattern)
        elif f.name not in raw and (f.required or f.must_tick):
            raw[f.name] = _answer(f, plan, today, rng, shapes.get(f.name, ""))
    return raw


# --- The application ------------------------------------------------------------------------


def files_for(plan: Plan) -> dict[int, list]:
    """A PDF for each document of the plan (the mandatory ones at least)."""
    return {
        doc["required_document"]: [
            SimpleUploadedFile(f"giay-to-{doc['required_document']}.pdf", PDF, "application/pdf")
        ]
        for doc in plan.documents
        if doc.get("required_document")
    }


_forms: dict[str, Form] = {}  # by the definition's text ("": the built-in form)


def form_for(procedure, day: date) -> Form:
    """The form the portal shows for the procedure that day (checking a form's schema takes
    tens of milliseconds: each distinct form is checked once per process)."""
    version = eforms.catalog_services.version_on(procedure, day)
    definition = eforms.definition_for(procedure, version)
    key = (
        json.dumps([definition.schema, definition.ui], sort_keys=True)
        if definition is not None
        else ""
    )
    if key not in _forms:
        _forms[key] = eforms.form_of(definition)
    return _forms[key]


def apply(plan: Plan) -> Dossier:
    """The plan's dossier submitted online through the portal's service."""
    account = account_for(plan)
    procedure = plan.procedure
    rng = random.Random(plan.secret)
    form = form_for(procedure, timezone.localdate(plan.arrives_at))
    return eforms.apply(
        procedure,
        account.user,
        account,
        answers=answers_for(form, account, plan, rng),
        files=files_for(plan),
        delivery=ResultDelivery.DESK,
        agency_id="" if procedure.agency_id else str(plan.agency.pk),
        return_desk_id=str(plan.desk.pk),
        token=f"demo-{plan.secret}-{rng.randrange(10**12):012d}",
        at=plan.arrives_at,
    )
