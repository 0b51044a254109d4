"""The stored monthly reports (docs/statistics.md, "Scheduled reports"): the list
(/reports/monthly/, and one month's agencies with ?month=YYYY-MM), one report's Biểu 06a
and index points (/reports/monthly/<id>/) and the 06a workbook (/reports/monthly/<id>/xlsx/).

Who sees what follows the live reports: those who see every agency's figures
(dossiers.permissions.sees_all) see the province's reports and every agency's; any other
officer only the reports of the agencies where they hold a post now
(`queries.allowed_agency_ids`), and nobody else anything (403, audited)."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.core.numbers import format_vn
from motcua.org.models import Agency
from motcua.stats import form06a, queries
from motcua.stats.models import MonthlyReport, ReportKind
from motcua.stats.views import XLSX, _attachment

PROVINCE = ""
MONTH = re.compile(r"\A([0-9]{4})-([0-9]{2})\Z")


def visible_scopes(user) -> frozenset[str] | None:
    """None: every scope (the province's and every agency's); else the codes of the
    agencies where the user holds a post (possibly none)."""
    ids = queries.allowed_agency_ids(user)
    if ids is None:
        return None
    return frozenset(Agency.objects.filter(id__in=ids).values_list("code", flat=True))


def _refuse(request, what: str, report=None):
    audit.refused(request.user, what, report)
    raise PermissionDenied


def _check(request, what: str, report: MonthlyReport) -> None:
    scopes = visible_scopes(request.user)
    if scopes is not None and (report.scope == PROVINCE or report.scope not in scopes):
        _refuse(request, what, report)


def _lines(report: dict) -> list[dict]:
    out = []
    for line in form06a.lines(report):
        if line["style"] != "section":
            cells = zip(form06a.CELL_METRICS, line["values"], strict=True)
            line = {**line, "cells": [form06a.cell_text(m, v) for m, v in cells]}
        out.append(line)
    return out


def _month(value: str) -> date | None:
    match = MONTH.match(value)
    if not match or not (2000 <= int(match[1]) <= 2099 and 1 <= int(match[2]) <= 12):
        return None
    return date(int(match[1]), int(match[2]), 1)


def _points(value) -> str | None:
    """ "72,35" from a stored score (a JSON string, or a number as SQLite reads a key)."""
    if value is None:
        return None
    try:
        return format_vn(Decimal(str(value)), 2)
    except (InvalidOperation, ValueError):
        return None


def _names(codes) -> dict[str, str]:
    return dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))


@login_required
def monthly_list(request):
    scopes = visible_scopes(request.user)
    if scopes is not None and not scopes:
        _refuse(request, "stats.monthly_list")
    reports = MonthlyReport.objects.filter(kind=ReportKind.FORM06A)
    if scopes is not None:
        reports = reports.filter(scope__in=scopes)
    value = request.GET.get("month")
    if value is not None:
        month = _month(value)
        if month is None:
            context = {"error": _("Choose a month as YYYY-MM, between 2000-01 and 2099-12.")}
            return render(request, "stats/monthly_list.html", context, status=400)
        return _month_agencies(request, reports, month, scopes)
    months: dict = {}
    for pk, month, scope, created_at in reports.values_list("pk", "month", "scope", "created_at"):
        row = months.setdefault(month, {"month": month, "province": None, "agencies": 0})
        if scope == PROVINCE:
            row["province"] = {"pk": pk, "created_at": created_at}
        else:
            row["agencies"] += 1
    rows = [months[m] for m in sorted(months, reverse=True)]
    return render(request, "stats/monthly_list.html", {"rows": rows, "sees_all": scopes is None})


def _month_agencies(request, reports, month: date, scopes):
    """One month's agency reports with their headline figures (two queries of JSON keys,
    not the whole reports)."""
    tables = reports.filter(month=month).exclude(scope=PROVINCE)
    totals = dict(tables.values_list("scope", "data__total"))
    ids = dict(tables.values_list("scope", "pk"))
    indexes = MonthlyReport.objects.filter(
        month=month, kind=ReportKind.INDEX766, scope__in=list(totals)
    ).values_list("scope", "data__points")
    points = dict(indexes)
    names = _names(totals)
    agencies = []
    for scope, total in totals.items():
        total = total or {}
        agencies.append(
            {
                "pk": ids[scope],
                "name": names.get(scope, scope),
                "received": total.get("received", {}).get("total"),
                "resolved": total.get("resolved", {}).get("total"),
                "rate": form06a.rate_text(total.get("on_time_rate")),
                "points": _points(points.get(scope)),
            }
        )
    agencies.sort(key=lambda a: a["name"])
    province = None
    if scopes is None:
        province = reports.filter(month=month, scope=PROVINCE).values_list("pk", flat=True).first()
    context = {"month": month, "agencies": agencies, "province": province}
    return render(request, "stats/monthly_list.html", context)


@login_required
def monthly_detail(request, pk: int):
    report = get_object_or_404(MonthlyReport.objects.defer("xlsx", "data"), pk=pk)
    _check(request, "stats.monthly_detail", report)
    siblings = {
        r.kind: r
        for r in MonthlyReport.objects.defer("xlsx").filter(month=report.month, scope=report.scope)
    }
    table = siblings.get(ReportKind.FORM06A)
    index = siblings.get(ReportKind.INDEX766)
    context = {
        "report": report,
        "month": report.month,
        "agency_name": _names([report.scope]).get(report.scope, report.scope)
        if report.scope
        else "",
        "table": table,
        "lines": _lines(table.data) if table else [],
        "index": index.data if index else None,
    }
    return render(request, "stats/monthly_detail.html", context)


@login_required
def monthly_xlsx(request, pk: int):
    report = get_object_or_404(MonthlyReport, pk=pk, kind=ReportKind.FORM06A)
    _check(request, "stats.monthly_xlsx", report)
    suffix = f"-{report.scope}" if report.scope else ""
    return _attachment(bytes(report.xlsx), XLSX, f"bieu-06a-{report.month:%Y-%m}{suffix}.xlsx")
