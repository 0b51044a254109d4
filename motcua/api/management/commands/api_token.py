"""`motcua api_token create --name N --user USERNAME [--agency CODE …]` prints the new
token's secret once; `motcua api_token revoke PREFIX` revokes it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from motcua.api import services
from motcua.api.models import ApiToken
from motcua.org.models import Agency


class Command(BaseCommand):
    help = "Issue or revoke tokens of systems that use the REST API."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token; its secret is printed once.")
        create.add_argument("--name", required=True, help="Which system uses it.")
        create.add_argument(
            "--user", required=True, help="Username of the service account (its officer posts)."
        )
        create.add_argument(
            "--agency",
            action="append",
            default=[],
            metavar="CODE",
            help="Narrow the token to this agency (repeatable).",
        )
        revoke = sub.add_parser("revoke", help="Revoke a token.")
        revoke.add_argument("prefix", help="The first 8 characters of the token.")

    def handle(self, action, **options):
        if action == "create":
            self._create(options["name"], options["user"], options["agency"])
        else:
            self._revoke(options["prefix"])

    def _create(self, name, username, codes):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}")
        agencies = []
        for code in codes:
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                raise CommandError(f"No agency with code {code!r}")
            agencies.append(agency)
        if not name.strip():
            raise CommandError("Give the token a name")
        token, secret = services.issue_token(name, user, agencies)
        self.stdout.write(
            f"Issued API token {token.name!r} ({token.key_prefix}) for {user.get_username()}."
        )
        self.stdout.write("Its secret, shown only this once:")
        self.stdout.write(secret)

    def _revoke(self, prefix):
        token = ApiToken.objects.filter(key_prefix=prefix.strip()[: services.PREFIX_LENGTH])
        token = token.first()
        if token is None:
            raise CommandError(f"No API token with prefix {prefix!r}")
        if token.revoked_at is not None:
            self.stdout.write(f"API token {token.key_prefix} was already revoked.")
            return
        services.revoke(token)
        self.stdout.write(f"Revoked API token {token.name!r} ({token.key_prefix}).")
