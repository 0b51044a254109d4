"""The only code that changes the organisation tables. Each function is one transaction
and writes an audit event."""

from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.org import permissions
from motcua.org.constants import Level, Role
from motcua.org.models import (
    AdminUnit,
    AdminUnitChange,
    Agency,
    AgencySuccession,
    Desk,
    Officer,
    User,
)

LEVEL_BY_TYPE = {
    "Tỉnh": Level.PROVINCE,
    "Thành phố trực thuộc trung ương": Level.PROVINCE,
    "Huyện": Level.DISTRICT,
    "Quận": Level.DISTRICT,
    "Thị xã": Level.DISTRICT,
    "Thành phố": Level.DISTRICT,
    "Xã": Level.COMMUNE,
    "Phường": Level.COMMUNE,
    "Thị trấn": Level.COMMUNE,
    "Đặc khu": Level.COMMUNE,  # the special zones (islands) of the 2025 map
}


def open_unit(code: str) -> AdminUnit:
    """The current (not closed) row of the unit with this code."""
    return AdminUnit.objects.get(code=code, valid_to__isnull=True)


@transaction.atomic
def create_unit(code, name, unit_type, parent=None, valid_from=None, actor=None) -> AdminUnit:
    unit = AdminUnit.objects.create(
        code=code,
        name=name,
        unit_type=unit_type,
        level=LEVEL_BY_TYPE[unit_type],
        parent=parent,
        valid_from=valid_from,
    )
    audit.record("admin_unit.created", unit, actor, summary=name)
    return unit


def _successor(unit: AdminUnit, day: date, **changes) -> AdminUnit:
    """Close `unit` on `day` and open its next row with `changes`; rows opened the same day
    are updated in place (several changes of one instrument take effect together)."""
    if unit.valid_from == day:
        for field, value in changes.items():
            setattr(unit, field, value)
        unit.save()
        return unit
    unit.valid_to = day
    unit.save(update_fields=["valid_to"])
    values = {f: getattr(unit, f) for f in ("code", "name", "unit_type", "level", "parent")}
    values.update(changes)
    return AdminUnit.objects.create(valid_from=day, **values)


def _carry_children(old: AdminUnit, new: AdminUnit, day: date) -> None:
    if old.pk == new.pk:
        return
    for child in AdminUnit.objects.filter(parent=old, valid_to__isnull=True):
        _successor(child, day, parent=new)


@transaction.atomic
def merge_units(codes, into_code, new_name, new_type, day, instrument="", note="", actor=None):
    """Several units become one (`into_code`, which may be one of `codes`)."""
    before = [open_unit(code) for code in codes]
    parent = next((u.parent for u in before if u.code == into_code), before[0].parent)
    for unit in before:
        if unit.code != into_code:
            unit.valid_to = day
            unit.save(update_fields=["valid_to"])
    survivor = next((u for u in before if u.code == into_code), None)
    changes = {
        "name": new_name,
        "unit_type": new_type,
        "level": LEVEL_BY_TYPE[new_type],
        "parent": parent,
    }
    if survivor is not None:
        after = _successor(survivor, day, **changes)
    else:
        after = AdminUnit.objects.create(code=into_code, valid_from=day, **changes)
    change = AdminUnitChange.objects.create(
        effective_on=day, kind=AdminUnitChange.Kind.MERGE, instrument=instrument, note=note
    )
    change.before.set(before)
    change.after.set([after])
    audit.record("admin_unit.merged", change, actor, summary=new_name, codes=list(codes))
    return after


@transaction.atomic
def reclassify_unit(
    code,
    new_name,
    new_type,
    day,
    instrument="",
    note="",
    actor=None,
    kind=AdminUnitChange.Kind.RECLASSIFY,
):
    """A unit changes type and/or name (xã → phường, huyện → thị xã, a rename)."""
    old = open_unit(code)
    new = _successor(old, day, name=new_name, unit_type=new_type, level=LEVEL_BY_TYPE[new_type])
    _carry_children(old, new, day)
    change = AdminUnitChange.objects.create(
        effective_on=day, kind=kind, instrument=instrument, note=note
    )
    change.before.set([old])
    change.after.set([new])
    audit.record(f"admin_unit.{kind}", change, actor, summary=new_name, code=code)
    return new


