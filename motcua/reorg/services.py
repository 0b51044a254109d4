"""Apply a reorganisation plan (reorg/plan.py) in one transaction: all or nothing.

Order: close the old units and open the new ones (dated changes); open the successor
agencies and close the old ones (AgencySuccession); end the posts at closed agencies and
begin them at the successors; move procedures (amended with a new agency, or replaced at a
new level) under one publication decision; transfer every open dossier at a closed agency
to its successor (an event, nothing else of its history changes). The plan's fingerprint is
recorded: the same plan applied again changes nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import services as catalog
from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure
from motcua.core import audit
from motcua.dossiers import configuration
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, Process, ProcessStep
from motcua.dossiers.workflow import FINAL
from motcua.org import services as org
from motcua.org.constants import Level, Role
from motcua.org.models import AdminUnit, Agency, Desk, Officer
from motcua.reorg.models import Reorganisation
from motcua.reorg.plan import Plan


class ApplyError(ValueError):
    """The plan does not fit the database (a unit not in force, an agency unknown …)."""


@dataclass
class Outcome:
    applied: bool
    dry_run: bool
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def say(self, line: str, count: str | None = None) -> None:
        self.lines.append(line)
        if count:
            self.counts[count] = self.counts.get(count, 0) + 1


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back."""


def apply(plan: Plan, raw: dict, *, actor=None, dry_run: bool = False, today=None) -> Outcome:
    """Apply `plan` (`raw` is the JSON it was checked from, kept with the record)."""
    today = today or timezone.localdate()
    done = Reorganisation.objects.filter(fingerprint=plan.fingerprint).first()
    if done is not None:
        outcome = Outcome(applied=False, dry_run=dry_run)
        outcome.say(
            _("This plan was already applied on %(at)s: nothing to do.")
            % {"at": timezone.localtime(done.applied_at).strftime("%d/%m/%Y %H:%M")}
        )
        return outcome
    if plan.effective_on > today:
        raise ApplyError(
            _("The plan takes effect on %(day)s: apply it on or after that day.")
            % {"day": plan.effective_on.strftime("%d/%m/%Y")}
        )
    outcome = Outcome(applied=not dry_run, dry_run=dry_run)
    try:
        with transaction.atomic():
            _lock(plan)
            if Reorganisation.objects.filter(fingerprint=plan.fingerprint).exists():
                # Applied by another process while this one waited for the locks.
                outcome.applied = False
                outcome.say(_("This plan was applied meanwhile: nothing to do."))
                return outcome
            _apply(plan, raw, actor, outcome)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except ValidationError as exc:
        raise ApplyError("; ".join(exc.messages)) from exc
    except IntegrityError as exc:
        # Two applies at once (the fingerprint or a unit's "one open row" is taken by the
        # other), or a new unit whose code and start day exist already: nothing was written.
        raise ApplyError(
            _("The database refused the change (%(error)s): was the plan applied meanwhile?")
            % {"error": str(exc)[:200]}
        ) from exc
    return outcome


def _lock(plan: Plan) -> None:
    """Lock the rows the plan closes, in a stable order: a second apply of the same plan (or
    of one touching the same units or agencies) waits here, then finds it done."""
    closing = sorted({c for u in plan.units for c in u.before} | set(plan.dissolve))
    agencies = sorted({c for a in plan.agencies for c in a.before})
    list(AdminUnit.objects.select_for_update().filter(code__in=closing).order_by("pk"))
    list(Agency.objects.select_for_update().filter(code__in=agencies).order_by("pk"))


