"""`motcua report NAME [--from DATE] [--to DATE] [--agency CODE] [--format ...]`.

Reports: `catalogue` (the catalogue report, motcua.catalog), `dossiers` (Biểu 06a,
motcua.stats.cli) and `index766` (the QĐ 766 index, motcua.index766.cli). Each report's
module has `run(options, stdout)`; the options are those below."""

import json
from datetime import date
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog import report, reportcore

REPORTS = {"dossiers": "motcua.stats.cli", "index766": "motcua.index766.cli"}


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc
    if not 2000 <= day.year <= 2099:
        raise CommandError(f"A report date must fall in 2000–2099: {value}")
    return day


class Command(BaseCommand):
    help = "Compute a report from the stored records. Reports: catalogue, dossiers, index766."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["catalogue", *REPORTS])
        parser.add_argument("--format", choices=["text", "json", "xlsx", "pdf"], default="text")
        parser.add_argument("--on", type=_day, help="As on this date (default today).")
        parser.add_argument("--from", dest="start", type=_day, help="First day of the period.")
        parser.add_argument("--to", dest="end", type=_day, help="Last day of the period.")
        parser.add_argument("--agency", help="Only this agency (its code) and its units.")
        parser.add_argument(
            "--crosswalk",
            action="store_true",
            help="dossiers, index766: closed agencies' figures under their successors.",
        )
        parser.add_argument("--output", help="Write xlsx/pdf to this file (default stdout).")

    def handle(self, name, **options):
        if name in REPORTS:
            import_module(REPORTS[name]).run(options, self.stdout)
            return
        if options["format"] not in ("text", "json"):
            raise CommandError("The catalogue report is text or json.")
        period = None
        if options["start"] or options["end"]:
            default_start, default_end = report.default_period()
            period = (options["start"] or default_start, options["end"] or default_end)
        data = report.build(on=options["on"], period=period)
        if options["format"] == "json":
            for key in ("as_of_vn", "period_vn"):
                data.pop(key)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(reportcore.render_text(data), ending="")
