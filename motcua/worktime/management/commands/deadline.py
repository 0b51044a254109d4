"""`motcua deadline`: the due instant of a dossier, optionally with the days skipped."""

import argparse
import math
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from motcua.worktime import core
from motcua.worktime.calendars import get_calendar


def _printable(value: str) -> bool:
    # datetime.fromisoformat and time.fromisoformat accept a trailing NUL byte.
    return value.isprintable()


def _shown(value: str) -> str:
    """The value for a message: control characters escaped, at most 40 characters."""
    text = value if _printable(value) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _instant(value: str) -> datetime:
    try:
        if not _printable(value):
            raise ValueError("control character")
        return datetime.fromisoformat(value)
    except (ValueError, OverflowError) as exc:
        raise CommandError(
            _("Not an ISO 8601 date and time: %(value)s") % {"value": _shown(value)}
        ) from exc


def _time_of_day(value: str) -> time:
    try:
        if not _printable(value):
            raise ValueError("control character")
        parsed = time.fromisoformat(value.strip())
    except (ValueError, OverflowError) as exc:
        raise CommandError(
            _("Not a time of day (HH:MM): %(value)s") % {"value": _shown(value)}
        ) from exc
    if parsed.tzinfo is not None:
        raise CommandError(_("Not a time of day (HH:MM): %(value)s") % {"value": _shown(value)})
    return parsed


def _pause(value: str) -> tuple[datetime, datetime | None]:
    start, sep, end = value.partition("/")
    if not sep:
        raise CommandError(
            _("A pause is START/END or START/ (still open): %(value)s") % {"value": _shown(value)}
        )
    return _instant(start), _instant(end) if end else None


class Command(BaseCommand):
    help = "Print the due instant of a dossier (ISO 8601, local time zone)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--start", required=True, help="Receipt instant, e.g. 2025-01-24T10:00 (local time)."
        )
        amount = parser.add_mutually_exclusive_group(required=True)
        amount.add_argument("--days", type=float, help="Time limit in working days.")
        amount.add_argument("--hours", type=float, help="Time limit in working hours.")
        parser.add_argument("--agency", help="Code of the agency whose working hours apply.")
        parser.add_argument(
            "--pause",
            action="append",
            default=[],
            metavar="START/END",
            help="Supplement pause, e.g. 2025-03-05T10:00/2025-03-07T10:00 (repeatable).",
        )
        parser.add_argument(
            "--supplement",
            choices=("restart", "pause"),
            default=None,
            help="After a supplement the whole time limit runs again (restart, the default) "
            "or only the time left (pause: the time used before it is kept).",
        )
        # The option of the pause-by-default era; restart is now the default.
        parser.add_argument("--restart-on-supplement", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument(
            "--cutoff",
            metavar="HH:MM",
            help="Same-day roll-over of the procedure: received after this time of a working "
            "day, the clock starts the next working day.",
        )
        parser.add_argument("--explain", action="store_true", help="List each day skipped and why.")

    def handle(self, *args, **options):
        agency = None
        if options["agency"]:
            from motcua.org.models import Agency

            code = options["agency"]
            agency = Agency.objects.filter(code=code).first() if _printable(code) else None
            if agency is None:
                raise CommandError(_("No agency with code %(code)s.") % {"code": _shown(code)})
        calendar = get_calendar(agency)
        received = _instant(options["start"])
        if options["days"] is not None:
            amount, unit = options["days"], core.DAYS
        else:
            amount, unit = options["hours"], core.HOURS
        if not math.isfinite(amount) or amount <= 0:
            raise CommandError(_("The time limit must be a positive number."))
        supplement = options["supplement"]
        if supplement == "pause" and options["restart_on_supplement"]:
            raise CommandError(_("Choose either --supplement pause or restart, not both."))
        cutoff = _time_of_day(options["cutoff"]) if options["cutoff"] else None
        pauses = [_pause(p) for p in options["pause"]]
        try:
            deadline = calendar.deadline(
                received,
                amount,
                unit,
                pauses=pauses,
                restart_on_supplement=supplement != "pause",
                cutoff=cutoff,
            )
            due = deadline.due_at.isoformat() if deadline.due_at is not None else None
        except (ValueError, OverflowError) as exc:
            raise CommandError(
                _("No due instant can be computed: %(reason)s") % {"reason": exc}
            ) from exc
        if due is None:
            self.stdout.write(_("No due instant while the pause is open."))
        else:
            self.stdout.write(due)
        if options["explain"]:
            self._explain(calendar, deadline)

    def _explain(self, calendar, deadline):
        write = self.stdout.write
        write(
            _("Received: %(at)s") % {"at": deadline.received_at.astimezone(calendar.tz).isoformat()}
        )
        write(_("Counting from: %(at)s") % {"at": deadline.counting_from.isoformat()})
        write(
            _("Working hours: %(hours)s; one working day = %(length)s hours")
            % {"hours": calendar.hours, "length": f"{calendar.hours.day_us / 3_600_000_000:g}"}
        )
        end = deadline.due_at or deadline.counting_from
        days = calendar.explain(deadline.received_at, end)
        if not days:
            write(_("No day skipped."))
        for day in days:
            write(f"  {day.day:%Y-%m-%d} {WEEKDAYS_ABBR[day.day.weekday()]}  {_describe(day)}")


def _describe(day: core.ExplainedDay) -> str:
    note = day.note
    if note is None:
        return _("weekend")
    if note.kind == core.PUBLIC_HOLIDAY:
        text = _("public holiday: %(name)s") % {"name": note.name}
    elif note.kind == core.DAY_OFF:
        text = _("day off: %(name)s") % {"name": note.name}
    else:
        text = _("make-up working day (counted): %(name)s") % {"name": note.name}
    if note.document:
        document = note.document
        if note.document_date:
            document += f", {note.document_date:%d/%m/%Y}"
        text += f" ({document})"
    if not note.confirmed:
        text += " " + _("[unconfirmed]")
    if day.weekend and not day.working and note.kind != core.WORKING_DAY:
        text = _("weekend") + "; " + text
    return text
