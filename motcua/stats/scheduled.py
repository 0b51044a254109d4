"""Scheduled reports (docs/statistics.md, "Scheduled reports"): on the 1st of each month the
task worker (motcua/stats/tasks.py) or cron (`motcua monthly_reports`) produces Biểu 06a and
the QĐ 766 index for the month just ended, of the whole province and of each agency, stores
them (`MonthlyReport`: scope "" the province, else the agency's code), and announces them
through the outbox: the province's supervisors get the province's summary (with a link to
the list of every agency's reports), each agency's leaders their own unit's summary.

Each scope (the province, each agency) is stored in its own transaction, with its audit
event and its e-mails, so a run that stops half-way keeps what it stored and the next run
completes only what is missing. `produce_month` is idempotent: a scope already stored is
not rebuilt, changed or announced again (the stored figures are what was reported, even if
late records change the live reports afterwards); a second run of a complete month costs
two queries and sends nothing.

Which agencies: the rows of the province's 06a for the month, i.e. every reporting agency
in force in the month (`queries.REPORTING_KINDS`, `queries.agencies_of_period`) and any
other agency that performed dossiers in it. Cost: per agency the 06a's three queries, the
index's handful (`index766.indicators.build`), the leaders and the workbook: once a month,
in the worker, on no page's path.
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
from motcua.org.models import Agency, Officer, User
from motcua.outbox import services as outbox
from motcua.outbox.models import Channel, Message
from motcua.stats import export, facts, form06a, queries
from motcua.stats.factcore import month_end, month_starts
from motcua.stats.models import MonthlyReport, ReportKind

log = logging.getLogger(__name__)

PROVINCE = ""  # the scope of the province-wide reports
FIRST_MONTH = date(2000, 1, 1)  # nothing older is produced (no records before the system)
KINDS = (ReportKind.FORM06A, ReportKind.INDEX766)


class ScheduleError(ValueError):
    """A month that cannot be produced, with a message for the user."""


@dataclass(frozen=True)
class Produced:
    form06a: MonthlyReport  # the province's
    index766: MonthlyReport  # the province's
    created: bool  # False: every report of the month was already stored; nothing was sent
    messages: int  # e-mails queued by this run
    agencies: int = 0  # agencies whose reports this run stored


def due_month(today: date) -> date:
    """The month the run of `today` reports: the previous calendar month (its first day)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


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


