"""The reorganisation plan: a JSON document reviewed before it is applied. No Django.

`check(data)` turns a parsed plan into a `Plan` or raises `PlanError` listing every problem
with its place in the document (e.g. `agencies[3].code: not an agency identifier`). The
format is documented in docs/reorganisation.md; `FORMAT` names its version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

FORMAT = "motcua-reorganisation-plan/1"
MAX_BYTES = 20_000_000  # a whole province (thousands of dossiers) fits well under this
MAX_TEXT = 1000
EARLIEST_DAY = date(1945, 9, 2)  # as org.services.check_day: no record before the state
LATEST_DAY = date(2099, 12, 31)
LEVELS = ("province", "commune", "district")
AGENCY_KINDS = (
    "provincial_pc",
    "department",
    "service_center",
    "district_pc",
    "commune_pc",
    "specialist_unit",
    "other",
)
UNIT_TYPES = ("Tỉnh", "Thành phố trực thuộc trung ương", "Xã", "Phường", "Đặc khu")
ROLES = ("desk_officer", "specialist", "leader", "supervisor", "admin")
UNIT_CODE = re.compile(r"^\d{2,5}$")
AGENCY_CODE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|[A-Z]\d{2}(\.\d{2}){1,10})$")
DOSSIER_CODE = re.compile(r"^[0-9A-Z.]{1,35}-\d{6}-\d{4,}$")


class PlanError(ValueError):
    """A plan that cannot be applied; `problems` lists (place, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))


@dataclass(frozen=True)
class NewUnit:
    code: str
    name: str
    unit_type: str
    parent: str | None


@dataclass(frozen=True)
class UnitChange:
    before: tuple[str, ...]
    after: NewUnit


@dataclass(frozen=True)
class AgencySuccessor:
    """Agencies `before` close; `code` is their successor (created unless `existing`)."""

    before: tuple[str, ...]
    code: str
    existing: bool
    name: str = ""
    kind: str = ""
    level: str = ""
    unit: str | None = None
    parent: str | None = None
    desk: str = ""  # the name of the successor's one-stop desk ("" : no new desk)
    desk_host: str | None = None


@dataclass(frozen=True)
class PostMove:
    post: int
    to_agency: str | None  # None: the post only ends


@dataclass(frozen=True)
class ProcedureMove:
    """A procedure changes agency (amended) or level (replaced by `to_code` at that level)."""

    code: str
    to_agency: str | None
    to_level: str | None
    to_code: str | None = None


@dataclass(frozen=True)
class Plan:
    effective_on: date
    instrument: str
    province: str
    decision_number: str
    decision_title: str
    decision_signed_on: date
    units: tuple[UnitChange, ...]
    dissolve: tuple[str, ...]
    agencies: tuple[AgencySuccessor, ...]
    posts: tuple[PostMove, ...]
    procedures: tuple[ProcedureMove, ...]
    dossiers: dict[str, str] = field(default_factory=dict)  # dossier code → agency code
    review: tuple[str, ...] = ()
    fingerprint: str = ""

    def successor_of(self) -> dict[str, str]:
        """Old agency code → its successor's code."""
        return {old: a.code for a in self.agencies for old in a.before}


def fingerprint(data: dict) -> str:
    """The same plan, however it is laid out, has the same fingerprint."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load(raw: bytes) -> Plan:
    """Parse and check a plan file's bytes."""
    if len(raw) > MAX_BYTES:
        raise PlanError([("file", f"larger than {MAX_BYTES} bytes")])
    if b"\x00" in raw:
        raise PlanError([("file", "contains NUL bytes")])
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PlanError([("file", "not UTF-8 text")]) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise PlanError([("file", f"not JSON ({exc})")]) from None
    return check(data)


