"""Import and export of the catalogue as JSON, CSV and XLSX.

All three carry the same fields (services.TEXT_FIELDS plus code, sector, agency, required
documents and fees). JSON nests documents and fees; CSV and XLSX put them in one cell,
one per line, fields separated by " | ":
    documents: "name | originals | copies | mandatory (1/0) | form"
    fees:      "name | amount in VND (empty if it varies) | note"
Export → import → export gives the same bytes. An import checks every row first; if any
row is bad nothing is written and every bad row is reported with its row number.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula
(CSV injection). A CSV cell that starts so, after any leading apostrophes, gets one more
apostrophe in front, which the import takes off again; an XLSX cell is always written as
text, never as a formula. Every export writes an "export.catalogue" audit row.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.catalog import services
from motcua.catalog.constants import DurationUnit, OnlineLevel, OnlineScope, Status
from motcua.catalog.models import Procedure, PublicationDecision
from motcua.core import audit
from motcua.org.constants import Level
from motcua.org.models import Agency

FORMATS = ("json", "csv", "xlsx")
XLSX_EPOCH = datetime(2000, 1, 1)
BOOLEAN_FIELDS = (
    "channel_counter",
    "channel_online",
    "channel_post",
    "one_stop",
    "inter_agency",
    "restart_on_supplement",
)
COLUMNS = [
    "code",
    "name",
    "level",
    "sector_code",
    "sector_name",
    "agency",
    *[f for f in services.TEXT_FIELDS if f not in ("name", "level")],
    "documents",
    "fees",
]
SEPARATOR = " | "
TRUE_WORDS = {"1", "true", "có", "co", "x", "yes"}
FALSE_WORDS = {"0", "false", "không", "khong", "", "no"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A CSV cell a spreadsheet will show as text: one apostrophe in front of a formula."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_START) else value


def restore(value):
    """The value `neutralise` was given (the import's inverse of it)."""
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value.lstrip("'").startswith(FORMULA_START)
    ):
        return value[1:]
    return value


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class ImportResult:
    created: int
    amended: int
    unchanged: int


# --- Export ----------------------------------------------------------------------------------


def snapshots(queryset=None) -> list[dict]:
    queryset = queryset if queryset is not None else Procedure.objects.filter(status=Status.ACTIVE)
    queryset = queryset.select_related("sector", "agency").prefetch_related("documents", "fees")
    return [services.snapshot(p) for p in queryset.order_by("code")]


def to_row(data: dict) -> dict[str, str]:
    row = {}
    for column in COLUMNS:
        if column == "sector_code":
            row[column] = data["sector"]["code"]
        elif column == "sector_name":
            row[column] = data["sector"]["name"]
        elif column == "documents":
            row[column] = "\n".join(
                SEPARATOR.join(
                    [
                        d["name"],
                        str(d["originals"]),
                        str(d["copies"]),
                        "1" if d["mandatory"] else "0",
                        d["form"],
                    ]
                )
                for d in data["documents"]
            )
        elif column == "fees":
            row[column] = "\n".join(
                SEPARATOR.join(
                    [f["name"], "" if f["amount"] is None else str(f["amount"]), f["note"]]
                )
                for f in data["fees"]
            )
        elif column in BOOLEAN_FIELDS:
            row[column] = "1" if data[column] else "0"
        else:
            row[column] = "" if data[column] is None else str(data[column])
    return row