def _change_kind(before: list[AdminUnit], after: AdminUnit) -> str:
    if len(before) > 1:
        return AdminUnitChange.Kind.MERGE
    old = before[0]
    if old.name != after.name or old.unit_type != after.unit_type:
        return AdminUnitChange.Kind.RENAME
    return AdminUnitChange.Kind.MOVE


@transaction.atomic
def close_units(codes, day: date) -> list[AdminUnit]:
    """Close the open rows of `codes` on `day` (first of several steps of one instrument:
    close every old row before opening the new ones, since a new unit may take the code of
    an old one)."""
    closed = []
    for code in codes:
        unit = open_unit(code)
        if unit.valid_from is not None and unit.valid_from >= day:
            raise ValidationError(
                _("Unit %(code)s began on or after %(day)s and cannot close then.")
                % {"code": code, "day": day}
            )
        unit.valid_to = day
        unit.save(update_fields=["valid_to"])
        closed.append(unit)
    return closed


@transaction.atomic
def open_successor_unit(
    before: list[AdminUnit], code, name, unit_type, parent, day, instrument="", actor=None
) -> AdminUnit:
    """Open unit `code` on `day` as the successor of the (closed) rows `before`, recorded as
    a dated change (merge, rename or move)."""
    after = AdminUnit.objects.create(
        code=code,
        name=name,
        unit_type=unit_type,
        level=LEVEL_BY_TYPE[unit_type],
        parent=parent,
        valid_from=day,
    )
    change = AdminUnitChange.objects.create(
        effective_on=day, kind=_change_kind(before, after), instrument=instrument
    )
    change.before.set(before)
    change.after.set([after])
    audit.record(
        f"admin_unit.{change.kind}", change, actor, summary=name, codes=[u.code for u in before]
    )
    return after


@transaction.atomic
def dissolve_units(units: list[AdminUnit], day: date, instrument="", note="", actor=None):
    """Record that closed `units` (the districts in 2025) have no successor unit."""
    change = AdminUnitChange.objects.create(
        effective_on=day, kind=AdminUnitChange.Kind.DISSOLVE, instrument=instrument, note=note
    )
    change.before.set(units)
    audit.record("admin_unit.dissolve", change, actor, summary=note, codes=[u.code for u in units])
    return change


@transaction.atomic
def create_agency(actor=None, **fields) -> Agency:
    from motcua.dossiers.codes import identifier_scheme

    if identifier_scheme(fields.get("code", "")) is None:
        raise ValueError(f"not an agency electronic identifier: {fields.get('code')!r}")
    agency = Agency.objects.create(**fields)
    audit.record("agency.created", agency, actor, summary=agency.name)
    return agency


def in_force(agency: Agency, day: date) -> bool:
    return (agency.valid_from is None or agency.valid_from <= day) and (
        agency.valid_to is None or agency.valid_to > day
    )


def successor_on(agency: Agency, day: date) -> Agency:
    """The agency doing `agency`'s work on `day`: itself while in force, else the end of
    its chain of successors (AgencySuccession) that is in force; itself if none is."""
    seen = {agency.pk}
    here = agency
    while not in_force(here, day):
        step = (
            AgencySuccession.objects.filter(predecessor=here, effective_on__lte=day)
            .select_related("successor")
            .order_by("-effective_on")
            .first()
        )
        if step is None or step.successor_id in seen:
            return agency
        seen.add(step.successor_id)
        here = step.successor
    return here


