"""`motcua monthly_reports [--month YYYY-MM | --since YYYY-MM] [--no-email]`: produce, store
and e-mail the monthly reports of the province and of each agency (default: the previous
month). For cron, on the 1st; running it again for a stored month changes and sends
nothing, and completes a month an earlier run left half done. `--since` fills in every
month from then to the previous one (the months already stored are left as they are);
`--no-email` stores without mailing anyone, for past months."""

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
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--month", help="YYYY-MM (default: the previous month)")
        which.add_argument("--since", help="YYYY-MM: every month from then to the previous one")
        parser.add_argument(
            "--no-email", action="store_true", help="store without e-mailing anyone"
        )

    def handle(self, *args, **options):
        announce = not options["no_email"]
        try:
            if options.get("since") is not None:
                first = parse_month(options["since"])
                for month, produced in scheduled.backfill(first, announce=announce):
                    self.report(month, produced)
                return
            value = options.get("month")
            month = (
                parse_month(value)
                if value is not None
                else scheduled.due_month(timezone.localdate())
            )
            self.report(month, scheduled.produce_month(month, announce=announce))
        except scheduled.ScheduleError as error:
            raise CommandError(str(error)) from None

    def report(self, month, produced) -> None:
        if produced.created:
            self.stdout.write(
                f"{month:%Y-%m}: reports stored ({produced.agencies} agencies, "
                f"{produced.messages} e-mail(s) queued)."
            )
        else:
            self.stdout.write(f"{month:%Y-%m}: already stored; nothing done.")
