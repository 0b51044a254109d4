"""`motcua catalogue export|import`: the catalogue as JSON, CSV or XLSX."""

import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog import exchange
from motcua.catalog.models import PublicationDecision


class Command(BaseCommand):
    help = "Export or import the procedure catalogue (JSON, CSV, XLSX)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        out = sub.add_parser("export", help="Write the procedures in force.")
        out.add_argument("--format", choices=exchange.FORMATS, default="json")
        out.add_argument("-o", "--output", help="File to write (default: standard output).")
        into = sub.add_parser("import", help="Create and amend procedures from a file.")
        into.add_argument("file")
        into.add_argument(
            "--format", choices=exchange.FORMATS, help="Default: from the file's extension."
        )
        into.add_argument(
            "--effective-on",
            type=date.fromisoformat,
            help="Date the new texts take effect (default: today).",
        )
        into.add_argument("--decision", help="Number of the publication decision, if any.")

    def handle(self, action, **options):
        if action == "export":
            content = exchange.export(options["format"])
            if options["output"]:
                Path(options["output"]).write_bytes(content)
            else:
                sys.stdout.buffer.write(content)
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or path.suffix.lstrip(".").lower()
        if fmt not in exchange.FORMATS:
            raise CommandError("Give --format json, csv or xlsx")
        decision = None
        if options["decision"]:
            decision = PublicationDecision.objects.filter(number=options["decision"]).first()
            if decision is None:
                raise CommandError(f"No publication decision {options['decision']}")
        try:
            result = exchange.import_catalogue(
                path.read_bytes(), fmt, effective_on=options["effective_on"], decision=decision
            )
        except exchange.ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Nothing imported: {len(failed.errors)} error(s).") from None
        self.stdout.write(
            f"Imported: {result.created} created, {result.amended} amended, "
            f"{result.unchanged} unchanged."
        )
