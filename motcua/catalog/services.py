"""The only code that changes the catalogue. Each function runs in one transaction,
writes a version snapshot for every procedure it touches, and an audit event."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from motcua.catalog.constants import Change, Status
from motcua.catalog.models import (
    Fee,
    Procedure,
    ProcedureVersion,
    PublicationDecision,
    PublicationItem,
    RequiredDocument,
    SearchPhrase,
    Sector,
)
from motcua.core import audit
from motcua.core.text import fold

# Scalar fields of a procedure's published text, in the order exports show them.
TEXT_FIELDS = [
    "name",
    "level",
    "performing_agency",
    "applicants",
    "steps",
    "where_to_apply",
    "channel_counter",
    "channel_online",
    "channel_post",
    "duration_unit",
    "statutory_duration",
    "local_duration",
    "duration_note",
    "fee_text",
    "result",
    "legal_basis",
    "conditions",
    "online_level",
    "online_scope",
    "one_stop",
    "inter_agency",
    "restart_on_supplement",
]


def snapshot(procedure: Procedure) -> dict:
    """The procedure's text as a plain dict (JSON-safe): what a version stores and exports carry."""
    data = {"code": procedure.code}
    for field in TEXT_FIELDS:
        value = getattr(procedure, field)
        if isinstance(value, Decimal):
            value = str(value.quantize(Decimal("0.01")))
        data[field] = value
    data["sector"] = {"code": procedure.sector.code, "name": procedure.sector.name}
    data["agency"] = procedure.agency.code if procedure.agency_id else ""
    data["documents"] = [
        {
            "name": d.name,
            "originals": d.originals,
            "copies": d.copies,
            "mandatory": d.mandatory,
            "form": d.form,
        }
        for d in procedure.documents.all()
    ]
    data["fees"] = [
        {"name": f.name, "amount": f.amount, "note": f.note} for f in procedure.fees.all()
    ]
    return data


def _search_text(procedure: Procedure) -> str:
    """Folded code, name and sector, each word preceded by a space (see search.py)."""
    return " " + fold(" ".join([procedure.code, procedure.name, procedure.sector.name]))


def get_or_create_sector(code: str, name: str) -> Sector:
    sector = Sector.objects.filter(code=code).first()
    if sector is None:
        sector = Sector.objects.create(code=code, name=name, name_folded=fold(name))
    elif sector.name != name:
        sector.name, sector.name_folded = name, fold(name)
        sector.save(update_fields=["name", "name_folded"])
    return sector


def _apply(procedure: Procedure, data: dict, agencies: dict | None = None) -> None:
    """Set the procedure's text from `data` (the snapshot's shape) and save it."""
    from motcua.org.models import Agency

    for field in TEXT_FIELDS:
        if field in data:
            value = data[field]
            if field in ("statutory_duration", "local_duration"):
                value = Decimal(str(value)).quantize(Decimal("0.01"))
            setattr(procedure, field, value)
    sector = data["sector"]
    procedure.sector = get_or_create_sector(sector["code"], sector["name"])
    agency_code = data.get("agency") or ""
    if agency_code:
        agency = (agencies or {}).get(agency_code) or Agency.objects.get(code=agency_code)
        procedure.agency = agency
    else:
        procedure.agency = None
    procedure.name_folded = fold(procedure.name)
    procedure.search_text = _search_text(procedure)
    procedure.save()
    procedure.documents.all().delete()
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            procedure=procedure,
            position=i,
            name=d["name"],
            originals=d.get("originals", 1),
            copies=d.get("copies", 0),
            mandatory=d.get("mandatory", True),
            form=d.get("form", ""),
        )
        for i, d in enumerate(data.get("documents", []))
    )
    procedure.fees.all().delete()
    Fee.objects.bulk_create(
        Fee(
            procedure=procedure,
            position=i,
            name=f["name"],
            amount=f.get("amount"),
            note=f.get("note", ""),
        )
        for i, f in enumerate(data.get("fees", []))
    )


