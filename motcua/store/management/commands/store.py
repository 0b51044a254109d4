"""`motcua store backfill`: put into the personal data store the papers and signed results
of dossiers made before it existed (or by a bulk load that bypassed the services). One pass
over each, in bulk; running it again adds nothing (docs/store.md)."""

from django.core.management.base import BaseCommand

from motcua.store import services


class Command(BaseCommand):
    help = "The personal electronic data store: backfill from existing dossiers."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("backfill",))

    def handle(self, action, **options):
        added = services.backfill()
        self.stdout.write(f"Stored: {added['papers']:,} papers, {added['results']:,} results.")