class _Checker:
    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append((where, what))

    def text(self, obj, key, where, *, required=True, pattern=None, choices=None) -> str:
        value = obj.get(key) if isinstance(obj, dict) else None
        place = f"{where}.{key}" if where else key
        if value is None or value == "":
            if required:
                self.fail(place, "missing")
            return ""
        if not isinstance(value, str):
            self.fail(place, "must be text")
            return ""
        if "\x00" in value or any(ord(ch) < 32 for ch in value):
            self.fail(place, "contains control characters")
            return ""
        if len(value) > MAX_TEXT:
            self.fail(place, f"longer than {MAX_TEXT} characters")
            return ""
        if pattern is not None and not pattern.match(value):
            self.fail(place, f"not a valid code: {value!r}")
            return ""
        if choices is not None and value not in choices:
            self.fail(place, f"must be one of {', '.join(choices)}")
            return ""
        return value

    def day(self, obj, key, where) -> date | None:
        value = self.text(obj, key, where)
        if not value:
            return None
        place = f"{where}.{key}" if where else key
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(place, "not a date (YYYY-MM-DD)")
            return None
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            self.fail(place, f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
            return None
        return day

    def items(self, data, key) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(key, "must be a list")
            return []
        return value

    def codes(self, obj, key, where, pattern) -> tuple[str, ...]:
        value = obj.get(key) if isinstance(obj, dict) else None
        place = f"{where}.{key}"
        if not isinstance(value, list) or not value:
            self.fail(place, "must be a non-empty list of codes")
            return ()
        good = []
        for i, code in enumerate(value):
            if not isinstance(code, str) or not pattern.match(code):
                self.fail(f"{place}[{i}]", f"not a valid code: {str(code)[:40]!r}")
            else:
                good.append(code)
        if len(set(good)) != len(good):
            self.fail(place, "lists a code twice")
        return tuple(good)


def check(data) -> Plan:
    """A `Plan` from the parsed JSON, or PlanError with every problem found."""
    c = _Checker()
    if not isinstance(data, dict):
        raise PlanError([("file", "the plan must be a JSON object")])
    if data.get("format") != FORMAT:
        c.fail("format", f"must be {FORMAT!r}")
    effective_on = c.day(data, "effective_on", "")
    instrument = c.text(data, "instrument", "")
    if isinstance(data.get("province"), list):  # old provinces merged into one
        province = ",".join(
            code
            for i, code in enumerate(c.items(data, "province"))
            if _is_code(c, code, f"province[{i}]", UNIT_CODE)
        )
        if not province:
            c.fail("province", "an empty list")
    else:
        province = c.text(data, "province", "", pattern=UNIT_CODE)
    decision = data.get("decision")
    if not isinstance(decision, dict):
        c.fail("decision", "missing (the publication decision recording the reassignments)")
        decision = {}
    decision_number = c.text(decision, "number", "decision")
    decision_title = c.text(decision, "title", "decision")
    signed_on = c.day(decision, "signed_on", "decision")
    if signed_on and effective_on and signed_on > effective_on:
        c.fail("decision.signed_on", "after the effective date")
    units = _units(c, data)
    dissolve = tuple(
        code
        for i, code in enumerate(c.items(data, "dissolve"))
        if _is_code(c, code, f"dissolve[{i}]", UNIT_CODE)
    )
    agencies = _agencies(c, data)
    posts = _posts(c, data)
    procedures = _procedures(c, data)
    dossiers = _dossiers(c, data)
    review = tuple(
        r for i, r in enumerate(c.items(data, "review")) if _is_note(c, r, f"review[{i}]")
    )
    _cross_check(c, units, dissolve, agencies, dossiers, procedures, posts)
    if c.problems:
        raise PlanError(c.problems)
    return Plan(
        effective_on=effective_on,
        instrument=instrument,
        province=province,
        decision_number=decision_number,
        decision_title=decision_title,
        decision_signed_on=signed_on,
        units=units,
        dissolve=dissolve,
        agencies=agencies,
        posts=posts,
        procedures=procedures,
        dossiers=dossiers,
        review=review,
        fingerprint=fingerprint(data),
    )


def _is_code(c: _Checker, value, where: str, pattern) -> bool:
    if isinstance(value, str) and pattern.match(value):
        return True
    c.fail(where, f"not a valid code: {str(value)[:40]!r}")
    return False


def _is_note(c: _Checker, value, where: str) -> bool:
    if isinstance(value, str) and "\x00" not in value and len(value) <= MAX_TEXT:
        return True
    c.fail(where, f"must be text of at most {MAX_TEXT} characters")
    return False


def _units(c: _Checker, data) -> tuple[UnitChange, ...]:
    out = []
    for i, entry in enumerate(c.items(data, "units")):
        where = f"units[{i}]"
        if not isinstance(entry, dict):
            c.fail(where, "must be an object")
            continue
        before = c.codes(entry, "from", where, UNIT_CODE)
        to = entry.get("to")
        if not isinstance(to, dict):
            c.fail(f"{where}.to", "missing")
            continue
        after = NewUnit(
            code=c.text(to, "code", f"{where}.to", pattern=UNIT_CODE),
            name=c.text(to, "name", f"{where}.to"),
            unit_type=c.text(to, "type", f"{where}.to", choices=UNIT_TYPES),
            parent=c.text(entry, "parent", where, required=False, pattern=UNIT_CODE) or None,
        )
        out.append(UnitChange(before, after))
    return tuple(out)


def _agencies(c: _Checker, data) -> tuple[AgencySuccessor, ...]:
    out = []
    for i, entry in enumerate(c.items(data, "agencies")):
        where = f"agencies[{i}]"
        if not isinstance(entry, dict):
            c.fail(where, "must be an object")
            continue
        before = c.codes(entry, "from", where, AGENCY_CODE)
        code = c.text(entry, "code", where, pattern=AGENCY_CODE)
        existing = entry.get("existing", False)
        if not isinstance(existing, bool):
            c.fail(f"{where}.existing", "must be true or false")
            existing = False
        if existing:
            out.append(AgencySuccessor(before, code, True))
            continue
        out.append(
            AgencySuccessor(
                before,
                code,
                False,
                name=c.text(entry, "name", where),
                kind=c.text(entry, "kind", where, choices=AGENCY_KINDS),
                level=c.text(entry, "level", where, choices=LEVELS),
                unit=c.text(entry, "unit", where, pattern=UNIT_CODE) or None,
                parent=c.text(entry, "parent", where, required=False, pattern=AGENCY_CODE) or None,
                desk=c.text(entry, "desk", where, required=False),
                desk_host=c.text(entry, "desk_host", where, required=False, pattern=AGENCY_CODE)
                or None,
            )
        )
    return tuple(out)


def _int(c: _Checker, entry, key, where) -> int | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        c.fail(f"{where}.{key}", "must be a positive whole number")
        return None
    return value


def _posts(c: _Checker, data) -> tuple[PostMove, ...]:
    out = []
    for i, entry in enumerate(c.items(data, "posts")):
        where = f"posts[{i}]"
        if not isinstance(entry, dict):
            c.fail(where, "must be an object")
            continue
        post = _int(c, entry, "post", where)
        to = c.text(entry, "to_agency", where, required=False, pattern=AGENCY_CODE) or None
        if post is not None:
            out.append(PostMove(post, to))
    return tuple(out)


def _procedures(c: _Checker, data) -> tuple[ProcedureMove, ...]:
    out = []
    for i, entry in enumerate(c.items(data, "procedures")):
        where = f"procedures[{i}]"
        if not isinstance(entry, dict):
            c.fail(where, "must be an object")
            continue
        code = c.text(entry, "code", where)
        to_agency = c.text(entry, "to_agency", where, required=False, pattern=AGENCY_CODE)
        to_level = c.text(entry, "to_level", where, required=False, choices=LEVELS)
        if to_level == "district":
            c.fail(f"{where}.to_level", "no procedure can move to the abolished district level")
        if not (to_agency or to_level):
            c.fail(where, "says neither to_agency nor to_level")
        to_code = c.text(entry, "to_code", where, required=bool(to_level))
        if to_code and to_code == code:
            c.fail(f"{where}.to_code", "must differ from the code it replaces")
        out.append(ProcedureMove(code, to_agency or None, to_level or None, to_code or None))
    return tuple(out)


def _dossiers(c: _Checker, data) -> dict[str, str]:
    value = data.get("dossiers", {})
    if not isinstance(value, dict):
        c.fail("dossiers", "must be an object: dossier code → agency code")
        return {}
    out = {}
    for code, agency in value.items():
        if not DOSSIER_CODE.match(code):
            c.fail("dossiers", f"not a dossier code: {code[:60]!r}")
        elif not isinstance(agency, str) or not AGENCY_CODE.match(agency):
            c.fail(f"dossiers.{code}", "not an agency code")
        else:
            out[code] = agency
    return out


def _cross_check(c, units, dissolve, agencies, dossiers, procedures, posts) -> None:
    """What no single entry shows: a code closed twice, an agency succeeding two ways."""
    closed = [code for u in units for code in u.before] + list(dissolve)
    for code in sorted({x for x in closed if closed.count(x) > 1}):
        c.fail("units", f"unit {code} is closed by more than one entry")
    opened = [u.after.code for u in units]
    for code in sorted({x for x in opened if opened.count(x) > 1}):
        c.fail("units", f"unit {code} is opened by more than one entry")
    new_units = set(opened)
    old = [code for a in agencies for code in a.before]
    for code in sorted({x for x in old if old.count(x) > 1}):
        c.fail("agencies", f"agency {code} has more than one successor")
    successors = {a.code for a in agencies}
    for code in sorted(successors & set(old)):
        c.fail("agencies", f"agency {code} is both closed and a successor")
    for i, a in enumerate(agencies):
        if not a.existing and a.unit and a.unit not in new_units:
            c.fail(f"agencies[{i}].unit", f"unit {a.unit} is not opened by this plan")
        if a.parent and a.parent in set(old):
            c.fail(f"agencies[{i}].parent", f"agency {a.parent} closes in this plan")
    for code, agency in dossiers.items():
        if agency in set(old):
            c.fail(f"dossiers.{code}", f"agency {agency} closes in this plan")
    for i, p in enumerate(procedures):
        if p.to_agency and p.to_agency in set(old):
            c.fail(f"procedures[{i}].to_agency", f"agency {p.to_agency} closes in this plan")
    for i, p in enumerate(posts):
        if p.to_agency and p.to_agency in set(old):
            c.fail(f"posts[{i}].to_agency", f"agency {p.to_agency} closes in this plan")
