"""The only code that changes the configuration dossiers run on: internal processes and their
steps, inter-agency chains and their links.

Each `save_*` function is one transaction and writes an audit event; the `check_*` functions
raise the same `ValidationError`s without writing, so that forms (the admin) show them next to
the fields. A process that passes `check_process` is one the dossier core can run:

- its steps add up to the procedure's local time limit (`services.process_hours`);
- positions are unique (1–999), the first step is the desk's receipt (role desk_officer),
  at least one step is a leader's approval (role leader);
- a step done by a named agency names it, and only such a step names an agency;
- at most one active process per procedure and agency (an empty agency counts as one);
- a step that a dossier is at, or that an event refers to, is never removed.

Processes and chains are never deleted: they are deactivated (`set_process_active`,
`set_chain_active`), so the dossiers that followed them keep their history.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.dossiers.models import (
    ChainLink,
    Dossier,
    DossierEvent,
    InterAgencyChain,
    Process,
    ProcessStep,
)
from motcua.org.constants import Role

MAX_POSITION = 999
MAX_HOURS = Decimal("99999.99")
STEP_FIELDS = ("position", "name", "role", "performer", "agency", "allotted_hours")
LINK_FIELDS = ("position", "procedure", "agency")
Performer = ProcessStep.Performer


def _text(value, field: str, model, *, required=True) -> str:
    value = "" if value is None else str(value)
    max_length = model._meta.get_field(field).max_length
    if "\x00" in value:
        raise ValidationError({field: _("Null characters are not allowed.")})
    if len(value) > max_length:
        raise ValidationError({field: _("Enter at most %(n)s characters.") % {"n": max_length}})
    if required and not value.strip():
        raise ValidationError({field: _("This field is required.")})
    return value


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _errors(messages: list[str]) -> None:
    if messages:
        raise ValidationError({NON_FIELD_ERRORS: messages})


# --- Internal processes ------------------------------------------------------------------------


def check_process_header(data: dict, process: Process | None = None) -> None:
    """The process's own fields: name, procedure, and the one-active-process rule."""
    _text(data.get("name"), "name", Process)
    procedure, agency = data.get("procedure"), data.get("agency")
    if procedure is None:
        raise ValidationError({"procedure": _("Choose the procedure.")})
    if data.get("is_active", True):
        others = Process.objects.filter(procedure=procedure, is_active=True)
        others = others.filter(agency=agency) if agency else others.filter(agency__isnull=True)
        if process is not None and process.pk:
            others = others.exclude(pk=process.pk)
        other = others.first()
        if other is not None:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "The process “%(other)s” is already active for this procedure and "
                        "agency: deactivate it first, or save this one as inactive."
                    )
                    % {"other": other.name}
                }
            )


def _steps_in_use(step_ids) -> set[int]:
    ids = set(step_ids)
    if not ids:
        return set()
    used = set(Dossier.objects.filter(current_step__in=ids).values_list("current_step", flat=True))
    used |= set(DossierEvent.objects.filter(step__in=ids).values_list("step", flat=True))
    return used


