"""`motcua facts rebuild`: recompute the statistics' fact table and each dossier's stored
contribution from the dossiers, in one transaction (after a restore, an import that
bypassed the services, or a change of a counting rule). `motcua facts check` counts every
month with records both ways, from the table and straight from the dossiers, and exits
with status 1 if they differ anywhere, or if the day rows of a month (the month rows of a
year) do not add up to its month (year) row, or the opening balances of a year to the
years before it. `motcua facts open` adds the opening balances of the years since the last
one opened (the monthly task does it on the 1st)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max, Min
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.stats import facts, queries
from motcua.stats.public import month_period


def _cells(cells) -> dict:
    return {(c.agency_id, c.sector_id): c.counts for c in cells if any(c.counts.values())}


class Command(BaseCommand):
    help = "Rebuild or check the statistics' fact table."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("rebuild", "check", "open"))

    def handle(self, *args, **options):
        if options["action"] == "rebuild":
            done = facts.rebuild(stdout=self.stdout if options["verbosity"] > 1 else None)
            self.stdout.write(
                f"Rebuilt the fact table from {done['dossiers']} dossiers: {done['rows']} rows."
            )
            return
        if options["action"] == "open":
            years = facts.open_years()
            opened = ", ".join(map(str, years)) if years else "none new"
            self.stdout.write(f"Opening balances added for: {opened}.")
            return
        span = Dossier.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
        if span["first"] is None:
            self.stdout.write("No dossiers received: nothing to check.")
            return
        month = timezone.localdate(span["first"]).replace(day=1)
        last = max(timezone.localdate(span["last"]), timezone.localdate())
        differences = facts.unbalanced_months()
        for day in differences:
            self.stdout.write(f"{day:%Y-%m}: the finer rows do not add up to this row")
        differences = len(differences)
        while month <= last:
            period = queries.Period(*month_period(month))
            scope = queries.Scope()
            counted = _cells(queries.count_cells(period, scope))
            direct = _cells(queries.count_cells_direct(period, scope))
            if counted != direct:
                differences += 1
                self.stdout.write(f"{month:%Y-%m}: the fact table differs from the dossiers")
            month = month_period(month)[1] + timedelta(days=1)
        if differences:
            raise CommandError(
                f"{differences} month(s) differ: run `motcua facts rebuild`.", returncode=1
            )
        self.stdout.write("The fact table matches the dossiers in every month.")