def export(fmt: str, queryset=None, actor=None) -> bytes:
    """The catalogue (active procedures, or `queryset`) as `fmt`; audited as read by `actor`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt}")
    data = snapshots(queryset)
    audit.record_about(
        "export.catalogue",
        Procedure._meta.label_lower,
        "",
        actor,
        fmt,
        format=fmt,
        procedures=len(data),
    )
    if fmt == "json":
        document = {"format": "motcua-catalogue", "version": 1, "procedures": data}
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    rows = [to_row(d) for d in data]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: neutralise(v) for c, v in row.items()} for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8
    if fmt == "xlsx":
        return _xlsx(rows)
    raise ValueError(f"unknown format {fmt}")


def _xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "procedures"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl takes "=…" for a formula: it is text here
                cell.data_type = "s"
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return _without_timestamps(out.getvalue(), workbook)


def _without_timestamps(content: bytes, workbook) -> bytes:
    """The same catalogue gives the same bytes: openpyxl stamps "now" into the document
    properties and the zip entries; put a fixed instant in both."""
    from openpyxl.xml.constants import ARC_CORE
    from openpyxl.xml.functions import tostring

    workbook.properties.created = workbook.properties.modified = XLSX_EPOCH
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_EPOCH.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(info)
            if info.filename == ARC_CORE:
                data = tostring(workbook.properties.to_tree())
            target.writestr(entry, data)
    return out.getvalue()


# --- Import ----------------------------------------------------------------------------------


def read(content: bytes, fmt: str) -> list[tuple[int, dict]]:
    """(row number as the user sees it, raw row) pairs; header is row 1 in CSV/XLSX."""
    if fmt == "json":
        try:
            document = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ImportFailed([RowError(0, "file", _("not valid JSON (%s)") % exc)]) from exc
        procedures = document.get("procedures") if isinstance(document, dict) else None
        if not isinstance(procedures, list):
            raise ImportFailed([RowError(0, "file", _("no list of procedures"))])
        return [(i, p if isinstance(p, dict) else {}) for i, p in enumerate(procedures, start=1)]
    if fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFailed([RowError(0, "file", _("the file is not UTF-8 text"))]) from exc
        reader = csv.DictReader(io.StringIO(text))
        _check_header(reader.fieldnames or [])
        return [
            (i, {k: restore(v) for k, v in row.items()}) for i, row in enumerate(reader, start=2)
        ]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFailed([RowError(0, "file", _("not a readable XLSX file"))]) from exc
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "") for c in next(rows, [])]
        _check_header(header)
        return [
            (i, {h: "" if v is None else str(v) for h, v in zip(header, values, strict=False)})
            for i, values in enumerate(rows, start=2)
            if any(v not in (None, "") for v in values)
        ]
    raise ValueError(f"unknown format {fmt}")


def _check_header(header: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFailed([RowError(1, "header", _("missing columns: %s") % ", ".join(missing))])


def _flat_to_data(row: dict) -> dict:
    """A CSV/XLSX row in the JSON shape (values still unchecked strings)."""
    data = {c: row.get(c, "") for c in COLUMNS if c not in ("sector_code", "sector_name")}
    data["sector"] = {"code": row.get("sector_code", ""), "name": row.get("sector_name", "")}
    data["documents"] = [
        _split(line, 5) for line in (row.get("documents") or "").splitlines() if line.strip()
    ]
    data["fees"] = [
        _split(line, 3) for line in (row.get("fees") or "").splitlines() if line.strip()
    ]
    data["documents"] = [
        {"name": p[0], "originals": p[1], "copies": p[2], "mandatory": p[3], "form": p[4]}
        for p in data["documents"]
    ]
    data["fees"] = [{"name": p[0], "amount": p[1], "note": p[2]} for p in data["fees"]]
    return data


def _split(line: str, width: int) -> list[str]:
    parts = [p.strip() for p in line.split("|")]
    return (parts + [""] * width)[:width] if len(parts) <= width else [line, *[""] * (width - 1)]


class _Checker:
    """Turns one raw row into clean data, collecting every problem instead of stopping."""

    def __init__(self, number: int, agencies: set[str]):
        self.number, self.agencies, self.errors = number, agencies, []

    def error(self, field: str, message: str) -> None:
        self.errors.append(RowError(self.number, field, message))

    def text(self, raw, field, required=False, max_length=None) -> str:
        value = "" if raw is None else str(raw).strip()
        if required and not value:
            self.error(field, _("is required"))
        if max_length and len(value) > max_length:
            self.error(field, _("is longer than %s characters") % max_length)
        return value

    def boolean(self, raw, field) -> bool:
        if isinstance(raw, bool):
            return raw
        value = str(raw if raw is not None else "").strip().lower()
        if value in TRUE_WORDS:
            return True
        if value not in FALSE_WORDS:
            self.error(field, _("must be 1 or 0"))
        return False

    def integer(self, raw, field, low=0, high=None, allow_empty=False):
        if allow_empty and (raw is None or str(raw).strip() == ""):
            return None
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            self.error(field, _("must be a whole number"))
            return None
        if value < low or (high is not None and value > high):
            self.error(
                field,
                _("must be between %(low)s and %(high)s")
                % {"low": low, "high": high if high is not None else "∞"},
            )
        return value

    def decimal(self, raw, field):
        try:
            value = Decimal(str(raw).strip().replace(",", "."))
        except (InvalidOperation, TypeError):
            self.error(field, _("must be a number"))
            return None
        if value < 0 or value != value.quantize(Decimal("0.01")) or value >= 100_000:
            self.error(field, _("must be a number from 0 to 99999.99 with at most 2 decimals"))
            return None
        return value


def _max(field: str) -> int:
    """The column's length, so that a too-long value is a row error and not a database error."""
    return Procedure._meta.get_field(field).max_length