def check_steps(data: dict, steps: list[dict], process: Process | None = None) -> None:
    """The steps of a process (the whole list it will have) against the rules above."""
    from motcua.dossiers.services import process_hours

    if not steps:
        _errors([_("A process needs at least one step.")])
    problems = []
    for step in steps:
        position = step.get("position")
        if not isinstance(position, int) or not 1 <= position <= MAX_POSITION:
            problems.append(
                _("Step positions are whole numbers from 1 to %(n)s.") % {"n": MAX_POSITION}
            )
            break
        try:
            _text(step.get("name"), "name", ProcessStep)
        except ValidationError:
            problems.append(
                _("Step %(position)s needs a name of at most %(n)s characters.")
                % {"position": position, "n": ProcessStep._meta.get_field("name").max_length}
            )
        if step.get("role") not in Role.values:
            problems.append(_("Step %(position)s needs a valid role.") % {"position": position})
        performer = step.get("performer")
        if performer not in Performer.values:
            problems.append(
                _("Step %(position)s needs a valid performer.") % {"position": position}
            )
        elif performer == Performer.AGENCY and not step.get("agency"):
            problems.append(
                _("Step %(position)s is done by a named agency: choose the agency.")
                % {"position": position}
            )
        elif performer != Performer.AGENCY and step.get("agency"):
            problems.append(
                _("Step %(position)s names an agency but is not done by a named agency.")
                % {"position": position}
            )
        hours = step.get("allotted_hours")
        if not isinstance(hours, Decimal) or not Decimal(0) < hours <= MAX_HOURS:
            problems.append(
                _("Step %(position)s needs a number of working hours above zero.")
                % {"position": position}
            )
    _errors(problems)
    positions = [s["position"] for s in steps]
    if len(set(positions)) != len(positions):
        _errors([_("Two steps have the same position.")])
    ordered = sorted(steps, key=lambda s: s["position"])
    if ordered[0]["role"] != Role.DESK_OFFICER:
        problems.append(
            _("The first step is the desk's receipt: give it the role “%(role)s”.")
            % {"role": Role.DESK_OFFICER.label}
        )
    if not any(s["role"] == Role.LEADER for s in steps):
        problems.append(
            _("A process needs a step with the role “%(role)s”: the approval.")
            % {"role": Role.LEADER.label}
        )
    procedure = data.get("procedure")
    if procedure is not None:
        total = sum((s["allotted_hours"] for s in steps), Decimal(0))
        expected = process_hours(procedure, data.get("agency"))
        if total != expected:
            problems.append(
                _(
                    "The steps add up to %(total)s working hours, but the procedure's local "
                    "time limit is %(expected)s working hours."
                )
                % {"total": _hours(total), "expected": _hours(expected)}
            )
    if process is not None and process.pk:
        kept = {s.get("id") for s in steps if s.get("id")}
        existing = dict(process.steps.values_list("pk", "position"))
        if kept - set(existing):
            problems.append(_("A step belongs to another process."))
        removed = _steps_in_use(set(existing) - kept)
        for pk in sorted(removed):
            problems.append(
                _(
                    "Step %(position)s is used by dossiers and cannot be removed: deactivate "
                    "the process and create a new one."
                )
                % {"position": existing[pk]}
            )
    _errors(problems)


def check_process(data: dict, steps: list[dict], process: Process | None = None) -> None:
    check_process_header(data, process)
    check_steps(data, steps, process)


def _lock_procedure(procedure) -> None:
    """Serialise the configuration of one procedure's processes (the one-active check)."""
    type(procedure).objects.select_for_update().filter(pk=procedure.pk).first()


def _step_summary(process: Process) -> list[dict]:
    return [
        {
            "position": s.position,
            "name": s.name,
            "role": s.role,
            "performer": s.performer,
            "agency": s.agency_id,
            "hours": str(s.allotted_hours),
        }
        for s in process.steps.order_by("position")
    ]


@transaction.atomic
def save_process(data: dict, steps: list[dict], actor, process: Process | None = None) -> Process:
    """Create (`process` None) or change a process and replace its steps with `steps`.

    `data`: procedure, agency, name, is_active. `steps`: dicts with the step fields and, for
    an existing step, its `id`; existing steps left out are removed (refused if in use)."""
    _lock_procedure(data["procedure"])
    if process is not None and process.pk:
        process = Process.objects.select_for_update().get(pk=process.pk)
    check_process(data, steps, process)
    created = process is None or process.pk is None
    if created:
        process = Process()
    for field in ("procedure", "agency", "name", "is_active"):
        setattr(process, field, data.get(field, True if field == "is_active" else None))
    process.save()
    kept = {s["id"] for s in steps if s.get("id")}
    process.steps.exclude(pk__in=kept).delete()
    # Kept steps move out of the way first, so that positions can be swapped in one save.
    for offset, pk in enumerate(sorted(kept), start=1):
        ProcessStep.objects.filter(pk=pk).update(position=MAX_POSITION + offset)
    for step in steps:
        values = {field: step.get(field) for field in STEP_FIELDS}
        if step.get("id"):
            ProcessStep.objects.filter(pk=step["id"], process=process).update(**values)
        else:
            ProcessStep.objects.create(process=process, **values)
    audit.record(
        "process.created" if created else "process.changed",
        process,
        actor,
        summary=process.name,
        procedure=process.procedure_id,
        agency=process.agency_id,
        is_active=process.is_active,
        steps=_step_summary(process),
    )
    return process


