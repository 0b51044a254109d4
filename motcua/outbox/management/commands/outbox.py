"""`motcua outbox deliver`: send due messages (once, or `--loop` every N seconds) and
`motcua outbox status`: what is waiting, retrying and failed. See docs/outbox.md."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.db.models import Count, Min
from django.utils import timezone

from motcua.outbox import services
from motcua.outbox.models import Message, Status


class Command(BaseCommand):
    help = "Deliver the outbox's due messages, or show its state."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        deliver = sub.add_parser("deliver", help="send the messages that are due")
        deliver.add_argument("--limit", type=int, default=None, help="messages per round")
        deliver.add_argument("--loop", action="store_true", help="keep delivering")
        deliver.add_argument("--every", type=float, default=30, help="seconds between rounds")
        deliver.add_argument(
            "--max-seconds",
            type=float,
            default=None,
            help="with --loop: stop after this long (for cron or a supervisor to restart)",
        )
        sub.add_parser("status", help="counts by status, the oldest waiting message")

    def handle(self, *args, what, **options):
        self.verbosity = options["verbosity"]
        if what == "status":
            return self.status()
        if options["every"] <= 0 or (options["limit"] is not None and options["limit"] < 1):
            raise CommandError("--every and --limit must be positive")
        return self.deliver(
            options["limit"], options["loop"], options["every"], options["max_seconds"]
        )

    def deliver(self, limit, loop, every, max_seconds):
        started = time.monotonic()
        limit = limit or services.config("BATCH")
        total = 0
        while True:
            sent = services.deliver_due(limit=limit)
            total += sent
            if self.verbosity > 1:
                self.stdout.write(f"sent {sent}")
            if not loop:
                break
            left = None if max_seconds is None else max_seconds - (time.monotonic() - started)
            if left is not None and left <= 0:
                break
            if sent < limit:  # drained: wait for the next round; a full batch goes again at once
                time.sleep(every if left is None else min(every, left))
                if not connection.in_atomic_block:
                    close_old_connections()  # a long-running loop: drop stale connections
        self.stdout.write(f"outbox: {total} sent")

    def status(self):
        now = timezone.now()
        counts = dict(Message.objects.values_list("status").annotate(n=Count("id")).order_by())
        pending = Message.objects.filter(status=Status.PENDING)
        retrying = pending.filter(attempts__gt=0).count()
        oldest = pending.aggregate(at=Min("created_at"))["at"]
        due = services.due(now).count()
        self.stdout.write(
            f"pending {counts.get(Status.PENDING, 0)} (retrying {retrying}, due now {due}), "
            f"sent {counts.get(Status.SENT, 0)}, failed {counts.get(Status.FAILED, 0)}"
        )
        if oldest is not None:
            self.stdout.write(f"oldest pending since {timezone.localtime(oldest):%Y-%m-%d %H:%M}")
