"""The statistics pages: Biểu 06a (/reports/dossiers/), the dossiers behind each of its
numbers (/reports/dossiers/list/), Biểu 07b (/reports/procedures/). Officers only; each
sees the agencies where they hold a post, supervisors of the province every agency."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from motcua.core.replica import reads_from_replica
from motcua.dossiers.permissions import visible_dossiers
from motcua.stats import export, form06a, queries
from motcua.stats.forms import DrillDownForm, ReportFilterForm

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@reads_from_replica
def dossier_report(request):
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/report.html", {"form": form}, status=400)
    data = form.cleaned_data
    period = queries.Period(data["start"], data["end"])
    scope = queries.scope_for(
        request.user,
        period,
        unit=data["agency"],
        tier=data["tier"],
        sector=data["sector"],
        crosswalk=data["crosswalk"],
    )
    report = queries.build(period, scope)
    fmt = request.GET.get("format", "")
    name = f"bieu-06a-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "json":
        return JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 2})
    if fmt == "xlsx":
        return _attachment(export.xlsx(report), XLSX, f"{name}.xlsx")
    if fmt == "pdf":
        return _attachment(export.pdf(report), "application/pdf", f"{name}.pdf")
    base = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if data["agency"] is not None:
        base["unit"] = data["agency"].code
    if data["tier"]:
        base["tier"] = data["tier"]
    if data["sector"] is not None:
        base["sector"] = data["sector"].code
    if data["crosswalk"]:
        base["crosswalk"] = "on"
    list_url = reverse("stats:list")
    lines = []
    for line in form06a.lines(report):
        if line["style"] == "section":
            lines.append(line)
            continue
        cells = []
        for metric, value in zip(form06a.CELL_METRICS, line["values"], strict=True):
            text = form06a.cell_text(metric, value)
            url = None
            if metric is not None:
                url = f"{list_url}?{urlencode({**base, **line['filter'], 'metric': metric})}"
            cells.append({"text": text, "url": url})
        lines.append({**line, "cells": cells})
    query = request.GET.copy()
    query.pop("format", None)
    context = {
        "form": form,
        "report": report,
        "lines": lines,
        "header": form06a.HEADER,
        "period": period,
        "query": query.urlencode(),
    }
    return render(request, "stats/report.html", context)


METRIC_LABELS = {
    "received": _lazy("All dossiers of the period"),
    "online": _lazy("Received online"),
    "counter_post": _lazy("Received at the counter or by post"),
    "carried_over": _lazy("Carried over from the previous period"),
    "resolved": _lazy("Resolved"),
    "early": _lazy("Resolved early"),
    "on_time": _lazy("Resolved on time"),
    "late": _lazy("Resolved late"),
    "in_progress": _lazy("In progress at the end of the period"),
    "within": _lazy("In progress, within the deadline"),
    "overdue": _lazy("In progress, overdue"),
    "other": _lazy("Other (stopped, withdrawn, refused, closed unsupplemented)"),
}


@login_required
@reads_from_replica
def dossier_list(request):
    form = DrillDownForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/list.html", {"form": form}, status=400)
    data = form.cleaned_data
    period = queries.Period(data["start"], data["end"])
    scope = queries.scope_for(
        request.user,
        period,
        agency=data["agency"],
        unit=data["unit"],
        group=data["group"],
        tier=data["tier"],
        sector=data["sector"],
        crosswalk=data["crosswalk"],
        crosswalk_on=data["crosswalk_on"],
    )
    queryset = (
        visible_dossiers(request.user, queries.dossiers(period, scope, data["metric"]))
        .select_related("procedure", "performing_agency")
        .order_by("received_at", "id")
    )
    if request.GET.get("format") == "xlsx":
        name = f"ho-so-{data['metric']}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
        return _attachment(export.list_xlsx(list_rows(queryset)), XLSX, name)
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(data.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "form": form,
        "page": page,
        "metric_label": METRIC_LABELS[data["metric"]],
        "period": period,
        "query": query.urlencode(),
    }
    return render(request, "stats/list.html", context)


def _local(value):
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def list_rows(queryset):
    for d in queryset.iterator(chunk_size=500):
        yield (
            d.code,
            d.procedure.name,
            d.performing_agency.name,
            d.get_channel_display(),
            d.get_status_display(),
            _local(d.received_at),
            _local(d.deadline_at),
            _local(d.finished_at),
            d.get_timeliness_display(),
        )


@login_required
@reads_from_replica
def procedure_report(request):
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/procedures.html", {"form": form}, status=400)
    day = form.cleaned_data["end"]
    report = queries.procedure_report(day)
    if request.GET.get("format") == "json":
        return JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return render(request, "stats/procedures.html", {"form": form, "report": report})
