"""`motcua events partitions [--ahead N]`: make the yearly partitions of the dossier
events that are missing (this year and the next N; PostgreSQL only) and list them. The
worker runs it monthly (OPS["SCHEDULE"]); docs/scaling.md."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from motcua.dossiers import partitions


class Command(BaseCommand):
    help = "Make the missing yearly partitions of the dossier events (PostgreSQL)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        make = sub.add_parser("partitions", help="make this year's and the next years'")
        make.add_argument("--ahead", type=int, default=partitions.YEARS_AHEAD, metavar="N")

    def handle(self, *args, what, ahead, **options):
        if not 0 <= ahead <= 20:
            raise CommandError("--ahead must be between 0 and 20.")
        if connection.vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: the events are one table, nothing to do.")
            return
        try:
            with transaction.atomic():
                made = partitions.ensure_partitions(connection, ahead=ahead)
        except partitions.PartitionError as exc:
            raise CommandError(str(exc)) from exc
        with connection.cursor() as cursor:
            if not partitions.is_partitioned(cursor):
                self.stdout.write("The events table is not partitioned (migrations pending?).")
                return
            names = partitions.partitions(cursor)
        for name in made:
            self.stdout.write(f"made {name}")
        self.stdout.write(f"{len(names)} partitions: {', '.join(names)}")
