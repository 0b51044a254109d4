"""`motcua seed hanam-2020 [--dossiers N]`: load the demo province (organisation, catalogue,
internal processes, inter-agency chains, officers and a year of dossiers).

`motcua seed ninhbinh-2026 [--dossiers N]`: the same Hà Nam of 2020 with part of the
dossiers, Nam Định and Ninh Bình as on 30/06/2025, the real 2025 reorganisation plan of the
three applied, then the dossiers since 1/7/2025 on today's map (demo/ninhbinh.py)."""

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

PROFILES = ("hanam-2020", "ninhbinh-2026")


class Command(BaseCommand):
    help = (
        "Load a demo profile: hanam-2020 (Hà Nam province as it was in 2020) or "
        "ninhbinh-2026 (today's Ninh Bình, after the 2025 reorganisation)."
    )

    def add_arguments(self, parser):
        from motcua.demo.traffic import DEFAULT_DOSSIERS

        parser.add_argument("profile", choices=PROFILES)
        parser.add_argument("--seed", type=int, default=2020, help="Random seed (deterministic).")
        parser.add_argument(
            "--dossiers",
            type=int,
            default=None,
            metavar="N",
            help=(
                f"Dossier rows of demo traffic (default {DEFAULT_DOSSIERS:,} on a first load). "
                "When the demo is already loaded, add N more dossiers of traffic."
            ),
        )

    def handle(self, profile, seed, dossiers, **options):
        from motcua.catalog.demo import generate
        from motcua.demo import traffic as dossier_demo
        from motcua.eforms import demo as eforms_demo
        from motcua.org import demo
        from motcua.org.models import Agency, User

        if settings.MOTCUA_PRODUCTION:
            raise CommandError(
                "Refusing to load demo data in production (MOTCUA_PRODUCTION=1): it creates "
                "officers whose password is published. Load real data with `motcua catalogue "
                "import` and the admin."
            )
        if dossiers is not None and dossiers < 0:
            raise CommandError("--dossiers must be 0 or more.")
        logins = User.objects.filter(username__in=[o[0] for o in demo.DEMO_OFFICERS])
        if Agency.objects.exists():
            if dossiers is None:
                self.stdout.write("Demo data already loaded; use `make clean-db` to start again.")
                self._print_logins(logins)
                return
            self.stdout.write(f"Demo data already loaded: adding {dossiers:,} dossiers.")
            self._load_dossiers(dossier_demo, dossiers, seed, **self._today_map())
            return
        started = time.monotonic()
        try:
            with transaction.atomic():
                units = demo.load_units()
                agencies = demo.load_agencies(units)
                demo.load_officers(agencies)
                result = generate.generate(agencies, seed=seed)
                forms = eforms_demo.load()  # the online forms of common procedures
        except (ValueError, KeyError) as exc:
            raise CommandError(f"Could not load {profile}: {exc}") from exc
        self.stdout.write(
            f"Loaded {profile}: {len(units)} administrative units, {len(agencies)} agencies, "
            f"{result['procedures']} procedures in {result['decisions']} decisions, "
            f"{forms} online application forms ({time.monotonic() - started:.1f}s)."
        )
        n = dossier_demo.DEFAULT_DOSSIERS if dossiers is None else dossiers
        if profile == "ninhbinh-2026":
            self._ninhbinh(dossier_demo, n, seed)
        else:
            self._load_dossiers(dossier_demo, n, seed)
        self._print_logins(logins)

    def _today_map(self) -> dict:
        """Traffic added to a reorganised demo goes on the new map, since the change."""
        from django.utils import timezone

        from motcua.demo import ninhbinh
        from motcua.reorg.models import Reorganisation

        if not Reorganisation.objects.exists():
            return {}
        return {
            "history": ninhbinh.new_map_days(timezone.now()),
            "showcase": False,
        }

    def _ninhbinh(self, dossier_demo, n: int, seed: int) -> None:
        from django.utils import timezone

        from motcua.demo import ninhbinh
        from motcua.reorg.build import BuildError
        from motcua.reorg.plan import PlanError
        from motcua.reorg.services import ApplyError

        old, new = ninhbinh.split(n)
        self.stdout.write(f"Hà Nam, 2020: {old:,} dossiers.")
        self._load_dossiers(dossier_demo, old, seed, recent=False, showcase=False)
        started = time.monotonic()
        units, agencies = ninhbinh.load_neighbours()
        self.stdout.write(
            f"Nam Định and Ninh Bình on 30/06/2025: {units:,} administrative units, "
            f"{agencies:,} agencies."
        )
        try:
            data, outcome = ninhbinh.reorganise()
        except (BuildError, PlanError, ApplyError, ImportError) as exc:
            raise CommandError(f"Could not reorganise: {exc}") from exc
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.counts.items()))
        self.stdout.write(
            f"Reorganised on {ninhbinh.EFFECTIVE_ON:%d/%m/%Y}: {counts} "
            f"({time.monotonic() - started:.1f}s). The plan's points a supervisor would review:"
        )
        for point in data["review"][:12]:
            self.stdout.write(f"  - {point}")
        if len(data["review"]) > 12:
            self.stdout.write(f"  … and {len(data['review']) - 12} more (docs/reorganisation.md)")
        self.stdout.write(f"Ninh Bình since {ninhbinh.EFFECTIVE_ON:%d/%m/%Y}: {new:,} dossiers.")
        history = ninhbinh.new_map_days(timezone.now())
        self._load_dossiers(dossier_demo, new, seed + 1, history=history, showcase=False)

    def _load_dossiers(self, dossier_demo, n: int, seed: int, **traffic) -> None:
        started, shown = time.monotonic(), [0]

        def progress(traffic):  # a line per 50,000 dossiers on long runs
            if n >= 100_000 and traffic.rows // 50_000 > shown[0]:
                shown[0] = traffic.rows // 50_000
                rate = traffic.rows / max(time.monotonic() - started, 1e-9)
                self.stdout.write(f"  {traffic.rows:,}/{n:,} dossiers ({rate:,.0f}/s)")

        # The demo applicants' mail goes to var/mail/; a log line per message is noise here.
        outbox_log = logging.getLogger("motcua.outbox")
        level = outbox_log.level
        outbox_log.setLevel(logging.WARNING)
        try:
            result = dossier_demo.load(n, seed=seed, progress=progress, **traffic)
        except ValueError as exc:
            raise CommandError(f"Could not make the demo dossiers: {exc}") from exc
        finally:
            outbox_log.setLevel(level)
        t = result["traffic"]
        channels = ", ".join(f"{k} {v:,}" for k, v in sorted(t.by_channel.items()))
        self.stdout.write(
            f"Dossiers: {t.rows:,} ({channels}; {t.open_now:,} open now; "
            f"{t.through_services:,} made through the services); "
            f"{result['processes']:,} internal processes, {result['chains']} inter-agency chains, "
            f"{result['officers']:,} officers added ({time.monotonic() - started:.1f}s)."
        )

    def _print_logins(self, users):
        from motcua.org.demo import DEMO_PASSWORD

        self.stdout.write(f"\nDemo officers (password: {DEMO_PASSWORD}):")
        from django.db.models import Prefetch
        from django.utils import timezone

        from motcua.org.models import Officer

        today = Officer.objects.valid_on(timezone.localdate()).select_related("agency")
        current = Prefetch("posts", queryset=today.order_by("pk"), to_attr="current_posts")
        for user in users.prefetch_related(current).order_by("id"):
            for post in user.current_posts:
                self.stdout.write(
                    f"  {user.username:<20} {post.get_role_display():<28} {post.agency.name}"
                )
        self.stdout.write(
            "  (every agency has more: motcua.<agency>, chuyenvien.<agency>, lanhdao.<agency>)"
        )
