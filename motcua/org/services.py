"""The only code that changes the organisation tables. Each function is one transaction
and writes an audit event."""

from datetime import date

from django.db import transaction

from motcua.core import audit
from motcua.org import permissions
from motcua.org.constants import Level
from motcua.org.models import AdminUnit, AdminUnitChange, Agency, Desk, Officer, User

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


@transaction.atomic
def create_agency(actor=None, **fields) -> Agency:
    agency = Agency.objects.create(**fields)
    audit.record("agency.created", agency, actor, summary=agency.name)
    return agency


@transaction.atomic
def open_desk(agency, name, host=None, address="", actor=None) -> Desk:
    desk = Desk.objects.create(agency=agency, name=name, host=host, address=address)
    audit.record("desk.opened", desk, actor, summary=name)
    return desk


@transaction.atomic
def appoint(
    user: User, agency: Agency, role: str, title="", desk=None, valid_from=None, actor=None
) -> Officer:
    officer = Officer.objects.create(
        user=user, agency=agency, role=role, title=title, desk=desk, valid_from=valid_from
    )
    user.groups.add(permissions.role_group(role))
    if role in permissions.STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit.record("officer.appointed", officer, actor, summary=str(officer))
    return officer