def _apply(plan: Plan, raw: dict, actor, outcome: Outcome) -> None:
    day = plan.effective_on
    units = _move_units(plan, actor, outcome)
    agencies, closed = _move_agencies(plan, units, actor, outcome)
    _move_posts(plan, agencies, closed, actor, outcome)
    moved, replaced = _move_procedures(plan, agencies, closed, actor, outcome)
    _move_processes(plan, agencies, closed, moved, replaced, actor, outcome)
    _transfer_dossiers(plan, agencies, closed, moved, actor, outcome)
    _check_result(plan, day)
    record = Reorganisation.objects.create(
        fingerprint=plan.fingerprint,
        effective_on=day,
        instrument=plan.instrument,
        plan=raw,
        summary=outcome.counts,
        applied_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record("reorganisation.applied", record, actor, summary=plan.instrument, **outcome.counts)


# --- Units -------------------------------------------------------------------------------------


def _move_units(plan: Plan, actor, outcome: Outcome) -> dict[str, AdminUnit]:
    """Close every old unit first (a new unit may take an old one's code), then open the new
    ones, parents before children. Returns the new units by code."""
    day = plan.effective_on
    closing = [c for u in plan.units for c in u.before] + list(plan.dissolve)
    _require_open_units(closing)
    _require_children_covered(set(closing))
    closed = {u.code: u for u in org.close_units(closing, day)}
    opened: dict[str, AdminUnit] = {}
    pending = list(plan.units)
    while pending:
        ready = [u for u in pending if u.after.parent in (None, *opened) or _open(u.after.parent)]
        if not ready:
            codes = ", ".join(u.after.code for u in pending)
            raise ApplyError(_("The parents of units %(codes)s are unknown.") % {"codes": codes})
        for change in ready:
            pending.remove(change)
            parent = None
            if change.after.parent:
                parent = opened.get(change.after.parent) or _open(change.after.parent)
            new = org.open_successor_unit(
                [closed[c] for c in change.before],
                change.after.code,
                change.after.name,
                change.after.unit_type,
                parent,
                day,
                plan.instrument,
                actor,
            )
            opened[new.code] = new
            names = ", ".join(f"{closed[c].name} ({c})" for c in change.before)
            outcome.say(
                _("unit: %(old)s → %(new)s (%(code)s)")
                % {"old": names, "new": new.name, "code": new.code},
                "units_opened",
            )
    if plan.dissolve:
        dissolved = [closed[c] for c in plan.dissolve]
        org.dissolve_units(dissolved, day, plan.instrument, _("Districts abolished"), actor)
        for unit in dissolved:
            outcome.say(
                _("unit: %(name)s (%(code)s) dissolved") % {"name": unit.name, "code": unit.code},
                "units_dissolved",
            )
    outcome.counts["units_closed"] = len(closed)
    return opened


def _open(code: str) -> AdminUnit | None:
    return AdminUnit.objects.filter(code=code, valid_to__isnull=True).first()


def _require_open_units(codes) -> None:
    found = set(
        AdminUnit.objects.filter(code__in=codes, valid_to__isnull=True).values_list(
            "code", flat=True
        )
    )
    missing = [c for c in codes if c not in found]
    if missing:
        raise ApplyError(
            _("Units not in force (unknown, or already reorganised): %(codes)s")
            % {"codes": ", ".join(missing[:20])}
        )


def _require_children_covered(closing: set[str]) -> None:
    """Every open unit under a closing unit must itself close: none is left orphaned."""
    orphans = (
        AdminUnit.objects.filter(valid_to__isnull=True, parent__code__in=closing)
        .exclude(code__in=closing)
        .values_list("code", flat=True)
    )
    orphans = sorted(orphans)
    if orphans:
        raise ApplyError(
            _("Units under a closing unit are not in the plan: %(codes)s")
            % {"codes": ", ".join(orphans[:20])}
        )


# --- Agencies and desks ------------------------------------------------------------------------


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ApplyError(_("Unknown agency: %(code)s") % {"code": code})
    return agency


def _move_agencies(plan: Plan, units: dict[str, AdminUnit], actor, outcome: Outcome):
    """Open the successors (parents first), then close the old agencies. Returns the
    successors by code and the closed agencies by code."""
    day = plan.effective_on
    old = {code: _agency(code) for a in plan.agencies for code in a.before}
    for agency in old.values():
        if agency.valid_to is not None:
            raise ApplyError(
                _("Agency %(code)s is not in force: already reorganised?") % {"code": agency.code}
            )
    _require_agencies_covered(plan, set(old))
    successors: dict[str, Agency] = {}
    pending = list(plan.agencies)
    while pending:
        ready = [
            a
            for a in pending
            if a.existing or a.parent is None or a.parent in successors or _known(a.parent)
        ]
        if not ready:
            codes = ", ".join(a.code for a in pending)
            raise ApplyError(_("The parents of agencies %(codes)s are unknown.") % {"codes": codes})
        for entry in ready:
            pending.remove(entry)
            successors[entry.code] = _successor_agency(entry, units, successors, day, actor)
    for entry in plan.agencies:
        new = successors[entry.code]
        for code in entry.before:
            org.close_agency(old[code], new, day, plan.instrument, actor)
            outcome.say(
                _("agency: %(old)s (%(old_code)s) → %(new)s (%(new_code)s)")
                % {"old": old[code].name, "old_code": code, "new": new.name, "new_code": new.code},
                "agencies_closed",
            )
    return successors, old


def _known(code: str) -> bool:
    return Agency.objects.filter(code=code).exists()


def _successor_agency(entry, units, successors, day, actor) -> Agency:
    if entry.existing:
        agency = _agency(entry.code)
        if not org.in_force(agency, day):
            raise ApplyError(
                _("Agency %(code)s is not in force on %(day)s.") % {"code": entry.code, "day": day}
            )
        return agency
    if Agency.objects.filter(code=entry.code).exists():
        raise ApplyError(
            _('Agency %(code)s already exists: mark it "existing" or choose another code.')
            % {"code": entry.code}
        )
    unit = units.get(entry.unit) if entry.unit else None
    parent = successors.get(entry.parent) if entry.parent else None
    if entry.parent and parent is None:
        parent = _agency(entry.parent)
    agency = org.create_agency(
        actor=actor,
        code=entry.code,
        name=entry.name,
        kind=entry.kind,
        level=entry.level,
        parent=parent,
        admin_unit=unit,
        valid_from=day,
    )
    if entry.desk:
        host = successors.get(entry.desk_host) if entry.desk_host else None
        if entry.desk_host and host is None:
            host = _agency(entry.desk_host)
        org.open_desk(agency, entry.desk, host=host, actor=actor)
    return agency


def _require_agencies_covered(plan: Plan, closing: set[str]) -> None:
    """An agency in force that serves a closing unit must close too: say its successor."""
    units = [c for u in plan.units for c in u.before] + list(plan.dissolve)
    left = (
        Agency.objects.filter(valid_to__isnull=True, admin_unit__code__in=units)
        .exclude(code__in=closing)
        .values_list("code", flat=True)
    )
    left = sorted(left)
    if left:
        raise ApplyError(
            _("Agencies serving closing units have no successor in the plan: %(codes)s")
            % {"codes": ", ".join(left[:20])}
        )


def desk_of(agency: Agency) -> Desk | None:
    """The agency's one-stop desk (its first active one)."""
    return agency.desks.filter(is_active=True).order_by("pk").first()


# --- Posts -------------------------------------------------------------------------------------


def _move_posts(plan: Plan, successors, closed, actor, outcome: Outcome) -> None:
    """Posts at closed agencies end the day before the plan takes effect ... precisely: their
    valid_to is the effective day (the first day they no longer apply); the successor's post
    begins that day. Posts the plan does not name move to their agency's successor."""
    day = plan.effective_on
    by_post = {p.post: p.to_agency for p in plan.posts}
    successor_of = plan.successor_of()
    posts = (
        Officer.objects.filter(agency__code__in=list(closed))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("user", "agency", "desk")
        .order_by("pk")
    )
    for post in posts:
        target = by_post.get(post.pk, successor_of[post.agency.code])
        if post.valid_from is not None and post.valid_from >= day:
            raise ApplyError(
                _("Post %(post)s begins on or after the effective date: end or move it first.")
                % {"post": post.pk}
            )
        org.end_post(post, day, actor=actor)
        if not target:
            outcome.say(_("post ended: %(post)s") % {"post": post}, "posts_ended")
            continue
        agency = successors.get(target) or _agency(target)
        if (
            Officer.objects.valid_on(day)
            .filter(user=post.user, agency=agency, role=post.role)
            .exists()
        ):
            outcome.say(
                _("post ended: %(post)s (already holds it at %(agency)s)")
                % {"post": post, "agency": agency.name},
                "posts_ended",
            )
            continue
        desk = desk_of(agency) if post.desk_id or post.role == Role.DESK_OFFICER else None
        new = org.appoint(
            post.user, agency, post.role, day, desk=desk, title=post.title, actor=actor
        )
        outcome.say(_("post moved: %(old)s → %(new)s") % {"old": post, "new": new}, "posts_moved")


# --- Procedures --------------------------------------------------------------------------------


def _move_procedures(plan: Plan, successors, closed, actor, outcome: Outcome):
    """Reassign procedures under the plan's publication decision. A change of agency is an
    amendment (a new version from the effective date); a change of level is a replacement by
    a procedure of the new level (the old one ends; its versions stay, so reports of the old
    period are unchanged). Procedures of a closed agency the plan does not name move to the
    agency's successor; when districts are dissolved, a district procedure the plan does not
    name is an error. Returns {old procedure id: its new performing agency} for the
    dossiers and {old procedure id: the procedure replacing it} for the processes."""
    day = plan.effective_on
    moves = {m.code: m for m in plan.procedures}
    successor_of = plan.successor_of()
    in_force = Procedure.objects.filter(status=ProcedureStatus.ACTIVE)
    orphans = in_force.filter(level=Level.DISTRICT, agency__isnull=True).exclude(
        code__in=list(moves)
    )
    if plan.dissolve and orphans.exists():  # a plan abolishing districts must move them
        codes = ", ".join(orphans.values_list("code", flat=True)[:20])
        raise ApplyError(
            _("District procedures the plan does not move (districts are abolished): %(codes)s")
            % {"codes": codes}
        )
    implicit = in_force.filter(agency__code__in=list(closed)).exclude(code__in=list(moves))
    todo = [(p, moves[p.code]) for p in in_force.filter(code__in=list(moves)).order_by("code")]
    todo += [(p, None) for p in implicit.select_related("agency").order_by("code")]
    unknown = sorted(set(moves) - {p.code for p, _m in todo})
    if unknown:
        raise ApplyError(
            _("Procedures not in force: %(codes)s") % {"codes": ", ".join(unknown[:20])}
        )
    if not todo:
        return {}, {}
    decision = catalog.create_decision(
        plan.decision_number,
        plan.decision_title,
        plan.decision_signed_on,
        day,
        actor=actor,
    )
    moved: dict[int, Agency] = {}
    replaced: dict[int, Procedure] = {}
    for procedure, move in todo:
        target = move.to_agency if move else successor_of[procedure.agency.code]
        agency = (successors.get(target) or _agency(target)) if target else None
        data = catalog.snapshot(procedure)
        if agency is not None:
            data["agency"] = agency.code
            data["performing_agency"] = agency.name
        elif move and move.to_level and procedure.agency_id and procedure.agency.code in closed:
            data["agency"] = ""
        if move and move.to_level and move.to_level != procedure.level:
            data.update(level=move.to_level, code=move.to_code)
            new = catalog.replace_procedures(
                [procedure], data, effective_on=day, decision=decision, actor=actor
            )
            replaced[procedure.pk] = new
            outcome.say(
                _("procedure %(old)s replaced by %(new)s at the %(level)s level")
                % {"old": procedure.code, "new": new.code, "level": move.to_level},
                "procedures_replaced",
            )
        else:
            new = catalog.amend_procedure(
                procedure, data, effective_on=day, decision=decision, actor=actor
            )
            outcome.say(
                _("procedure %(code)s now performed by %(agency)s")
                % {"code": procedure.code, "agency": agency.name if agency else "–"},
                "procedures_amended",
            )
        if agency is not None:
            moved[procedure.pk] = agency
    return moved, replaced


# --- Internal processes ------------------------------------------------------------------------


def _move_processes(
    plan: Plan, successors, closed, moved, replaced, actor, outcome: Outcome
) -> None:
    """Internal processes follow their procedures and agencies, through the process services
    (an audit event each), so that new dossiers at a successor find one:

    - a process of a closed agency: the same steps at the procedure's new performing agency
      if the plan moved the procedure, else at the agency's successor (a step at a closed agency
      goes to that agency's successor); the old process is deactivated (dossiers on its
      steps go on: `services.step_agency` gives the successor);
    - the process of a replaced procedure: the new procedure's own, for every agency of its
      level (a step at a closed agency is done by the performing agency: a district office's
      review becomes the commune's own). A procedure with a process of its own is left.

    A process the process rules refuse (its hours no longer add up, say) is listed for the
    supervisor to configure; the rest of the plan goes on."""
    successor_of = plan.successor_of()

    def at(agency):
        if agency is None or agency.code not in closed:
            return agency
        return successors.get(successor_of[agency.code]) or _agency(successor_of[agency.code])

    def copy(process, procedure, agency, step_agency) -> None:
        steps = [
            {f: getattr(s, f) for f in configuration.STEP_FIELDS}
            for s in process.steps.select_related("agency").order_by("position")
        ]
        for step in steps:
            step["agency"], step["performer"] = step_agency(step)
        data = {"procedure": procedure, "agency": agency, "name": process.name, "is_active": True}
        try:
            configuration.save_process(data, steps, actor)
        except ValidationError as exc:
            outcome.say(
                _("procedure %(code)s: configure its internal process (%(error)s)")
                % {"code": procedure.code, "error": "; ".join(exc.messages)[:200]},
                "processes_to_configure",
            )
            return
        outcome.say(
            _("process of %(code)s now at %(agency)s")
            % {"code": procedure.code, "agency": agency.name if agency else "–"},
            "processes_moved",
        )

    def carried(step):
        return at(step["agency"]), step["performer"]

    def own(step):
        if step["agency"] is not None and step["agency"].code in closed:
            return None, ProcessStep.Performer.PERFORMING_AGENCY
        return step["agency"], step["performer"]

    active = Process.objects.filter(is_active=True).select_related("agency", "procedure")
    for old_id, new in sorted(replaced.items()):
        if Process.objects.filter(procedure=new, is_active=True).exists():
            continue
        processes = list(active.filter(procedure_id=old_id).order_by("agency_id", "pk"))
        generic = [p for p in processes if p.agency_id is None] or processes[:1]
        for process in generic:
            copy(process, new, None, own)
    for process in active.filter(agency__code__in=list(closed)).order_by("pk"):
        if process.procedure_id in replaced:
            continue
        target = moved.get(process.procedure_id) or at(process.agency)
        if not Process.objects.filter(
            procedure=process.procedure, agency=target, is_active=True
        ).exists():
            copy(process, process.procedure, target, carried)
        configuration.set_process_active(process, False, actor)


# --- Dossiers ----------------------------------------------------------------------------------


def _transfer_dossiers(plan: Plan, successors, closed, moved, actor, outcome: Outcome) -> None:
    """Every open dossier at a closed agency goes to: the agency the plan names for it, else
    the new agency of its procedure, else its agency's successor."""
    successor_of = plan.successor_of()
    at = timezone.make_aware(datetime.combine(plan.effective_on, time.min))
    dossiers = (
        Dossier.objects.filter(current_agency__code__in=list(closed))
        .exclude(status__in=list(FINAL))
        .select_related("current_agency")
        .order_by("pk")
    )
    for code in sorted(set(plan.dossiers) - set(dossiers.values_list("code", flat=True))):
        outcome.say(
            _("dossier %(code)s: no longer open at a closing agency, left as it is")
            % {"code": code}
        )
    for dossier in dossiers:
        code = plan.dossiers.get(dossier.code)
        if code:
            target = successors.get(code) or _agency(code)
        else:
            target = (
                moved.get(dossier.procedure_id)
                or successors[successor_of[dossier.current_agency.code]]
            )
        event = dossier_services.transfer_to_successor(
            dossier, target, desk=desk_of(target), at=at, reason=plan.instrument, actor=actor
        )
        if event is not None:
            outcome.say(
                _("dossier %(code)s: %(old)s → %(new)s")
                % {"code": dossier.code, "old": dossier.current_agency.name, "new": target.name},
                "dossiers_transferred",
            )


def _check_result(plan: Plan, day: date) -> None:
    """What must hold after any plan: every open dossier at an agency in force."""
    stranded = (
        Dossier.objects.exclude(status__in=list(FINAL))
        .filter(Q(current_agency__valid_to__lte=day) | Q(current_agency__valid_from__gt=day))
        .values_list("code", flat=True)
    )
    stranded = list(stranded[:20])
    if stranded:
        raise ApplyError(
            _("Open dossiers would sit at agencies not in force: %(codes)s")
            % {"codes": ", ".join(stranded)}
        )
