"""`motcua report catalogue [--format text|json] [--on DATE]`."""

import json
from datetime import date

from django.core.management.base import BaseCommand

from motcua.catalog import report, reportcore


class Command(BaseCommand):
    help = "Compute a report from the stored records. Reports: catalogue."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["catalogue"])
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--on", type=date.fromisoformat, help="As on this date (default today)."
        )
        parser.add_argument(
            "--from",
            dest="start",
            type=date.fromisoformat,
            help="Start of the publication period (default from settings).",
        )
        parser.add_argument(
            "--to",
            dest="end",
            type=date.fromisoformat,
            help="End of the publication period (default from settings).",
        )

    def handle(self, name, **options):
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