def check_row(number: int, raw: dict, agencies: set[str]) -> tuple[dict | None, list[RowError]]:
    c = _Checker(number, agencies)
    data = {
        "code": c.text(raw.get("code"), "code", required=True, max_length=40),
        "name": c.text(raw.get("name"), "name", required=True, max_length=_max("name")),
    }
    level = c.text(raw.get("level"), "level", required=True)
    if level and level not in Level.values:
        c.error("level", _("must be one of %s") % ", ".join(Level.values))
    data["level"] = level
    sector = raw.get("sector") if isinstance(raw.get("sector"), dict) else {}
    data["sector"] = {
        "code": c.text(sector.get("code"), "sector_code", required=True, max_length=20),
        "name": c.text(sector.get("name"), "sector_name", required=True, max_length=200),
    }
    agency = c.text(raw.get("agency"), "agency")
    if agency and agency not in agencies:
        c.error("agency", _("no agency with code %s") % agency)
    data["agency"] = agency
    for field in ("performing_agency", "applicants", "duration_note"):
        data[field] = c.text(raw.get(field), field, max_length=_max(field))
    for field in ("steps", "where_to_apply", "fee_text", "result", "legal_basis", "conditions"):
        data[field] = c.text(raw.get(field), field)
    for field in BOOLEAN_FIELDS:
        data[field] = c.boolean(raw.get(field), field)
    unit = c.text(raw.get("duration_unit"), "duration_unit", required=True)
    if unit and unit not in DurationUnit.values:
        c.error("duration_unit", _("must be one of %s") % ", ".join(DurationUnit.values))
    data["duration_unit"] = unit
    statutory = c.decimal(raw.get("statutory_duration"), "statutory_duration")
    local = c.decimal(raw.get("local_duration"), "local_duration")
    if statutory is not None and local is not None and local > statutory:
        c.error("local_duration", _("is longer than the statutory duration"))
    data["statutory_duration"] = str(statutory) if statutory is not None else None
    data["local_duration"] = str(local) if local is not None else None
    data["online_level"] = c.integer(raw.get("online_level"), "online_level", 1, 4)
    scope = c.text(raw.get("online_scope"), "online_scope")
    if scope not in OnlineScope.values:
        c.error("online_scope", _("must be empty, full or partial"))
    data["online_scope"] = scope
    data["documents"] = []
    for i, doc in enumerate(_list(raw.get("documents"), c, "documents"), start=1):
        field = f"documents[{i}]"
        data["documents"].append(
            {
                "name": c.text(doc.get("name"), field, required=True, max_length=1000),
                "originals": c.integer(doc.get("originals"), field, 0, 99),
                "copies": c.integer(doc.get("copies"), field, 0, 99),
                "mandatory": c.boolean(doc.get("mandatory"), field),
                "form": c.text(doc.get("form"), field, max_length=300),
            }
        )
    data["fees"] = []
    for i, fee in enumerate(_list(raw.get("fees"), c, "fees"), start=1):
        field = f"fees[{i}]"
        data["fees"].append(
            {
                "name": c.text(fee.get("name"), field, required=True, max_length=300),
                "amount": c.integer(fee.get("amount"), field, 0, allow_empty=True),
                "note": c.text(fee.get("note"), field, max_length=500),
            }
        )
    if data["online_level"] is not None and data["online_level"] not in OnlineLevel.values:
        c.error("online_level", _("must be 1, 2, 3 or 4"))
    return (None if c.errors else data), c.errors


def _list(raw, checker: _Checker, field: str) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        checker.error(field, _("must be a list"))
        return []
    return raw


def check(rows: list[tuple[int, dict]], flat: bool) -> list[dict]:
    """Clean every row; raise ImportFailed listing every bad row if any."""
    agencies = set(Agency.objects.values_list("code", flat=True))
    errors, clean, seen = [], [], {}
    for number, raw in rows:
        data, row_errors = check_row(number, _flat_to_data(raw) if flat else raw, agencies)
        errors += row_errors
        code = str(raw.get("code") or "").strip()
        if code in seen:
            errors.append(RowError(number, "code", _("repeats row %s") % seen[code]))
        seen.setdefault(code, number)
        if data is not None:
            clean.append(data)
    if errors:
        raise ImportFailed(errors)
    return clean


def _comparable(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str))


@transaction.atomic
def import_catalogue(
    content: bytes,
    fmt: str,
    *,
    effective_on: date | None = None,
    decision: PublicationDecision | None = None,
    actor=None,
) -> ImportResult:
    """Create the procedures the file adds and amend those it changes; all or nothing."""
    rows = check(read(content, fmt), flat=fmt != "json")
    effective_on = effective_on or date.today()
    existing = {p.code: p for p in Procedure.objects.filter(code__in=[r["code"] for r in rows])}
    agencies = {a.code: a for a in Agency.objects.all()}
    created = amended = unchanged = 0
    for data in rows:
        procedure = existing.get(data["code"])
        if procedure is None:
            services.create_procedure(
                data, effective_on=effective_on, decision=decision, actor=actor, agencies=agencies
            )
            created += 1
        elif _comparable(services.snapshot(procedure)) != _comparable(_normalised(data)):
            if procedure.status != Status.ACTIVE:
                raise ImportFailed(
                    [RowError(0, "code", _("%s is no longer in force") % data["code"])]
                )
            services.amend_procedure(
                procedure,
                data,
                effective_on=effective_on,
                decision=decision,
                actor=actor,
                agencies=agencies,
            )
            amended += 1
        else:
            unchanged += 1
    return ImportResult(created, amended, unchanged)


def _normalised(data: dict) -> dict:
    """Clean import data in the exact shape snapshot() returns, for comparison."""
    data = dict(data)
    for field in ("statutory_duration", "local_duration"):
        data[field] = str(Decimal(data[field]).quantize(Decimal("0.01")))
    return data
