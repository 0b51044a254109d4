"""`motcua certificates demo [--agency CODE ...]`: the demo root CA, the demo time-stamping
authority and a signing certificate per agency in force (or the agencies named), under
RESULTS["CERTIFICATES_DIR"] (default var/certificates/). What exists and is still valid is
kept, so `make demo` runs it every time. Refused when demo certificates are off
(MOTCUA_PRODUCTION, or MOTCUA_DEMO_CERTIFICATES=0). See docs/results.md."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from motcua.org.models import Agency
from motcua.results import certificates, keys


class Command(BaseCommand):
    help = "Create the demo certification authority and the agencies' demo signing certificates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        demo = sub.add_parser("demo", help="create what is missing of the demo certificates")
        demo.add_argument(
            "--agency", action="append", default=[], metavar="CODE", help="only these agencies"
        )

    def handle(self, *args, what, agency, **options):
        if not keys.config("DEMO_CERTIFICATES"):
            raise CommandError(
                "Demo certificates are off here (MOTCUA_PRODUCTION or MOTCUA_DEMO_CERTIFICATES=0)."
            )
        folder = keys.directory()
        province = keys.province()
        made = []
        if certificates.ensure_demo_root(folder, province):
            made.append("root CA")
        if certificates.ensure_demo_tsa(folder, province):
            made.append("time-stamping authority")
        agencies = Agency.objects.order_by("code")
        if agency:
            agencies = agencies.filter(code__in=agency)
            missing = sorted(set(agency) - set(agencies.values_list("code", flat=True)))
            if missing:
                raise CommandError(f"No agency with the code {', '.join(missing)}.")
        else:
            today = timezone.localdate()
            agencies = agencies.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        issued = sum(
            certificates.ensure_agency(folder, a.code, a.name, province)
            for a in agencies.iterator()
        )
        if issued:
            made.append(f"{issued} agency certificate(s)")
        self.stdout.write(f"certificates: {', '.join(made) if made else 'nothing new'} in {folder}")
