"""`motcua close_unsupplemented`: close the dossiers whose supplement did not come in time.

Run it daily (cron or a systemd timer; docs/dossiers.md): a dossier awaiting a supplement
for SUPPLEMENT_CLOSE_DAYS working days (15 by default) is closed through the services, with
an event per dossier, and stops counting as in progress."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from motcua.dossiers import services


class Command(BaseCommand):
    help = "Close the dossiers not supplemented within the time allowed."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many per run.")

    def handle(self, *args, **options):
        limit = max(1, min(options["limit"], 100_000))
        closed = services.close_unsupplemented(limit=limit)
        for code in closed:
            self.stdout.write(code)
        self.stdout.write(_("%(count)s dossier(s) closed.") % {"count": len(closed)})
