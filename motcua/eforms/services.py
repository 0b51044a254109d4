"""The only code that changes e-forms: a supervisor saves a procedure's form
(`save_definition`), a citizen applies online (`apply`). One transaction each, an audit
event each; everything is checked before anything is written.

`apply` makes the dossier through `dossiers.services.submit` (a dossier awaiting the desk's
check, its 8-working-hour clock running, channel online), with the applicant's account as
its applicant, the required documents attached under the desk's checks
(dossiers/uploads.py), where the result is to be returned, and the answers kept as the
dossier's e-form record. A retried submission of the same form (the same form token)
returns the dossier the first one made."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import services as catalog_services
from motcua.catalog.constants import OnlineScope
from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure
from motcua.core import audit
from motcua.dossiers import permissions, uploads
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Dossier, ResultDelivery
from motcua.eforms import defaults, reuse
from motcua.eforms.messages import answer_messages
from motcua.eforms.models import FormDefinition, FormRecord
from motcua.eforms.schema import Form, load_json
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, Desk

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
FILES_PER_DOCUMENT = 5
NOTE_MAX = 500
ADDRESS_MAX = 500


class NotAllowed(Exception):
    """The user may not do this; the message says why."""


class NotOnline(Exception):
    """The procedure is not offered online (or no longer in force)."""


@dataclass
class Refused(Exception):
    """The application cannot be submitted as it is: messages by input name ("" for the
    whole form). Nothing was written."""

    messages: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{k or '-'}: {' '.join(v)}" for k, v in self.messages.items())


# --- Which form a procedure uses --------------------------------------------------------------


def offered_online(procedure: Procedure) -> bool:
    """A procedure in force that the catalogue says accepts online dossiers."""
    return procedure.status == ProcedureStatus.ACTIVE and procedure.channel_online


def definition_for(procedure: Procedure, version=None) -> FormDefinition | None:
    """The latest revision made for `version` (a ProcedureVersion) or an earlier text of
    the procedure; with no version, the latest revision. None: the built-in form."""
    revisions = FormDefinition.objects.filter(procedure=procedure)
    if version is not None:
        revisions = revisions.filter(
            Q(procedure_version__isnull=True) | Q(procedure_version__number__lte=version.number)
        )
    return revisions.order_by("-revision").first()


def form_of(definition: FormDefinition | None, builtin: str = defaults.BUILTIN) -> Form:
    if definition is None:
        return Form(*defaults.builtin(builtin or defaults.BUILTIN))
    return Form(definition.schema, definition.ui)


def form_of_record(record: FormRecord) -> Form:
    return form_of(record.definition, record.builtin)


def delivery_options(procedure: Procedure) -> list[str]:
    """Where the result of an online dossier may be returned: electronically only for a
    full-scope (toàn trình) procedure, by post where the procedure takes the postal
    service, and always at the desk."""
    options = []
    if procedure.online_scope == OnlineScope.FULL:
        options.append(ResultDelivery.ELECTRONIC)
    options.append(ResultDelivery.DESK)
    if procedure.channel_post:
        options.append(ResultDelivery.POST)
    return options


def agency_choices(procedure: Procedure):
    """The People's Committees an applicant may submit a district or commune procedure
    to (a provincial procedure goes to its department: no choice)."""
    if procedure.agency_id:
        return Agency.objects.none()
    kind = AgencyKind.DISTRICT_PC if procedure.level == Level.DISTRICT else AgencyKind.COMMUNE_PC
    return (
        Agency.objects.filter(kind=kind).select_related("parent").order_by("parent__name", "name")
    )


def desks_of(agency) -> list[Desk]:
    return list(Desk.objects.filter(agency=agency, is_active=True).order_by("pk"))


# --- Supervisors edit a form ------------------------------------------------------------------


def may_edit(user, procedure: Procedure) -> bool:
    """Superusers and province-wide supervisors edit every form; a department's
    supervisors and administrators, the forms of its procedures."""
    if not getattr(user, "is_authenticated", False):
        return False
    if permissions.sees_all(user):
        return True
    if not procedure.agency_id:
        return False
    return bool(permissions.roles_at(user, procedure.agency_id) & {Role.SUPERVISOR, Role.ADMIN})


def check_definition(schema_text: str, ui_text: str) -> tuple[dict, dict, Form]:
    """Parse and check a definition as a supervisor typed it; DefinitionError says why
    it cannot make a form."""
    schema = load_json(schema_text, "schema")
    ui = load_json(ui_text, "ui")
    return schema, ui, Form(schema, ui)


@transaction.atomic
def save_definition(
    procedure: Procedure,
    schema_text: str,
    ui_text: str,
    actor,
    note: str = "",
    *,
    check_permission: bool = True,
) -> FormDefinition:
    """The procedure's next form revision; raises NotAllowed, DefinitionError (the
    definition makes no form) or ValueError (a note too long). Writes one revision and
    one audit event, or nothing. `check_permission=False` is for loading shipped forms
    (the demo seed), with no one signed in."""
    if check_permission and not may_edit(actor, procedure):
        raise NotAllowed(_("Only a supervisor of the procedure's agency may edit its form."))
    schema, ui, _form = check_definition(schema_text, ui_text)
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_MAX:
        raise ValueError(_("The note may be at most %(n)s characters.") % {"n": NOTE_MAX})
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    last = FormDefinition.objects.filter(procedure=procedure).aggregate(n=Max("revision"))["n"]
    version = catalog_services.version_on(procedure, timezone.localdate())
    if version is None:
        version = procedure.versions.order_by("-number").first()
    definition = FormDefinition.objects.create(
        procedure=procedure,
        revision=(last or 0) + 1,
        procedure_version=version,
        schema=schema,
        ui=ui,
        note=note,
        created_by=actor,
    )
    audit.record(
        "eform.saved",
        definition,
        actor,
        f"{procedure.code} r{definition.revision}",
        procedure=procedure.code,
        revision=definition.revision,
        procedure_version=version.number if version else None,
        note=note,
    )
    return definition


# --- A citizen applies ------------------------------------------------------------------------


@dataclass
class Where:
    """Where an application goes: the performing agency, the desk that checks it, the
    desk that returns the result."""

    agency: Agency | None = None
    desk: Desk | None = None
    return_desk: Desk | None = None


def route(procedure: Procedure, agency_id: str = "", return_desk_id: str = "") -> Where:
    """The agency and desks for the applicant's choices (ids as submitted); fields left
    None were not chosen or not valid."""
    where = Where()
    if procedure.agency_id:
        where.agency = procedure.agency
    elif agency_id and agency_id.isdigit() and len(agency_id) < 12:
        where.agency = agency_choices(procedure).filter(pk=int(agency_id)).first()
    if where.agency is not None:
        desks = desks_of(where.agency)
        where.desk = desks[0] if desks else None
        where.return_desk = next((d for d in desks if str(d.pk) == return_desk_id), where.desk)
    return where


def idempotency_key(user, token: str) -> str:
    return f"eform:{user.pk}:{token}"


def _fingerprint(user, procedure: Procedure) -> str:
    return hashlib.sha256(f"eform\n{user.pk}\n{procedure.code}".encode()).hexdigest()


def submitted_before(user, procedure: Procedure, token: str) -> Dossier | None:
    """The dossier an earlier submission of the same form made, if any."""
    if not TOKEN.fullmatch(token or ""):
        return None
    dossier = Dossier.objects.filter(idempotency_key=idempotency_key(user, token)).first()
    if dossier is not None and dossier.procedure_id == procedure.pk:
        return dossier
    return None


def _documents(
    procedure, files: Mapping[int, list], messages: dict, account=None, reused=None
) -> list[dict]:
    """The required documents with their files, each file checked; a mandatory document
    without a file, too many files or an unacceptable one is a message on that document.
    Files reused from the personal data store (`reused`: the applicant's choice per required
    document) count as given (eforms/reuse.py); a choice that is not theirs is a message."""
    documents = []
    for required in procedure.documents.all():
        key = f"doc-{required.pk}"
        given = [f for f in files.get(required.pk, []) if f is not None]
        try:
            given += reuse.documents_for(
                procedure, required, account, (reused or {}).get(required.pk)
            )
        except reuse.NotAvailable as refused:  # a choice that is not the applicant's
            messages.setdefault(key, []).append(str(refused))
            continue
        if not given:
            if required.mandatory:
                messages.setdefault(key, []).append(_("Attach this document."))
            continue
        if len(given) > FILES_PER_DOCUMENT:
            messages.setdefault(key, []).append(
                _("Attach at most %(n)s files for one document.") % {"n": FILES_PER_DOCUMENT}
            )
            continue
        for upload in given:
            try:
                uploads.check(upload)
            except uploads.UploadRejected as rejected:
                messages.setdefault(key, []).append(str(rejected))
                continue
            documents.append(
                {
                    "required_document": required.pk,
                    "name": required.name,
                    "originals": 0,
                    "copies": 0,
                    "file": upload,
                    # Taken from the personal data store: the document is flagged reused.
                    "reused_from": getattr(upload, "reused_from", None),
                }
            )
    return documents


def account_values(account) -> dict:
    """The account's details a form may be filled from (schema.PREFILL_KEYS)."""
    return {
        "full_name": account.full_name,
        "id_number": account.id_number,
        "tax_code": account.tax_code,
        "birth_date": account.birth_date,
        "phone": account.phone,
        "email": account.email,
        "address": account.address,
    }


