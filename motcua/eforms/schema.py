"""E-forms as data: a JSON Schema with UI hints becomes a list of fields to render, and the
text a browser submits becomes typed values or a problem per field. No Django.

The format (docs/eforms.md): the schema is a JSON Schema (draft 2020-12) of an object whose
properties are the form's fields. A field is one of

- text: ``{"type": "string"}`` (``maxLength``, ``minLength``, ``pattern``, ``format: email``),
- number: ``{"type": "number"}`` or ``{"type": "integer"}`` (``minimum``, ``maximum`` …),
- date: ``{"type": "string", "format": "date"}`` (stored as ``YYYY-MM-DD``),
- choice: ``{"type": "string", "enum": [...]}``,
- yes/no: ``{"type": "boolean"}`` (``"const": true`` for a box that must be ticked),
- repeated group: ``{"type": "array", "items": {"type": "object", "properties": {...}}}``
  whose properties are fields of the kinds above (``minItems``, ``maxItems``).

Every field has a ``title`` (its label); ``description`` is its help text. ``required``,
``if``/``then`` and the other keywords of JSON Schema apply as the standard says: the
`jsonschema` library checks the coerced values. UI hints (a separate JSON object) say how
to show the fields: ``{"sections": [{"title": ..., "fields": [...]}], "fields": {name:
{"widget", "help", "placeholder", "prefill", "labels", "when", "rows", "error",
"add_label"}}}``.

A refusal is a `Problem`: the field it is about (``name`` or ``group-<row>-<name>``), a
code and its parameters; the web layer words it in the reader's language
(eforms/messages.py). `check_definition` refuses a definition the same way.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_FIELDS = 80  # fields of one form, group members included
MAX_CHOICES = 300
MAX_ROWS = 50  # rows of a repeated group, whatever the schema says
MAX_TEXT = 10_000  # characters of one answer, whatever the schema says
DEFAULT_MAX_TEXT = 500  # a one-line answer without its own maxLength
DEFAULT_MAX_TEXTAREA = 4_000
MAX_NUMBER = 10**15  # beyond it a number is not an amount anyone declares
MAX_NUMBER_TEXT = 40  # characters of a number as typed ("1.000.000.000.000,25")
MAX_PATTERN = 500
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2100, 12, 31)
# Account details a field may be filled from (the citizen's account, accounts.Account).
PREFILL_KEYS = ("full_name", "id_number", "tax_code", "birth_date", "phone", "email", "address")
# Those the identity provider vouches for: locked when the account's identity is verified.
IDENTITY_KEYS = frozenset({"full_name", "id_number", "tax_code", "birth_date"})
WIDGETS = {
    "text": ("text", "textarea"),
    "number": ("text",),
    "integer": ("text",),
    "date": ("date",),
    "choice": ("select", "radio"),
    "yesno": ("checkbox", "radio"),
    "group": ("table",),
}
UI_FIELD_KEYS = frozenset(
    {"widget", "help", "placeholder", "prefill", "labels", "when", "rows", "error", "add_label"}
)
UI_KEYS = frozenset({"sections", "fields"})
TRUE_VALUES = frozenset({"on", "true", "1", "yes"})
# C0 controls but tab and line breaks, DEL, C1 controls, lone surrogates (core.hostile).
INVALID_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
VN_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")  # 1.234.567,5
COMMA_DECIMAL = re.compile(r"[+-]?\d+(?:,\d+)?")  # 1234,5
DOT_DECIMAL = re.compile(r"[+-]?\d+(?:\.\d+)?")  # 1234.5
DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: `field` is a field's input name ("" for the whole form)."""

    field: str
    code: str
    params: Mapping = field(default_factory=dict)


