"""`motcua monthly_reports [--month YYYY-MM]`: produce, store and e-mail the monthly reports
of the province and of each agency (default: the previous month). For cron, on the 1st;
running it again for a stored month changes and sends nothing, and completes a month an
earlier run left half done."""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.stats import scheduled

MONTH = re.compile(r"\A(\d{4})-(\d{2})\Z", re.ASCII)


def parse_month(value: str) -> date:
    match = MONTH.match(value)
    if not match:
        shown = repr(value[:20]) + ("…" if len(value) > 20 else "")
        raise CommandError(f"--month must be YYYY-MM, not {shown}.")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise CommandError(f"--month {value}: no month {month}.")
    return date(max(year, 1), month, 1)


class Command(BaseCommand):
    help = "Produce, store and e-mail the monthly reports (form 06a and the 766 index)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")

    def handle(self, *args, **options):
        value = options.get("month")
        month = (
            parse_month(value) if value is not None else scheduled.due_month(timezone.localdate())
        )
        try:
            produced = scheduled.produce_month(month)
        except scheduled.ScheduleError as error:
            raise CommandError(str(error)) from None
        if produced.created:
            self.stdout.write(
                f"{month:%Y-%m}: reports stored ({produced.agencies} agencies, "
                f"{produced.messages} e-mail(s) queued)."
            )
        else:
            self.stdout.write(f"{month:%Y-%m}: already stored; nothing done.")