def _record_version(
    procedure: Procedure,
    change: str,
    effective_on: date,
    decision: PublicationDecision | None,
    actor,
    data: dict | None = None,
) -> ProcedureVersion:
    previous = procedure.versions.filter(valid_to__isnull=True).first()
    if previous is not None:
        previous.valid_to = effective_on
        previous.save(update_fields=["valid_to"])
    procedure.version += 1
    Procedure.objects.filter(pk=procedure.pk).update(version=procedure.version)
    return ProcedureVersion.objects.create(
        procedure=procedure,
        number=procedure.version,
        change=change,
        valid_from=effective_on,
        decision=decision,
        data=data if data is not None else snapshot(procedure),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _publish_item(decision, procedure, change, replaces=()) -> PublicationItem | None:
    if decision is None:
        return None
    item = PublicationItem.objects.create(
        decision=decision,
        procedure=procedure,
        change=change,
        duration_unit=procedure.duration_unit if change != Change.ABOLISHED else "",
        statutory_duration=procedure.statutory_duration if change != Change.ABOLISHED else None,
        local_duration=procedure.local_duration if change != Change.ABOLISHED else None,
    )
    if replaces:
        item.replaces.set(replaces)
    return item


@transaction.atomic
def create_procedure(
    data: dict,
    *,
    effective_on: date,
    decision: PublicationDecision | None = None,
    actor=None,
    change: str = Change.NEW,
    replaces: Iterable[Procedure] = (),
    agencies: dict | None = None,
) -> Procedure:
    procedure = Procedure(code=data["code"], status=Status.ACTIVE, valid_from=effective_on)
    _apply(procedure, data, agencies)
    _record_version(procedure, change, effective_on, decision, actor)
    _publish_item(decision, procedure, change, replaces)
    audit.record(
        f"procedure.{change}",
        procedure,
        actor,
        summary=procedure.name,
        decision=decision.number if decision else None,
    )
    return procedure


@transaction.atomic
def amend_procedure(
    procedure: Procedure,
    data: dict,
    *,
    effective_on: date,
    decision: PublicationDecision | None = None,
    actor=None,
    agencies: dict | None = None,
) -> Procedure:
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.status != Status.ACTIVE:
        raise ValueError(f"{procedure.code} is not in force and cannot be amended")
    _apply(procedure, {**data, "code": procedure.code}, agencies)
    _record_version(procedure, Change.AMENDED, effective_on, decision, actor)
    _publish_item(decision, procedure, Change.AMENDED)
    audit.record(
        "procedure.amended",
        procedure,
        actor,
        summary=procedure.name,
        decision=decision.number if decision else None,
    )
    return procedure


def _end(procedure, status, effective_on, decision, actor, change) -> Procedure:
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if procedure.status != Status.ACTIVE:
        raise ValueError(f"{procedure.code} is not in force")
    procedure.status = status
    procedure.valid_to = effective_on
    procedure.save(update_fields=["status", "valid_to", "updated_at"])
    previous = procedure.versions.filter(valid_to__isnull=True).first()
    if previous is not None:
        previous.valid_to = effective_on
        previous.save(update_fields=["valid_to"])
    audit.record(
        f"procedure.{status}",
        procedure,
        actor,
        summary=procedure.name,
        decision=decision.number if decision else None,
    )
    return procedure


@transaction.atomic
def abolish_procedure(procedure, *, effective_on, decision=None, actor=None) -> Procedure:
    procedure = _end(procedure, Status.ABOLISHED, effective_on, decision, actor, Change.ABOLISHED)
    _publish_item(decision, procedure, Change.ABOLISHED)
    return procedure


@transaction.atomic
def replace_procedures(
    old: Iterable[Procedure],
    data: dict,
    *,
    effective_on,
    decision=None,
    actor=None,
    agencies: dict | None = None,
) -> Procedure:
    """Publish a new procedure that replaces `old` ones (thay thế); the old ones end."""
    old = list(old)
    for procedure in old:
        _end(procedure, Status.REPLACED, effective_on, decision, actor, Change.REPLACED)
    return create_procedure(
        data,
        effective_on=effective_on,
        decision=decision,
        actor=actor,
        change=Change.REPLACED,
        replaces=old,
        agencies=agencies,
    )


@transaction.atomic
def record_edit(procedure: Procedure, *, actor=None, effective_on: date | None = None) -> None:
    """After a supervisor edits a procedure in the admin: refresh derived columns and
    record the new text as a version in force from `effective_on` (today by default)."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    effective_on = effective_on or date.today()
    first = procedure.version == 0
    procedure.name_folded = fold(procedure.name)
    procedure.search_text = _search_text(procedure)
    if first and procedure.valid_from is None:
        procedure.valid_from = effective_on
    procedure.save(update_fields=["name_folded", "search_text", "valid_from"])
    change = Change.NEW if first else Change.AMENDED
    _record_version(procedure, change, effective_on, None, actor)
    audit.record(f"procedure.{change}", procedure, actor, summary=procedure.name)


def version_on(procedure: Procedure, day: date) -> ProcedureVersion | None:
    """The version in force on `day`; None if the procedure was not in force then."""
    return (
        procedure.versions.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("-number")
        .first()
    )


@transaction.atomic
def create_decision(
    number: str,
    title: str,
    signed_on: date,
    effective_on: date,
    *,
    issuer: str = "",
    agency=None,
    actor=None,
) -> PublicationDecision:
    decision = PublicationDecision.objects.create(
        number=number,
        title=title,
        signed_on=signed_on,
        effective_on=effective_on,
        issuer=issuer,
        agency=agency,
    )
    audit.record("decision.created", decision, actor, summary=f"{number} {title}")
    return decision


# --- Search phrases (docs/catalogue.md, "Search") ---------------------------------------------


class InvalidPhrase(ValueError):
    """A search phrase that cannot be saved; the message says why, for the admin form."""


def _phrase_fields(phrase: str, means: str) -> dict:
    from motcua.catalog import phrases

    phrase = (phrase or "").strip()
    key = phrases.phrase_key(phrase)
    if not key:
        raise InvalidPhrase(_("Write the phrase with letters or digits."))
    if len(phrase) > phrases.PHRASE_MAX or len(key) > phrases.PHRASE_MAX:
        raise InvalidPhrase(_("The phrase may be at most 200 characters."))
    if len(means or "") > phrases.MEANS_MAX:
        raise InvalidPhrase(_("The wording may be at most 2,000 characters."))
    lines = phrases.meaning_lines(means)
    return {
        "phrase": phrase,
        "phrase_key": key,
        "means": "\n".join(line.strip() for line in (means or "").splitlines() if line.strip()),
        "means_folded": lines,
    }


def check_search_phrase(phrase: str, means: str = "", row: SearchPhrase | None = None) -> dict:
    """The stored fields of a phrase, or InvalidPhrase saying why it cannot be saved (empty,
    too long, or already in the list under another row)."""
    fields = _phrase_fields(phrase, means)
    taken = SearchPhrase.objects.filter(phrase_key=fields["phrase_key"])
    if row is not None and row.pk:
        taken = taken.exclude(pk=row.pk)
    if taken.exists():
        raise InvalidPhrase(_("This phrase is already in the list."))
    return fields


@transaction.atomic
def save_search_phrase(
    row: SearchPhrase | None = None,
    *,
    phrase: str,
    means: str = "",
    is_active: bool = True,
    actor=None,
) -> SearchPhrase:
    """Create a search phrase (`row` None or unsaved) or change `row`: one audit event with
    the text before and after. Refuses what check_search_phrase refuses."""
    fields = check_search_phrase(phrase, means, row)
    row = row if row is not None else SearchPhrase()
    before = None
    if row.pk:
        stored = SearchPhrase.objects.select_for_update().get(pk=row.pk)
        before = {"phrase": stored.phrase, "means": stored.means, "is_active": stored.is_active}
    for name, value in fields.items():
        setattr(row, name, value)
    row.is_active = is_active
    row.save()
    after = {"phrase": row.phrase, "means": row.means, "is_active": row.is_active}
    action = "search_phrase.created" if before is None else "search_phrase.changed"
    audit.record(action, row, actor, summary=row.phrase, before=before, after=after)
    return row


@transaction.atomic
def add_search_phrases(entries, *, actor=None) -> int:
    """Add the phrases of `entries` ([{"phrase", "means": [..]}], e.g. phrases.shipped())
    that are not in the list yet; rows already there, edited or not, are left alone.
    Returns how many were added (one audit event each)."""
    known = set(SearchPhrase.objects.values_list("phrase_key", flat=True))
    added = 0
    for entry in entries:
        fields = _phrase_fields(entry["phrase"], "\n".join(entry.get("means") or []))
        if fields["phrase_key"] in known:
            continue
        save_search_phrase(phrase=entry["phrase"], means=fields["means"], actor=actor)
        known.add(fields["phrase_key"])
        added += 1
    return added