class DefinitionError(ValueError):
    """A schema or UI hints that cannot make a form; `problems` say why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            "; ".join(f"{p.field or '-'}: {p.code} {dict(p.params)}" for p in problems)
        )


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | number | integer | date | choice | yesno | group
    label: str
    widget: str
    required: bool = False
    help: str = ""
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 0
    minimum: float | int | None = None
    maximum: float | int | None = None
    when: str = ""  # dates: "past" (not after today) or "future" (not before today)
    prefill: str = ""
    rows: int = 0
    error: str = ""  # the form's own message for a value that does not match its pattern
    must_tick: bool = False
    children: tuple[Field, ...] = ()
    min_items: int = 0
    max_items: int = MAX_ROWS
    add_label: str = ""
    input_type: str = "text"  # for text fields: text, email or tel

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


def load_json(text: str, what: str) -> dict:
    """`text` parsed as a JSON object, or DefinitionError naming the line and column."""
    if not isinstance(text, str):
        raise DefinitionError([Problem("", "not_json", {"what": what, "detail": "?"})])
    try:
        value = json.loads(text or "{}")
    except (ValueError, RecursionError) as error:
        detail = (
            f"{error.msg} (line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else "too deeply nested"
        )
        raise DefinitionError([Problem("", "not_json", {"what": what, "detail": detail})]) from None
    if not isinstance(value, dict):
        raise DefinitionError([Problem("", "not_object", {"what": what})])
    return value


def _kind(prop: Mapping) -> str | None:
    kind = prop.get("type")
    if kind == "string":
        if "enum" in prop:
            return "choice"
        return "date" if prop.get("format") == "date" else "text"
    if kind in ("number", "integer"):
        return kind
    if kind == "boolean":
        return "yesno"
    if kind == "array":
        items = prop.get("items")
        if isinstance(items, Mapping) and items.get("type") == "object":
            return "group"
    return None


def _has_ref(value) -> bool:
    if isinstance(value, Mapping):
        return any(k in ("$ref", "$dynamicRef") or _has_ref(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_ref(v) for v in value)
    return False


def _has_control_characters(value) -> bool:
    """Whether any key or text inside `value` holds characters no one types (PostgreSQL's
    jsonb cannot even store NUL)."""
    if isinstance(value, str):
        return INVALID_CHARACTERS.search(value) is not None
    if isinstance(value, Mapping):
        return any(
            _has_control_characters(k) or _has_control_characters(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_has_control_characters(v) for v in value)
    return False


def _limit(prop: Mapping, key: str):
    value = prop.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


class Form:
    """A form built from a definition; raises DefinitionError for one that makes none."""

    def __init__(self, schema: Mapping, ui: Mapping | None = None):
        self.schema = schema
        self.ui = ui or {}
        problems: list[Problem] = []
        self._check_schema(problems)
        if not problems:
            self._check_ui(problems)
        if problems:
            raise DefinitionError(problems)
        self.fields = tuple(self._field(name, prop, self.schema) for name, prop in self._props())
        self.by_name = {f.name: f for f in self.fields}
        self.sections = self._sections()
        self.validator = Draft202012Validator(
            self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    # --- Checking the definition --------------------------------------------------------------

    def _props(self, schema: Mapping | None = None) -> list[tuple[str, Mapping]]:
        return list(((schema or self.schema).get("properties") or {}).items())

    def _check_schema(self, problems: list[Problem]) -> None:
        schema = self.schema
        if not isinstance(schema, Mapping):
            problems.append(Problem("", "not_object", {"what": "schema"}))
            return
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            where = "/".join(str(p) for p in error.absolute_path) or "/"
            problems.append(Problem("", "not_schema", {"detail": error.message, "where": where}))
            return
        except RecursionError:
            problems.append(
                Problem("", "not_schema", {"detail": "too deeply nested", "where": "/"})
            )
            return
        if _has_ref(schema):
            problems.append(Problem("", "ref_not_allowed"))
            return
        if _has_control_characters(schema) or _has_control_characters(self.ui):
            problems.append(Problem("", "control_characters"))
            return
        if schema.get("type") != "object" or not isinstance(schema.get("properties"), Mapping):
            problems.append(Problem("", "root_not_object"))
            return
        props = self._props()
        if not props:
            problems.append(Problem("", "no_fields"))
        count = 0
        for name, prop in props:
            count += 1 + self._check_field(name, prop, schema, problems, top=True)
        self._check_required(schema, problems)
        if count > MAX_FIELDS:
            problems.append(Problem("", "too_many_fields", {"limit": MAX_FIELDS}))

    def _check_field(self, name, prop, parent, problems, top) -> int:
        """Check one property; returns how many member fields a group adds."""
        if not FIELD_NAME.fullmatch(name):
            problems.append(Problem(name, "bad_field_name"))
            return 0
        if not isinstance(prop, Mapping):
            problems.append(Problem(name, "unsupported_type"))
            return 0
        title = prop.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 300:
            problems.append(Problem(name, "missing_title"))
        kind = _kind(prop)
        if kind is None or (kind == "group" and not top):
            problems.append(Problem(name, "unsupported_type"))
            return 0
        if kind == "choice":
            values = prop["enum"]
            if (
                not values
                or len(values) > MAX_CHOICES
                or not all(isinstance(v, str) and v and len(v) <= 200 for v in values)
            ):
                problems.append(Problem(name, "bad_enum", {"limit": MAX_CHOICES}))
        if kind == "text":
            if (_limit(prop, "maxLength") or 0) > MAX_TEXT:
                problems.append(Problem(name, "limit_too_large", {"limit": MAX_TEXT}))
            pattern = prop.get("pattern")
            if pattern is not None:
                try:
                    if len(pattern) > MAX_PATTERN:
                        raise re.error(f"longer than {MAX_PATTERN} characters")
                    re.compile(pattern)
                except re.error as error:
                    problems.append(Problem(name, "bad_pattern", {"detail": str(error)}))
        if kind in ("number", "integer"):
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = _limit(prop, key)
                if value is not None and abs(value) > MAX_NUMBER:
                    problems.append(Problem(name, "limit_too_large", {"limit": MAX_NUMBER}))
                    break
        if kind == "group":
            if (_limit(prop, "maxItems") or 0) > MAX_ROWS:
                problems.append(Problem(name, "limit_too_large", {"limit": MAX_ROWS}))
            items = prop["items"]
            members = list((items.get("properties") or {}).items())
            if not members:
                problems.append(Problem(name, "no_fields"))
            for child, child_prop in members:
                self._check_field(child, child_prop, items, problems, top=False)
            self._check_required(items, problems, name)
            return len(members)
        return 0

    def _check_required(self, schema: Mapping, problems: list[Problem], group: str = "") -> None:
        known = set((schema.get("properties") or {}).keys())
        for name in schema.get("required") or []:
            if name not in known:
                problems.append(Problem(group, "bad_required", {"name": name}))

    def _check_ui(self, problems: list[Problem]) -> None:
        ui = self.ui
        if not isinstance(ui, Mapping):
            problems.append(Problem("", "not_object", {"what": "ui"}))
            return
        for key in ui:
            if key not in UI_KEYS:
                problems.append(Problem("", "ui_unknown_key", {"key": key}))
        props = dict(self._props())
        hints = ui.get("fields") or {}
        if not isinstance(hints, Mapping):
            problems.append(Problem("", "not_object", {"what": "ui.fields"}))
            hints = {}
        for name, hint in hints.items():
            prop = self._prop_at(props, name)
            if prop is None:
                problems.append(Problem(name, "ui_unknown_field"))
                continue
            self._check_hint(name, hint, _kind(prop), prop, problems)
        sections = ui.get("sections")
        if sections is None:
            return
        if not isinstance(sections, list):
            problems.append(Problem("", "ui_bad_sections"))
            return
        seen: set[str] = set()
        for section in sections:
            if (
                not isinstance(section, Mapping)
                or not isinstance(section.get("title", ""), str)
                or not isinstance(section.get("fields"), list)
            ):
                problems.append(Problem("", "ui_bad_sections"))
                continue
            for name in section["fields"]:
                if not isinstance(name, str) or name not in props:
                    problems.append(Problem(str(name), "ui_unknown_field"))
                elif name in seen:
                    problems.append(Problem(name, "ui_field_twice"))
                seen.add(str(name))

    @staticmethod
    def _prop_at(props: Mapping, name: str) -> Mapping | None:
        """A top-level property, or a group member named "group.member"."""
        group, dot, member = name.partition(".")
        prop = props.get(group)
        if not dot or prop is None:
            return prop
        if _kind(prop) != "group":
            return None
        return (prop["items"].get("properties") or {}).get(member)

    def _check_hint(self, name, hint, kind, prop, problems) -> None:
        if not isinstance(hint, Mapping):
            problems.append(Problem(name, "ui_bad_hint", {"key": "-"}))
            return
        for key, value in hint.items():
            if key not in UI_FIELD_KEYS:
                problems.append(Problem(name, "ui_bad_hint", {"key": key}))
            elif key == "widget" and value not in WIDGETS.get(kind, ()):
                problems.append(Problem(name, "ui_bad_widget", {"widget": str(value)}))
            elif key == "prefill" and value not in PREFILL_KEYS:
                problems.append(Problem(name, "ui_bad_prefill", {"value": str(value)}))
            elif key == "when" and (kind != "date" or value not in ("past", "future")):
                problems.append(Problem(name, "ui_bad_hint", {"key": key}))
            elif key == "labels" and (
                kind != "choice"
                or not isinstance(value, Mapping)
                or not all(isinstance(v, str) for v in value.values())
                or not set(value) <= set(prop.get("enum") or ())
            ):
                problems.append(Problem(name, "bad_labels"))
            elif (key == "rows" and not (isinstance(value, int) and 1 <= value <= 30)) or (
                key in ("help", "placeholder", "error", "add_label")
                and not (isinstance(value, str) and len(value) <= 1000)
            ):
                problems.append(Problem(name, "ui_bad_hint", {"key": key}))

    # --- Building the fields ------------------------------------------------------------------

    def _hint(self, name: str) -> Mapping:
        return (self.ui.get("fields") or {}).get(name) or {}

    def _field(self, name: str, prop: Mapping, parent: Mapping, path: str = "") -> Field:
        kind = _kind(prop)
        hint = self._hint(path + name)
        widget = hint.get("widget") or WIDGETS[kind][0]
        required = name in (parent.get("required") or ())
        labels = hint.get("labels") or {}
        max_length = 0
        if kind == "text":
            cap = DEFAULT_MAX_TEXTAREA if widget == "textarea" else DEFAULT_MAX_TEXT
            max_length = min(_limit(prop, "maxLength") or cap, MAX_TEXT)
        children: tuple[Field, ...] = ()
        min_items = max_items = 0
        if kind == "group":
            items = prop["items"]
            children = tuple(
                self._field(child, child_prop, items, f"{name}.")
                for child, child_prop in (items.get("properties") or {}).items()
            )
            min_items = int(_limit(prop, "minItems") or (1 if required else 0))
            max_items = int(min(_limit(prop, "maxItems") or MAX_ROWS, MAX_ROWS))
        minimum = _limit(prop, "minimum")
        maximum = _limit(prop, "maximum")
        return Field(
            name=name,
            kind=kind,
            label=prop["title"].strip(),
            widget=widget,
            required=required,
            help=hint.get("help") or prop.get("description") or "",
            placeholder=hint.get("placeholder", ""),
            choices=tuple((v, labels.get(v, v)) for v in prop.get("enum") or ()),
            max_length=max_length,
            minimum=minimum,
            maximum=maximum,
            when=hint.get("when", ""),
            prefill=hint.get("prefill", ""),
            rows=hint.get("rows", 4 if widget == "textarea" else 0),
            error=hint.get("error", ""),
            must_tick=kind == "yesno" and prop.get("const") is True,
            children=children,
            min_items=min_items,
            max_items=max_items,
            add_label=hint.get("add_label", ""),
            input_type=(
                "email"
                if prop.get("format") == "email"
                else "tel"
                if hint.get("prefill") == "phone"
                else "text"
            ),
        )

    def _sections(self) -> tuple[Section, ...]:
        listed = self.ui.get("sections") or []
        sections, seen = [], set()
        for section in listed:
            fields = tuple(self.by_name[n] for n in section["fields"])
            seen.update(section["fields"])
            sections.append(Section(section.get("title", ""), fields))
        rest = tuple(f for f in self.fields if f.name not in seen)
        if rest:
            sections.append(Section("", rest))
        return tuple(sections)

    # --- Reading what was submitted ----------------------------------------------------------

    @staticmethod
    def row_indexes(group: Field, keys: Iterable[str]) -> list[int]:
        """Indexes of the rows of `group` present in the submitted names, in order."""
        found = set()
        prefix = group.name + "-"
        for key in keys:
            if key.startswith(prefix):
                index, dash, _member = key[len(prefix) :].partition("-")
                if dash and index.isdigit() and len(index) <= 3 and int(index) < MAX_ROWS * 4:
                    found.add(int(index))
        return sorted(found)[: group.max_items]

    def parse(
        self, raw: Mapping[str, str], today: date, locked: Mapping[str, object] | None = None
    ) -> tuple[dict, list[Problem]]:
        """The submitted text `raw` (input name → text) as typed values, and the problems
        found; `locked` values (fields filled from a verified identity) replace what was
        submitted for those fields. Never raises on any text."""
        data: dict = {}
        problems: list[Problem] = []
        kept_rows: dict[str, list[int]] = {}
        for f in self.fields:
            if f.is_group:
                rows = []
                kept_rows[f.name] = []
                for index in self.row_indexes(f, raw.keys()):
                    row = {}
                    for child in f.children:
                        key = f"{f.name}-{index}-{child.name}"
                        self._read(child, raw.get(key), key, row, problems, today)
                    if any(v not in (None, False) for v in row.values()) or any(
                        p.field.startswith(f"{f.name}-{index}-") for p in problems
                    ):
                        rows.append(row)
                        kept_rows[f.name].append(index)
                if rows:
                    data[f.name] = rows
                continue
            if locked and f.name in locked and locked[f.name] not in (None, ""):
                data[f.name] = locked[f.name]
                continue
            self._read(f, raw.get(f.name), f.name, data, problems, today)
        flagged = {p.field for p in problems}
        for error in self.validator.iter_errors(data):
            for problem in self._problems(error, kept_rows):
                if problem.field not in flagged:
                    flagged.add(problem.field)
                    problems.append(problem)
        return (data if not problems else {}), problems

    def _read(self, f: Field, text, key: str, out: dict, problems: list[Problem], today) -> None:
        """Coerce one answer into `out[f.name]`; an empty answer leaves it out (so that
        "required" speaks), an impossible one adds a problem."""
        if text is not None and not isinstance(text, str):
            text = None
        if f.kind == "yesno" and f.widget == "checkbox":
            out[f.name] = (text or "").strip().lower() in TRUE_VALUES
            return
        text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()
        if not text:
            return
        if INVALID_CHARACTERS.search(text):
            problems.append(Problem(key, "invalid_characters"))
            return
        try:
            value = READERS[f.kind](f, text, today)
        except _Refused as refused:
            problems.append(Problem(key, refused.code, refused.params))
            return
        out[f.name] = value

    def _problems(self, error, kept_rows: Mapping[str, list[int]]) -> list[Problem]:
        """The problems a jsonschema error stands for: one per field it is about (a
        "required" error is about every property missing)."""
        path = list(error.absolute_path)
        paths = [path]
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, Mapping) else {}
            paths = [[*path, n] for n in error.validator_value if n not in instance]
        problems = []
        for where in paths:
            key, f = self._key(where, kept_rows)
            if f is None:
                problems.append(Problem("", "invalid"))
                continue
            code, params = _code(error, f)
            problems.append(Problem(key, code, params))
        return problems

    def _key(self, path: list, kept_rows: Mapping[str, list[int]]) -> tuple[str, Field | None]:
        """The input name and field a jsonschema error path points at."""
        if not path or path[0] not in self.by_name:
            return "", None
        f = self.by_name[path[0]]
        if not f.is_group or len(path) < 3:
            return f.name, f
        rows = kept_rows.get(f.name, [])
        index = rows[path[1]] if isinstance(path[1], int) and path[1] < len(rows) else path[1]
        child = next((c for c in f.children if c.name == path[2]), None)
        if child is None:
            return f.name, f
        return f"{f.name}-{index}-{child.name}", child

    # --- Filling in and showing ----------------------------------------------------------------

    def initial(self, account: Mapping[str, object]) -> dict[str, str]:
        """The text to show in each field filled from the account's details."""
        raw = {}
        for f in self.fields:
            value = account.get(f.prefill) if f.prefill else None
            if value in (None, ""):
                continue
            raw[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return raw

    def locked(self, account: Mapping[str, object], verified: bool) -> dict[str, object]:
        """Fields filled from details the identity provider vouches for: when the account
        is verified, these show read-only and the account's value is what is recorded."""
        if not verified:
            return {}
        values = {}
        for f in self.fields:
            if f.prefill in IDENTITY_KEYS and account.get(f.prefill) not in (None, ""):
                value = account[f.prefill]
                values[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return values

    def as_raw(self, data: Mapping) -> dict[str, str]:
        """Typed values back as the text a browser would submit (to show a stored answer)."""
        raw: dict[str, str] = {}

        def put(f: Field, key: str, value) -> None:
            if value is None:
                return
            if f.kind == "yesno":
                raw[key] = (
                    ("on" if value else "")
                    if f.widget == "checkbox"
                    else ("yes" if value else "no")
                )
            else:
                raw[key] = str(value)

        for f in self.fields:
            if f.is_group:
                for index, row in enumerate(data.get(f.name) or []):
                    for child in f.children:
                        put(child, f"{f.name}-{index}-{child.name}", (row or {}).get(child.name))
            else:
                put(f, f.name, data.get(f.name))
        return raw


class _Refused(Exception):
    def __init__(self, code: str, **params):
        self.code, self.params = code, params


def _read_text(f: Field, text: str, today) -> str:
    if f.widget != "textarea" and len(text) <= MAX_TEXT * 2:
        text = " ".join(text.split())  # one line: runs of spaces and line breaks are one space
    if len(text) > f.max_length:
        raise _Refused("too_long", limit=f.max_length, length=len(text))
    return text


def _number(text: str) -> Decimal:
    """A number as Vietnamese people type it: "1.500.000", "1500000", "2,5", "2.5"."""
    text = re.sub(r"[\s\u00a0]", "", text)
    if len(text) > MAX_NUMBER_TEXT:
        raise _Refused("not_a_number")
    if VN_GROUPED.fullmatch(text):
        text = text.replace(".", "").replace(",", ".")
    elif COMMA_DECIMAL.fullmatch(text):
        text = text.replace(",", ".")
    elif not DOT_DECIMAL.fullmatch(text):
        raise _Refused("not_a_number")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Refused("not_a_number") from None
    if value > MAX_NUMBER:
        raise _Refused("too_large", limit=MAX_NUMBER)
    if value < -MAX_NUMBER:
        raise _Refused("too_small", limit=-MAX_NUMBER)
    return value


def _read_number(f: Field, text: str, today) -> int | float:
    value = _number(text)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _read_integer(f: Field, text: str, today) -> int:
    value = _number(text)
    if value != value.to_integral_value():
        raise _Refused("not_an_integer")
    return int(value)


def _read_date(f: Field, text: str, today: date) -> str:
    match = ISO_DATE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = DMY.fullmatch(text)
        if not match:
            raise _Refused("not_a_date")
        day, month, year = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        raise _Refused("not_a_date") from None
    if value < MIN_DATE:
        raise _Refused("date_too_early", limit=MIN_DATE)
    if value > MAX_DATE:
        raise _Refused("date_too_late", limit=MAX_DATE)
    if f.when == "past" and value > today:
        raise _Refused("date_in_future")
    if f.when == "future" and value < today:
        raise _Refused("date_in_past")
    return value.isoformat()


def _read_choice(f: Field, text: str, today) -> str:
    if text not in {v for v, _ in f.choices}:
        raise _Refused("invalid_choice")
    return text


def _read_yesno(f: Field, text: str, today) -> bool:
    answer = text.lower()
    if answer in ("yes", "true", "1", "on"):
        return True
    if answer in ("no", "false", "0"):
        return False
    raise _Refused("invalid_choice")


READERS: dict[str, Callable] = {
    "text": _read_text,
    "number": _read_number,
    "integer": _read_integer,
    "date": _read_date,
    "choice": _read_choice,
    "yesno": _read_yesno,
}

# jsonschema's keyword → our code, and the keyword's value as the message's "limit".
CODES = {
    "maxLength": "too_long",
    "minLength": "too_short",
    "maximum": "too_large",
    "minimum": "too_small",
    "exclusiveMaximum": "too_large",
    "exclusiveMinimum": "too_small",
    "multipleOf": "multiple_of",
    "enum": "invalid_choice",
    "minItems": "too_few_rows",
    "maxItems": "too_many_rows",
}


def _code(error, f: Field) -> tuple[str, dict]:
    keyword = error.validator
    if keyword == "required":
        return ("required_rows" if f.is_group else "required"), {"limit": max(f.min_items, 1)}
    if keyword in CODES:
        params = {"limit": error.validator_value}
        if keyword == "maxLength" and isinstance(error.instance, str):
            params["length"] = len(error.instance)
        if keyword.startswith("exclusive"):
            params["exclusive"] = True
        return CODES[keyword], params
    if keyword == "const" and error.validator_value is True:
        return "must_tick", {}
    if keyword == "pattern":
        return "pattern", {"message": f.error}
    if keyword == "format":
        return ("email" if error.validator_value == "email" else "not_a_date"), {}
    return "invalid", {}
