"""`motcua verify FILE`: what the verification page says about a PDF (signature intact,
signer, signing time, trust, whether the portal issued exactly this file). Exits 0 when
the signature is valid, 1 otherwise (not valid, not trusted, unsigned, unreadable)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from motcua.results import presentation, services


class Command(BaseCommand):
    help = "Check the digital signature of a result PDF."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the PDF file to check")

    def handle(self, *args, file, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        with translation.override(settings.LANGUAGE_CODE):
            summary = presentation.summary(services.examine(data))
            lines = [summary.headline, *(f"- {p}" for p in summary.problems)]
            if summary.issued:
                lines.append(summary.issued)
            lines += [f"{label}: {value}" for label, value in summary.facts]
        self.stdout.write("\n".join(lines))
        if not summary.valid:
            raise SystemExit(1)
