"""`motcua devidp setup`: the development identity provider's demo identities and the
portal's client registration (idempotent; `make demo` runs it)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.devidp import services
from motcua.devidp.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Set up the development identity provider (demo identities, the portal as client)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["setup"])
        parser.add_argument(
            "--redirect-uri",
            action="append",
            dest="redirect_uris",
            help="A callback address of the portal (repeatable); default: MOTCUA_PUBLIC_URL's.",
        )

    def handle(self, *args, action, redirect_uris=None, **options):
        if not settings.MOTCUA_DEV_IDP:
            raise CommandError("The development identity provider is off (MOTCUA_DEV_IDP).")
        identities, application = services.setup(redirect_uris)
        self.stdout.write(
            f"Development identity provider: client {application.client_id}, "
            f"callbacks {application.redirect_uris}"
        )
        for identity in identities:
            self.stdout.write(f"  {identity.login}  {identity.full_name}  (level {identity.level})")
        self.stdout.write(f"  password of every demo identity: {DEMO_PASSWORD}")
