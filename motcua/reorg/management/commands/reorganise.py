"""`motcua reorganise plan|apply` (docs/reorganisation.md)."""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.reorg import build, plan, services


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Build (plan) or apply a reorganisation plan of administrative units and agencies."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="step", required=True)
        make = sub.add_parser("plan", help="Build the plan of an old province.")
        make.add_argument(
            "--province",
            required=True,
            action="append",
            help="Old province code, e.g. 35; repeat it (or 35,36,37) for provinces merged "
            "into one.",
        )
        make.add_argument("--on", required=True, type=_day, help="Effective date.")
        make.add_argument("--output", required=True, help="Where to write the plan (JSON).")
        make.add_argument(
            "--identifier", help="Province part of the new agencies' identifiers, e.g. H37."
        )
        run = sub.add_parser("apply", help="Apply a reviewed plan, in one transaction.")
        run.add_argument("file")
        run.add_argument("--dry-run", action="store_true", help="Say what moves; write nothing.")

    def handle(self, step, **options):
        if step == "plan":
            return self._plan(**options)
        return self._apply(**options)

    def _plan(self, province, on, output, identifier=None, **_):
        try:
            codes = [code.strip() for given in province for code in given.split(",")]
            bad = [c for c in codes if not plan.UNIT_CODE.match(c)]
            if bad:
                raise CommandError(f"not a province code: {bad[0][:40]!r}")
            data = build.build_plan(codes, on, identifier)
            plan.check(data)
        except (build.BuildError, plan.PlanError) as exc:
            raise CommandError(str(exc)) from exc
        Path(output).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
        self.stdout.write(
            f"{output}: {len(data['units'])} new units, {len(data['dissolve'])} dissolved, "
            f"{len(data['agencies'])} successor agencies, {len(data['posts'])} posts, "
            f"{len(data['procedures'])} procedures, {len(data['dossiers'])} open dossiers; "
            f"{len(data['review'])} points to review:"
        )
        for point in data["review"]:
            self.stdout.write(f"  - {point}")

    def _apply(self, file, dry_run=False, **_):
        path = Path(file)
        try:
            raw = (
                path.read_bytes()
                if path.stat().st_size <= plan.MAX_BYTES
                else b" " * (plan.MAX_BYTES + 1)
            )
            checked = plan.load(raw)
            outcome = services.apply(checked, json.loads(raw), dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except (plan.PlanError, services.ApplyError) as exc:
            raise CommandError(str(exc)) from exc
        for line in outcome.lines:
            self.stdout.write(line)
        if outcome.counts:
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(outcome.counts.items()))
            prefix = "Dry run, nothing written" if dry_run else "Applied"
            self.stdout.write(f"{prefix} — {counts}")
