"""The stored monthly reports (docs/statistics.md, "Scheduled reports"): the list
(/reports/monthly/), one month's Biểu 06a and index points (/reports/monthly/<id>/) and
the 06a workbook (/reports/monthly/<id>/xlsx/). They cover the whole province, so only
those who see every agency's figures (dossiers.permissions.sees_all) may open them."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from motcua.core import audit
from motcua.dossiers.permissions import sees_all
from motcua.stats import form06a
from motcua.stats.models import MonthlyReport, ReportKind
from motcua.stats.views import XLSX, _attachment


def _check(request, what: str) -> None:
    if not sees_all(request.user):
        audit.refused(request.user, what)
        raise PermissionDenied


def _lines(report: dict) -> list[dict]:
    out = []
    for line in form06a.lines(report):
        if line["style"] != "section":
            cells = zip(form06a.CELL_METRICS, line["values"], strict=True)
            line = {**line, "cells": [form06a.cell_text(m, v) for m, v in cells]}
        out.append(line)
    return out


@login_required
def monthly_list(request):
    _check(request, "stats.monthly_list")
    months: dict = {}
    for report in MonthlyReport.objects.defer("xlsx", "data").filter(scope=""):
        months.setdefault(report.month, {})[report.kind] = report
    rows = [
        {"month": month, "form06a": kinds.get(ReportKind.FORM06A)}
        for month, kinds in sorted(months.items(), reverse=True)
    ]
    return render(request, "stats/monthly_list.html", {"rows": rows})


@login_required
def monthly_detail(request, pk: int):
    _check(request, "stats.monthly_detail")
    report = get_object_or_404(MonthlyReport.objects.defer("xlsx"), pk=pk)
    siblings = {
        r.kind: r
        for r in MonthlyReport.objects.defer("xlsx").filter(month=report.month, scope=report.scope)
    }
    table = siblings.get(ReportKind.FORM06A)
    index = siblings.get(ReportKind.INDEX766)
    context = {
        "report": report,
        "month": report.month,
        "table": table,
        "lines": _lines(table.data) if table else [],
        "index": index.data if index else None,
    }
    return render(request, "stats/monthly_detail.html", context)


@login_required
def monthly_xlsx(request, pk: int):
    _check(request, "stats.monthly_xlsx")
    report = get_object_or_404(MonthlyReport, pk=pk, kind=ReportKind.FORM06A)
    return _attachment(bytes(report.xlsx), XLSX, f"bieu-06a-{report.month:%Y-%m}.xlsx")
