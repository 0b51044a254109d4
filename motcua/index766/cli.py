"""`motcua report index766 --from DATE --to DATE [--agency CODE] --format text|json`."""

import json
from datetime import date
from decimal import Decimal

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext

from motcua.index766 import core, indicators
from motcua.org.models import Agency

MAX_DAYS = 3660  # a period of at most ten years


def default_period(today: date) -> tuple[date, date]:
    """From the first of January of `today`'s year to `today`: the index in real time."""
    return date(today.year, 1, 1), today


def period_or_error(start: date | None, end: date | None, today: date) -> indicators.Period:
    """The period asked for, defaults filled in; ValueError with a message otherwise."""
    default_start, default_end = default_period(end or today)
    start, end = start or default_start, end or default_end
    if start > end:
        raise ValueError(gettext("The start of the period is after its end."))
    if (end - start).days > MAX_DAYS:
        raise ValueError(gettext("A period may span at most ten years."))
    return indicators.Period(start, end)


def agency_or_error(code: str | None) -> Agency | None:
    if not code:
        return None
    agency = Agency.objects.filter(code=code.strip()).first()
    if agency is None:
        raise ValueError(gettext("No agency has the code %(code)s.") % {"code": code[:40]})
    return agency


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_json(report: dict) -> dict:
    """The report with its names in the UI language and plain JSON numbers."""
    out = _plain(report)
    for group in out["groups"]:
        group["name"] = gettext(group["name"])
        for row in group["indicators"]:
            row["name"] = gettext(row["name"])
            if row["fed_by"]:
                row["fed_by"] = gettext(row["fed_by"])
    return out


def run(options: dict, stdout) -> None:
    if options.get("format") not in ("text", "json"):
        raise CommandError("The index766 report is text or json.")
    try:
        agency = agency_or_error(options.get("agency"))
        period = period_or_error(options.get("start"), options.get("end"), timezone.localdate())
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    report = indicators.build(agency, period)
    if options["format"] == "json":
        stdout.write(json.dumps(as_json(report), ensure_ascii=False, indent=2))
        return
    report["scope"] = agency.name if agency else gettext("The province")
    stdout.write(core.render_text(report, gettext), ending="")
