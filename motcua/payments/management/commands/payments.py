"""`motcua payments expire`: settle the gateway payments still pending after their expiry
(asking the gateway first); `motcua payments status`: payments by channel and status.
See docs/payments.md."""

from django.core.management.base import BaseCommand
from django.db.models import Count, Sum

from motcua.payments import services
from motcua.payments.models import Payment


class Command(BaseCommand):
    help = "Expire the pending gateway payments that are due, or show the payments' state."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("expire", help="ask the gateways, then expire what was not paid")
        sub.add_parser("status", help="payments by channel and status")

    def handle(self, *args, what, **options):
        if what == "expire":
            self.stdout.write(f"payments: {services.expire_due()} expired")
            return
        rows = (
            Payment.objects.order_by()
            .values("channel", "status")
            .annotate(n=Count("id"), amount=Sum("amount"))
            .order_by("channel", "status")
        )
        for row in rows:
            line = f"{row['channel']:14} {row['status']:11} {row['n']:6} {row['amount']}"
            self.stdout.write(line)