@transaction.atomic
def close_agency(
    agency: Agency, successor: Agency, day: date, instrument: str = "", actor=None
) -> AgencySuccession:
    """Close `agency` on `day` (the first day it no longer applies) and record `successor`
    as taking over its work; the agency's row and history stay."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.valid_to is not None and agency.valid_to <= day:
        raise ValidationError(_("%(agency)s is already closed.") % {"agency": agency})
    agency.valid_to = day
    agency.save(update_fields=["valid_to"])
    succession = AgencySuccession.objects.create(
        predecessor=agency, successor=successor, effective_on=day, instrument=instrument
    )
    audit.record(
        "agency.closed",
        agency,
        actor,
        summary=str(agency),
        valid_to=day.isoformat(),
        successor=successor.code,
    )
    return succession


@transaction.atomic
def close_desk(desk: Desk, actor=None) -> Desk:
    """A desk no longer receives dossiers; its row stays (dossiers name it)."""
    desk.is_active = False
    desk.save(update_fields=["is_active"])
    audit.record("desk.closed", desk, actor, summary=desk.name)
    return desk


@transaction.atomic
def open_desk(agency, name, host=None, address="", actor=None) -> Desk:
    desk = Desk.objects.create(agency=agency, name=name, host=host, address=address)
    audit.record("desk.opened", desk, actor, summary=name)
    return desk


# --- Officers' posts --------------------------------------------------------------------------
#
# A post is a user holding a role in an agency from valid_from until valid_to (the first day it
# no longer applies; empty bounds are open). Posts are ended, never deleted: the history of who
# held which post is what the dossiers' events refer to. The role's group (admin permissions)
# and the staff flag follow the posts: the user has them while a post of the role is not ended.

EARLIEST_DAY = date(1945, 9, 2)  # the founding of the state: no post starts before it
LATEST_DAY = date(2099, 12, 31)
TITLE_MAX = Officer._meta.get_field("title").max_length


def check_day(value: date | None, field: str) -> None:
    """Refuse a date outside the years a record of the province can bear (e.g. year 9999)."""
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValidationError(
            {
                field: _("Enter a date between %(first)s and %(last)s.")
                % {"first": f"{EARLIEST_DAY:%d/%m/%Y}", "last": f"{LATEST_DAY:%d/%m/%Y}"}
            }
        )


def check_text(value: str, field: str, max_length: int) -> None:
    if "\x00" in value:
        raise ValidationError({field: _("Null characters are not allowed.")})
    if len(value) > max_length:
        raise ValidationError({field: _("Enter at most %(n)s characters.") % {"n": max_length}})


def check_post(
    user, agency, role, valid_from=None, valid_to=None, desk=None, title="", exclude=None
) -> None:
    """Raise ValidationError (keyed by field where there is one) if the post may not be held.

    Used by the services before writing and by the admin's forms to show the same errors."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    check_day(valid_from, "valid_from")
    check_day(valid_to, "valid_to")
    check_text(title or "", "title", TITLE_MAX)
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise ValidationError({"valid_to": _("A post must end after it starts.")})
    if desk is not None and desk.agency_id != agency.pk:
        raise ValidationError({"desk": _("The desk must be a desk of the post's agency.")})
    if user is None or user.pk is None:
        return
    overlapping = Officer.objects.filter(user=user, agency=agency, role=role)
    if exclude is not None and exclude.pk is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    if valid_from is not None:
        overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from))
    if valid_to is not None:
        overlapping = overlapping.filter(Q(valid_from__isnull=True) | Q(valid_from__lt=valid_to))
    if overlapping.exists():
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "%(user)s already holds this role in %(agency)s in an overlapping period: "
                    "end that post first."
                )
                % {"user": user, "agency": agency}
            }
        )


def _lock_user(user: User) -> User:
    """Serialise changes to one user's posts (the overlap check, then the write)."""
    return User.objects.select_for_update().get(pk=user.pk)


def sync_access(user: User, today: date | None = None) -> None:
    """Give or take the roles' groups and the staff flag so they follow the user's posts.

    A post counts while it is not ended (valid_to empty or later than today): a post that
    starts later grants its access from the appointment. Superusers keep the staff flag."""
    today = today or date.today()
    held = set(
        Officer.objects.filter(user=user)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .values_list("role", flat=True)
    )
    for role in held:
        user.groups.add(permissions.role_group(role))
    prefix = permissions.GROUP_PREFIX
    stale = [
        g for g in user.groups.filter(name__startswith=prefix) if g.name[len(prefix) :] not in held
    ]
    if stale:
        user.groups.remove(*stale)
    staff = bool(held & permissions.STAFF_ROLES) or user.is_superuser
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