def leaders(agency: Agency, day: date):
    """Active users with a leader post in force, on `day`, at `agency`, with an e-mail:
    they see their agency's stored reports (queries.allowed_agency_ids)."""
    posts = Officer.objects.valid_on(day).filter(agency=agency, role=Role.LEADER)
    return (
        User.objects.filter(is_active=True, posts__in=posts)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _absolute(path: str) -> str:
    return f"{settings.MOTCUA['PUBLIC_URL'].rstrip('/')}{path}"


def detail_url(report: MonthlyReport) -> str:
    return _absolute(reverse("stats:monthly_detail", args=[report.pk]))


def list_url(month: date) -> str:
    """The list of every agency's stored reports of the month."""
    return _absolute(f"{reverse('stats:monthly')}?month={month:%Y-%m}")


def _values(month: date, table: dict, index: dict, url: str) -> dict:
    total = table["total"]
    return {
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


def _message(month: date, table: dict, index: dict, url: str) -> tuple[str, str]:
    values = {**_values(month, table, index, url), "list_url": list_url(month)}
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
    agencies = _("Each agency's reports for %(month)s: %(list_url)s") % values
    return subject, f"{body}\n{agencies}\n\n{settings.MOTCUA['PORTAL_NAME']}"


def _agency_message(
    month: date, agency_name: str, table: dict, index: dict, url: str
) -> tuple[str, str]:
    values = {**_values(month, table, index, url), "agency": agency_name}
    subject = _("Monthly reports of %(agency)s for %(month)s") % values
    body = (
        _(
            "The reports of %(agency)s for %(month)s are ready.\n\n"
            "Form 06a: %(received)s dossiers to handle, %(resolved)s resolved (%(late)s late), "
            "%(overdue)s in progress and overdue; on-time rate %(rate)s.\n"
            "Index (Decision 766): %(points)s of %(max_points)s points.\n\n"
            "See the stored reports and download the workbook: %(url)s"
        )
        % values
    )
    return subject, f"{body}\n\n{settings.MOTCUA['PORTAL_NAME']}"


@dataclass(frozen=True)
class _Stored:
    form06a: MonthlyReport
    index766: MonthlyReport
    created: bool
    messages: int


def _store_scope(
    month: date,
    agency: Agency | None,
    now: datetime,
    table: dict | None = None,
    *,
    announce: bool = True,
):
    """Store what is missing of one scope's two reports, in one transaction with its audit
    event and e-mails (none when `announce` is False); nothing when both are stored.
    `table`: the scope's 06a if already built."""
    scope = PROVINCE if agency is None else agency.code
    period = queries.Period(month, month_end(month))
    today = timezone.localdate(now)
    with transaction.atomic():
        stored = {
            r.kind: r
            for r in MonthlyReport.objects.select_for_update().filter(month=month, scope=scope)
        }
        if len(stored) == len(KINDS):
            return _Stored(stored[ReportKind.FORM06A], stored[ReportKind.INDEX766], False, 0)
        data = {kind: report.data for kind, report in stored.items()}
        if ReportKind.FORM06A not in stored:
            if table is None:
                ids = None if agency is None else frozenset({agency.pk})
                table = queries.build(period, queries.Scope(agency_ids=ids))
            data[ReportKind.FORM06A] = table
        if ReportKind.INDEX766 not in stored:
            data[ReportKind.INDEX766] = indicators.build(
                agency, indicators.Period(period.start, period.end)
            )
        try:
            with transaction.atomic():  # a savepoint: another worker may have stored it first
                for kind in KINDS:
                    if kind not in stored:
                        stored[kind] = MonthlyReport.objects.create(
                            month=month,
                            kind=kind,
                            scope=scope,
                            data=_plain(data[kind]),
                            xlsx=export.xlsx(data[kind]) if kind == ReportKind.FORM06A else b"",
                            created_at=now,
                        )
        except IntegrityError:
            stored = {r.kind: r for r in MonthlyReport.objects.filter(month=month, scope=scope)}
            return _Stored(stored[ReportKind.FORM06A], stored[ReportKind.INDEX766], False, 0)
        report06a, report766 = stored[ReportKind.FORM06A], stored[ReportKind.INDEX766]
        table, index = data[ReportKind.FORM06A], data[ReportKind.INDEX766]
        audit.record(
            "stats.monthly_reports_produced",
            report06a,
            summary=f"{month:%m/%Y} {scope}".strip(),
            month=f"{month:%Y-%m}",
            scope=scope,
            index766_id=report766.pk,
            index_points=str(index["points"]),
            announced=announce,
        )
        if not announce:
            return _Stored(report06a, report766, True, 0)
        with translation.override(settings.LANGUAGE_CODE):
            if agency is None:
                subject, body = _message(month, table, index, detail_url(report06a))
            else:
                subject, body = _agency_message(
                    month, agency.name, table, index, detail_url(report06a)
                )
        if agency is None:
            recipients, key = supervisors(today), f"stats.monthly:{month:%Y-%m}"
        else:
            recipients, key = leaders(agency, today), f"stats.monthly:{month:%Y-%m}:{scope}"
        sent = 0
        for user in recipients:
            dedupe_key = f"{key}:{user.pk}:email"
            if Message.objects.filter(dedupe_key=dedupe_key).exists():
                continue  # sent by an earlier, partial run
            outbox.enqueue(
                channel=Channel.EMAIL,
                recipient=user.email,
                subject=subject,
                body=body,
                kind="stats.monthly_reports_sent",
                dedupe_key=dedupe_key,
                about=report06a,
                context={"month": f"{month:%Y-%m}", "scope": scope, "user_id": user.pk},
                now=now,
            )
            sent += 1
    return _Stored(report06a, report766, True, sent)


def _refuse_unless_reportable(month: date, today: date) -> None:
    """ScheduleError for a month (its 1st) not over yet on `today`, or before 2000."""
    if month > due_month(today):
        raise ScheduleError(_("The month %(month)s is not over yet.") % {"month": f"{month:%m/%Y}"})
    if month < FIRST_MONTH:
        raise ScheduleError(_("Reports start in %(year)s.") % {"year": FIRST_MONTH.year})


def produce_month(month: date, *, now: datetime | None = None, announce: bool = True) -> Produced:
    """Build, store and announce the reports of `month` (any day of it): each agency's, then
    the province's (whose e-mail links the agencies' list), one transaction per scope. A
    month not yet over, or before 2000, is refused (ScheduleError). `announce` False stores
    them without e-mails (past months filled in, `backfill`)."""
    now = now or timezone.now()
    month = month.replace(day=1)
    _refuse_unless_reportable(month, timezone.localdate(now))
    facts.open_years()  # on 1 January: this year's opening balances
    period = queries.Period(month, month_end(month))
    stored = MonthlyReport.objects.filter(month=month)
    province = {r.kind: r for r in stored.defer("xlsx").filter(scope=PROVINCE)}
    if ReportKind.FORM06A in province:
        table = province[ReportKind.FORM06A].data
    else:
        table = queries.build(period, queries.scope_for(None, period))
    codes = [row["agency"] for row in table["rows"]]
    complete = {
        scope
        for scope, n in _kinds_per_scope(stored.filter(scope__in=codes)).items()
        if n == len(KINDS)
    }
    missing = [code for code in codes if code not in complete]
    created, sent, agencies = False, 0, 0
    for agency in Agency.objects.filter(code__in=missing).order_by("code"):
        result = _store_scope(month, agency, now, announce=announce)
        created |= result.created
        sent += result.messages
        agencies += int(result.created)
    if len(province) == len(KINDS):
        result = _Stored(province[ReportKind.FORM06A], province[ReportKind.INDEX766], False, 0)
    else:
        result = _store_scope(month, None, now, table=table, announce=announce)
    created |= result.created
    sent += result.messages
    if created:
        log.info(
            "monthly reports of %s stored (%s agencies); %s e-mails queued",
            f"{month:%Y-%m}",
            agencies,
            sent,
        )
    return Produced(result.form06a, result.index766, created, sent, agencies)


def months_since(first: date, *, now: datetime | None = None) -> list[date]:
    """Every month from `first` (any day of it) to the last one over, oldest first; a month
    not yet over, or before 2000, is refused (ScheduleError)."""
    today = timezone.localdate(now or timezone.now())
    first, last = first.replace(day=1), due_month(today)
    _refuse_unless_reportable(first, today)
    return [start for start, _end in month_starts(first, last)]


def backfill(first: date, *, now: datetime | None = None, announce: bool = False):
    """Store the reports of every month from `first` to the last one over that are not
    stored yet, oldest first, without e-mails unless `announce`: a province that starts
    with years of records gets their monthly history (the QĐ 766 index page reads it)
    without mailing its leaders about months long past. Yields (month, Produced) as each
    month is stored, so a run stopped half-way keeps the months done."""
    for month in months_since(first, now=now):
        yield month, produce_month(month, now=now, announce=announce)


def _kinds_per_scope(reports) -> dict[str, int]:
    counts: dict[str, int] = {}
    for scope in reports.values_list("scope", flat=True):
        counts[scope] = counts.get(scope, 0) + 1
    return counts