@transaction.atomic
def set_process_active(process: Process, is_active: bool, actor) -> Process:
    """Activate or deactivate a process (activation keeps one active per procedure and agency)."""
    _lock_procedure(process.procedure)
    process = Process.objects.select_for_update().get(pk=process.pk)
    if is_active:
        check_process(
            {
                "procedure": process.procedure,
                "agency": process.agency,
                "name": process.name,
                "is_active": True,
            },
            [{"id": s.pk, **{f: getattr(s, f) for f in STEP_FIELDS}} for s in process.steps.all()],
            process,
        )
    process.is_active = is_active
    process.save(update_fields=["is_active"])
    audit.record(
        "process.activated" if is_active else "process.deactivated",
        process,
        actor,
        summary=process.name,
    )
    return process


# --- Inter-agency chains -----------------------------------------------------------------------


def check_chain_header(data: dict) -> None:
    _text(data.get("name"), "name", InterAgencyChain)
    _text(data.get("legal_basis"), "legal_basis", InterAgencyChain, required=False)


def check_links(links: list[dict], chain: InterAgencyChain | None = None) -> None:
    """At least two links, positions 1–999, no link twice; a chain that dossiers followed
    keeps its links (deactivate it and create a new one)."""
    if len(links) < 2:
        _errors([_("An inter-agency chain needs at least two links.")])
    problems = []
    for link in links:
        position = link.get("position")
        if not isinstance(position, int) or not 1 <= position <= MAX_POSITION:
            _errors([_("Link positions are whole numbers from 1 to %(n)s.") % {"n": MAX_POSITION}])
        if link.get("procedure") is None:
            problems.append(
                _("Link %(position)s needs a procedure.") % {"position": link["position"]}
            )
    _errors(problems)
    keys = [
        (lk["position"], lk["procedure"].pk, getattr(lk.get("agency"), "pk", None)) for lk in links
    ]
    if len(set(keys)) != len(keys):
        _errors([_("The same link appears twice.")])
    if chain is not None and chain.pk and chain.dossiers.exists():
        current = sorted(chain.links.values_list("position", "procedure", "agency"))
        if sorted(keys) != current:
            _errors(
                [
                    _(
                        "Dossiers have followed this chain: its links cannot change. Deactivate "
                        "it and create a new chain."
                    )
                ]
            )


def check_chain(data: dict, links: list[dict], chain: InterAgencyChain | None = None) -> None:
    check_chain_header(data)
    check_links(links, chain)


@transaction.atomic
def save_chain(
    data: dict, links: list[dict], actor, chain: InterAgencyChain | None = None
) -> InterAgencyChain:
    """Create (`chain` None) or change a chain and replace its links with `links`.

    `data`: name, legal_basis, is_active. `links`: dicts with position, procedure, agency
    and, for an existing link, its `id`; existing links left out are removed."""
    if chain is not None and chain.pk:
        chain = InterAgencyChain.objects.select_for_update().get(pk=chain.pk)
    check_chain(data, links, chain)
    created = chain is None or chain.pk is None
    if created:
        chain = InterAgencyChain()
    chain.name = data["name"]
    chain.legal_basis = data.get("legal_basis") or ""
    chain.is_active = data.get("is_active", True)
    chain.save()
    kept = {lk["id"] for lk in links if lk.get("id")}
    chain.links.exclude(pk__in=kept).delete()
    for link in links:
        values = {field: link.get(field) for field in LINK_FIELDS}
        if link.get("id"):
            ChainLink.objects.filter(pk=link["id"], chain=chain).update(**values)
        else:
            ChainLink.objects.create(chain=chain, **values)
    audit.record(
        "chain.created" if created else "chain.changed",
        chain,
        actor,
        summary=chain.name,
        is_active=chain.is_active,
        links=[
            {"position": p, "procedure": proc, "agency": a}
            for p, proc, a in chain.links.values_list("position", "procedure", "agency")
        ],
    )
    return chain


@transaction.atomic
def set_chain_active(chain: InterAgencyChain, is_active: bool, actor) -> InterAgencyChain:
    chain = InterAgencyChain.objects.select_for_update().get(pk=chain.pk)
    chain.is_active = is_active
    chain.save(update_fields=["is_active"])
    audit.record(
        "chain.activated" if is_active else "chain.deactivated", chain, actor, summary=chain.name
    )
    return chain
