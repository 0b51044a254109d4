"""`motcua deadline`: the due instant of a dossier, optionally with the days skipped."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from motcua.worktime import core
from motcua.worktime.calendars import get_calendar


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("Not an ISO 8601 date and time: %(value)s") % {"value": value}
        ) from exc


def _pause(value: str) -> tuple[datetime, datetime | None]:
    start, sep, end = value.partition("/")
    if not sep:
        raise CommandError(
            _("A pause is START/END or START/ (still open): %(value)s") % {"value": value}
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
            "--restart-on-supplement",
            action="store_true",
            help="The whole time limit runs again from each supplement.",
        )
        parser.add_argument("--explain", action="store_true", help="List each day skipped and why.")

    def handle(self, *args, **options):
        agency = None
        if options["agency"]:
            from motcua.org.models import Agency

            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(_("No agency with code %(code)s.") % {"code": options["agency"]})
        calendar = get_calendar(agency)
        received = _instant(options["start"])
        if options["days"] is not None:
            amount, unit = options["days"], core.DAYS
        else:
            amount, unit = options["hours"], core.HOURS
        try:
            deadline = calendar.deadline(
                received,
                amount,
                unit,
                pauses=[_pause(p) for p in options["pause"]],
                restart_on_supplement=options["restart_on_supplement"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if deadline.due_at is None:
            self.stdout.write(_("No due instant while the pause is open."))
        else:
            self.stdout.write(deadline.due_at.isoformat())
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
