"""`motcua report index766 --from DATE --to DATE [--agency CODE] [--crosswalk]
--format text|json` (the crosswalk: docs/index766.md, "Across a reorganisation")."""

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
    crosswalk = bool(options.get("crosswalk"))
    report = indicators.build(agency, period, crosswalk)
    if options["format"] == "json":
        stdout.write(json.dumps(as_json(report), ensure_ascii=False, indent=2))
        return
    walked = indicators.walk(agency, period.end) if crosswalk and agency else None
    shown = walked.agency if walked is not None else agency
    report["scope"] = shown.name if shown else gettext("The province")
    stdout.write(core.render_text(report, gettext), ending="")
    if walked is not None:
        stdout.write(crosswalk_text(walked), ending="")


def crosswalk_text(walked: indicators.Walk) -> str:
    """What the crosswalk counted, after the index's text."""
    lines = [""]
    if walked.redirected:
        lines.append(
            gettext(
                "%(asked)s was closed on %(closed)s. With the crosswalk its figures are "
                "counted under %(successor)s, whose index this is."
            )
            % {
                "asked": walked.asked.name,
                "closed": f"{walked.asked.valid_to:%d/%m/%Y}",
                "successor": walked.agency.name,
            }
        )
    if walked.predecessors:
        names = ", ".join(
            f"{a.name} ({a.valid_to:%d/%m/%Y})" if a.valid_to else a.name
            for a in walked.predecessors
        )
        lines.append(
            gettext("With the figures of the closed agencies whose work it took over:")
            + " "
            + names
        )
    else:
        lines.append(
            gettext(
                "No closed agency's work was taken over by this agency by the end of the period."
            )
        )
    return "\n".join(lines) + "\n"