@dossier_services._removes_files_on_error  # a failure after a file is written leaves none
@transaction.atomic
def apply(
    procedure: Procedure,
    user,
    account,
    *,
    answers: Mapping[str, str],
    files: Mapping[int, list],
    delivery: str,
    address: str = "",
    agency_id: str = "",
    return_desk_id: str = "",
    token: str,
    reused: Mapping[int, object] | None = None,
    at: datetime | None = None,
) -> Dossier:
    """Submit an online application for `procedure` by the citizen signed in as `user`
    (`account`: their accounts.Account). Raises NotOnline, or Refused with a message per
    field; returns the new dossier, or the one an earlier submission of the same form
    token made. `at`: when it arrived, for applications replayed from a record of the
    past (the demo traffic); now by default."""
    from motcua.accounts.services import applicant_for

    if not offered_online(procedure):
        raise NotOnline(_("This procedure is not offered online."))
    if not TOKEN.fullmatch(token or ""):
        raise Refused({"": [_("This form has expired: check your answers and submit again.")]})
    earlier = submitted_before(user, procedure, token)
    if earlier is not None:
        return earlier
    today = timezone.localdate(at) if at is not None else timezone.localdate()
    version = catalog_services.version_on(procedure, today)
    definition = definition_for(procedure, version)
    form = form_of(definition)
    values = account_values(account)
    data, problems = form.parse(
        answers, today, locked=form.locked(values, account.identity_verified)
    )
    messages = answer_messages(problems)
    documents = _documents(procedure, files, messages, account, reused)
    options = delivery_options(procedure)
    if delivery not in options:
        messages.setdefault("_delivery", []).append(_("Choose where the result is returned."))
    address = " ".join(str(address or "").split())
    if delivery == ResultDelivery.POST and not address:
        messages.setdefault("_address", []).append(
            _("Give the address the result is to be posted to.")
        )
    elif delivery == ResultDelivery.POST and len(address) > ADDRESS_MAX:
        messages.setdefault("_address", []).append(
            _("Write at most %(limit)s characters (this has %(length)s).")
            % {"limit": ADDRESS_MAX, "length": len(address)}
        )
    where = route(procedure, agency_id, return_desk_id)
    if where.agency is None:
        messages.setdefault("_agency", []).append(
            _("Choose the People's Committee your dossier goes to.")
        )
    if messages:
        raise Refused(messages)
    try:
        dossier = dossier_services.submit(
            procedure=procedure,
            applicant=applicant_for(user),
            channel=Channel.ONLINE,
            actor=user,
            desk=where.desk,
            performing_agency=where.agency,
            return_desk=where.return_desk,
            documents=documents,
            idempotency_key=idempotency_key(user, token),
            idempotency_fingerprint=_fingerprint(user, procedure),
            result_delivery=delivery,
            result_address=address if delivery == ResultDelivery.POST else "",
            **({"received_at": at} if at is not None else {}),
        )
    except dossier_services.DossierError as error:
        raise Refused({"": [str(error)]}) from error
    if dossier.eforms.exists():  # a retry that waited for the first submission's lock
        return dossier
    record = FormRecord.objects.create(
        dossier=dossier,
        definition=definition,
        builtin="" if definition is not None else defaults.BUILTIN,
        data=data,
        identity_verified=account.identity_verified,
        identity_provider=account.provider,
        submitted_by=user,
        submitted_at=dossier.submitted_at,
    )
    audit.record(
        "eform.submitted",
        dossier,
        user,
        procedure.code,
        record=record.pk,
        revision=definition.revision if definition else None,
        builtin=record.builtin,
        identity_verified=record.identity_verified,
        documents=len(documents),
        delivery=delivery,
    )
    return dossier
