"""`motcua results sign CODE …`: make (or sign again) the electronic result of finished
dossiers now; `motcua results sign --pending`: sign every pending result that is due (the
sweep after an outage; cron may run it); `motcua results status`: counts by status.
See docs/results.md."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from motcua.dossiers.models import Dossier
from motcua.results import services
from motcua.results.models import ResultDocument, Status


class Command(BaseCommand):
    help = "Sign electronic results, or show how many are signed, pending and failed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sign = sub.add_parser("sign", help="sign the results of these dossiers, or the due ones")
        sign.add_argument("codes", nargs="*", metavar="CODE", help="dossier codes")
        sign.add_argument("--pending", action="store_true", help="every pending result due now")
        sign.add_argument("--limit", type=int, default=100, help="with --pending: at most")
        sub.add_parser("status", help="results by status")

    def handle(self, *args, what, **options):
        if what == "status":
            counts = dict(
                ResultDocument.objects.values_list("status").annotate(n=Count("id")).order_by()
            )
            self.stdout.write(", ".join(f"{s} {counts.get(s, 0)}" for s in Status.values))
            return
        codes, pending = options["codes"], options["pending"]
        if not codes and not pending:
            raise CommandError("Give dossier codes, or --pending.")
        failed = False
        for code in codes:
            dossier = Dossier.objects.filter(code=code.strip().upper()).first()
            if dossier is None:
                raise CommandError(f"No dossier {code}.")
            try:
                result = services.sign_dossier(dossier)
            except services.ResultError as exc:
                raise CommandError(f"{code}: {exc}") from None
            failed |= result.status != Status.SIGNED
            detail = (
                result.certificate_subject if result.status == Status.SIGNED else result.last_error
            )
            self.stdout.write(f"{dossier.code}: {result.status} {detail}".rstrip())
        if pending:
            outcomes = services.sign_due(limit=options["limit"])
            self.stdout.write(
                "pending: " + (", ".join(f"{k} {n}" for k, n in outcomes.items()) or "none due")
            )
        if failed:
            raise SystemExit(1)
