"""Scheduled reports (docs/statistics.md, "Scheduled reports"): on the 1st of each month the
task worker (motcua/stats/tasks.py) or cron (`motcua monthly_reports`) produces Biểu 06a and
the QĐ 766 index of the whole province for the month just ended, stores them
(`MonthlyReport`), and e-mails the province's supervisors a summary with a link to the
stored report, through the outbox.

`produce_month` is idempotent: once a month is stored, running it again changes nothing and
sends nothing (the stored figures are what was reported, even if late records change the
live reports afterwards).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.dossiers.permissions import PROVINCE_WIDE_KINDS
from motcua.index766 import indicators
from motcua.org.constants import Role
from motcua.org.models import Officer, User
from motcua.outbox import services as outbox
from motcua.outbox.models import Channel
from motcua.stats import export, form06a, queries
from motcua.stats.models import MonthlyReport, ReportKind

log = logging.getLogger(__name__)

PROVINCE = ""  # the scope of the province-wide reports
FIRST_MONTH = date(2000, 1, 1)  # nothing older is produced (no records before the system)


class ScheduleError(ValueError):
    """A month that cannot be produced, with a message for the user."""


@dataclass(frozen=True)
class Produced:
    form06a: MonthlyReport
    index766: MonthlyReport
    created: bool  # False: the month was already stored; nothing was changed or sent
    messages: int  # e-mails queued by this run


def due_month(today: date) -> date:
    """The month the run of `today` reports: the previous calendar month (its first day)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _plain(value):
    """The JSON the database stores (Decimals as strings): what the pages read back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def supervisors(day: date):
    """Active users with a supervisor post in force, on `day`, at a province-wide agency
    (those who see every agency's figures: dossiers.permissions.sees_all), with an e-mail."""
    return (
        User.objects.filter(
            is_active=True,
            posts__role=Role.SUPERVISOR,
            posts__agency__kind__in=PROVINCE_WIDE_KINDS,
            posts__in=Officer.objects.valid_on(day),
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def detail_url(report: MonthlyReport) -> str:
    base = settings.MOTCUA["PUBLIC_URL"].rstrip("/")
    return f"{base}{reverse('stats:monthly_detail', args=[report.pk])}"


def _message(month: date, table: dict, index: dict, url: str) -> tuple[str, str]:
    total = table["total"]
    values = {
        "month": f"{month:%m/%Y}",
        "received": form06a.format_vn(total["received"]["total"]),
        "resolved": form06a.format_vn(total["resolved"]["total"]),
        "late": form06a.format_vn(total["resolved"]["late"]),
        "overdue": form06a.format_vn(total["in_progress"]["overdue"]),
        "rate": form06a.rate_text(total["on_time_rate"]),
        "points": index["points"],
        "max_points": index["max_points"],
        "url": url,
    }
    subject = _("Monthly reports for %(month)s") % values
    body = (
        _(
            "The reports of the province for %(month)s are ready.\n\n"
            "Form 06a: %(received)s dossiers to handle, %(resolved)s resolved (%(late)s late), "
            "%(overdue)s in progress and overdue; on-time rate %(rate)s.\n"
            "Index (Decision 766): %(points)s of %(max_points)s points.\n\n"
            "See the stored reports and download the workbook: %(url)s"
        )
        % values
    )
    return subject, f"{body}\n\n{settings.MOTCUA['PORTAL_NAME']}"


def produce_month(month: date, *, now: datetime | None = None) -> Produced:
    """Build, store and announce the province's reports of `month` (any day of it), in one
    transaction. A month not yet over, or before 2000, is refused (ScheduleError)."""
    now = now or timezone.now()
    month = month.replace(day=1)
    today = timezone.localdate(now)
    if month > due_month(today):
        raise ScheduleError(_("The month %(month)s is not over yet.") % {"month": f"{month:%m/%Y}"})
    if month < FIRST_MONTH:
        raise ScheduleError(_("Reports start in %(year)s.") % {"year": FIRST_MONTH.year})
    with transaction.atomic():
        stored = {
            r.kind: r
            for r in MonthlyReport.objects.select_for_update().filter(month=month, scope=PROVINCE)
        }
        if len(stored) == len(ReportKind):
            return Produced(stored[ReportKind.FORM06A], stored[ReportKind.INDEX766], False, 0)
        period = queries.Period(month, month_end(month))
        table = queries.build(period, queries.scope_for(None, period))
        index = indicators.build(None, indicators.Period(period.start, period.end))
        try:
            with transaction.atomic():  # a savepoint: another worker may have stored it first
                report06a = MonthlyReport.objects.create(
                    month=month,
                    kind=ReportKind.FORM06A,
                    scope=PROVINCE,
                    data=_plain(table),
                    xlsx=export.xlsx(table),
                    created_at=now,
                )
                report766 = MonthlyReport.objects.create(
                    month=month,
                    kind=ReportKind.INDEX766,
                    scope=PROVINCE,
                    data=_plain(index),
                    created_at=now,
                )
        except IntegrityError:
            stored = {r.kind: r for r in MonthlyReport.objects.filter(month=month, scope=PROVINCE)}
            return Produced(stored[ReportKind.FORM06A], stored[ReportKind.INDEX766], False, 0)
        audit.record(
            "stats.monthly_reports_produced",
            report06a,
            summary=f"{month:%m/%Y}",
            month=f"{month:%Y-%m}",
            index766_id=report766.pk,
            index_points=str(index["points"]),
        )
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _message(month, table, index, detail_url(report06a))
        sent = 0
        for user in supervisors(today):
            outbox.enqueue(
                channel=Channel.EMAIL,
                recipient=user.email,
                subject=subject,
                body=body,
                kind="stats.monthly_reports_sent",
                dedupe_key=f"stats.monthly:{month:%Y-%m}:{user.pk}:email",
                about=report06a,
                context={"month": f"{month:%Y-%m}", "user_id": user.pk},
                now=now,
            )
            sent += 1
    log.info("monthly reports of %s stored; %s e-mails queued", f"{month:%Y-%m}", sent)
    return Produced(report06a, report766, True, sent)