def _period(officer: Officer) -> dict:
    return {
        "valid_from": officer.valid_from.isoformat() if officer.valid_from else None,
        "valid_to": officer.valid_to.isoformat() if officer.valid_to else None,
    }


@transaction.atomic
def appoint(
    user: User,
    agency: Agency,
    role: str,
    valid_from: date | None = None,
    *,
    valid_to: date | None = None,
    desk: Desk | None = None,
    title: str = "",
    actor=None,
) -> Officer:
    """Give `user` a post: `role` in `agency` from `valid_from` (empty: since ever) until
    `valid_to` (empty: open). Refuses a post overlapping one of the same user, agency and
    role; gives the role's group, and the staff flag for the roles that use the admin."""
    user = _lock_user(user)
    check_post(user, agency, role, valid_from, valid_to, desk, title)
    officer = Officer.objects.create(
        user=user,
        agency=agency,
        role=role,
        title=title,
        desk=desk,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    sync_access(user)
    audit.record("officer.appointed", officer, actor, summary=str(officer), **_period(officer))
    return officer


@transaction.atomic
def change_post(officer: Officer, *, actor=None, **changes) -> Officer:
    """Change a post's title, desk or period (its user, agency and role never change: end
    the post and appoint anew). Same checks as `appoint`; access follows the new period."""
    allowed = {"title", "desk", "valid_from", "valid_to"}
    if set(changes) - allowed:
        raise ValueError(f"A post's {sorted(set(changes) - allowed)} cannot change")
    user = _lock_user(officer.user)
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    values = {field: getattr(officer, field) for field in allowed} | changes
    check_post(user, officer.agency, officer.role, exclude=officer, **values)
    before = {f: str(getattr(officer, f) or "") for f in changes}
    for field, value in changes.items():
        setattr(officer, field, value)
    officer.save()
    sync_access(user)
    audit.record(
        "officer.post_changed",
        officer,
        actor,
        summary=str(officer),
        before=before,
        after={f: str(getattr(officer, f) or "") for f in changes},
    )
    return officer


@transaction.atomic
def end_post(officer: Officer, valid_to: date, *, actor=None) -> Officer:
    """End a post on `valid_to` (the first day it no longer applies); the row stays."""
    user = _lock_user(officer.user)
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    check_day(valid_to, "valid_to")
    if officer.valid_to is not None and officer.valid_to <= valid_to:
        raise ValidationError({"valid_to": _("This post already ends on or before that day.")})
    if officer.valid_from is not None and valid_to <= officer.valid_from:
        raise ValidationError({"valid_to": _("A post must end after it starts.")})
    officer.valid_to = valid_to
    officer.save(update_fields=["valid_to"])
    sync_access(user)
    audit.record("officer.post_ended", officer, actor, summary=str(officer), **_period(officer))
    return officer


def successors_on(day: date) -> dict[int, int]:
    """{closed agency id: the id of the agency doing its work on `day`} for every agency not
    in force on `day` whose chain of successions reaches one that is (two queries; what
    `successor_on` answers for one agency, for all at once — the reports' crosswalk)."""
    rows = Agency.objects.order_by().values_list("id", "valid_from", "valid_to")
    force = {pk: (lo is None or lo <= day) and (hi is None or hi > day) for pk, lo, hi in rows}
    steps: dict[int, int] = {}
    for pred, succ in (
        AgencySuccession.objects.filter(effective_on__lte=day)
        .order_by("predecessor_id", "effective_on")
        .values_list("predecessor_id", "successor_id")
    ):
        steps[pred] = succ  # the latest succession of each predecessor wins
    out = {}
    for agency_id, in_force_now in force.items():
        if in_force_now or agency_id not in steps:
            continue
        here, seen = agency_id, {agency_id}
        while not force.get(here, False):
            nxt = steps.get(here)
            if nxt is None or nxt in seen:
                break
            seen.add(nxt)
            here = nxt
        if force.get(here, False):
            out[agency_id] = here
    return out


def with_predecessors(agency_ids: frozenset[int], day: date) -> frozenset[int]:
    """The agencies and every closed agency whose work they do on `day`."""
    return agency_ids | {old for old, new in successors_on(day).items() if new in agency_ids}
