"""The QĐ 766 index page (/reports/index766/) and the dossiers behind an indicator.

Supervisors of the service centre or the provincial People's Committee see the province
and every agency; an officer sees the agencies where they hold a post. Every list goes
through permissions.visible_dossiers."""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.replica import reads_from_replica
from motcua.dossiers import permissions
from motcua.index766 import cli, core, indicators
from motcua.org.models import Agency

PAGE_SIZE = 50
MAX_PAGE = 100_000
PARTS = [
    ("missed", gettext_lazy("Not counted (e.g. late)")),
    ("counted", gettext_lazy("Counted")),
    ("all", gettext_lazy("All")),
]


def _report_date(value: date) -> date:
    if not 2000 <= value.year <= 2099:
        raise forms.ValidationError(gettext_lazy("A report date must fall in 2000–2099."))
    return value


class IndexFilter(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, validators=[_report_date])
    end = forms.DateField(label=gettext_lazy("To"), required=False, validators=[_report_date])
    agency = forms.CharField(label=gettext_lazy("Agency"), required=False, max_length=40)
    # As on Biểu 06a (stats.forms.ReportFilterForm): any value but "", "false", "0" is yes.
    crosswalk = forms.BooleanField(
        label=gettext_lazy("Closed agencies under their successors"),
        required=False,
        help_text=gettext_lazy(
            "After a reorganisation: count the figures of agencies closed by the end of the "
            "period under the agency that took over their work."
        ),
    )

    def __init__(self, data, user, **kwargs):
        data = data.copy()
        # The address uses from/to, as the command does.
        for outer, inner in (("from", "start"), ("to", "end")):
            if outer in data:
                data[inner] = data.pop(outer)[-1]
        super().__init__(data, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period"] = cli.period_or_error(
                data.get("start"), data.get("end"), timezone.localdate()
            )
            data["agency_obj"] = cli.agency_or_error(data.get("agency"))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        allowed = allowed_agencies(self.user)
        agency = data["agency_obj"]
        if allowed is not None and agency is None and len(allowed) == 1:
            data["agency_obj"] = agency = allowed[0]
        data["walk"] = None
        if data.get("crosswalk") and agency is not None:
            # A closed agency's index with the crosswalk is its successor's: the successor
            # is the one whose figures are shown, so the permission is checked on it.
            data["walk"] = indicators.walk(agency, data["period"].end)
        if allowed is not None:
            shown = data["walk"].agency if data["walk"] is not None else agency
            if shown is None or shown.pk not in {a.pk for a in allowed}:
                raise forms.ValidationError(_("You may see the index of your own agencies only."))
        return data


class DrilldownFilter(IndexFilter):
    indicator = forms.ChoiceField(
        label=gettext_lazy("Indicator"), choices=[(k, k) for k in indicators.DRILLABLE]
    )
    part = forms.ChoiceField(label=gettext_lazy("Dossiers"), choices=PARTS, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


province_wide = permissions.sees_all


def allowed_agencies(user) -> list[Agency] | None:
    """None: every agency and the province; else the agencies of the user's posts."""
    if province_wide(user):
        return None
    return list(Agency.objects.filter(pk__in=permissions.agency_ids(user)).order_by("name"))


def _agency_choices(user):
    allowed = allowed_agencies(user)
    return Agency.objects.order_by("name") if allowed is None else allowed


def _translated(report: dict) -> dict:
    for group in report["groups"]:
        group["name"] = _(group["name"])
        for row in group["indicators"]:
            row["name"] = _(row["name"])
            row["fed_by"] = _(row["fed_by"]) if row["fed_by"] else None
    return report


def _links(period, walked) -> dict:
    """With the crosswalk and a closed agency asked for: the successor's index (what is
    shown) and the closed agency's own figures (without the crosswalk)."""
    if walked is None or not walked.redirected:
        return {}
    dates = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    url = reverse("index766:report")
    successor = {**dates, "agency": walked.agency.code, "crosswalk": "on"}
    return {
        "successor": f"{url}?{urlencode(successor)}",
        "asked_alone": f"{url}?{urlencode({**dates, 'agency': walked.asked.code})}",
    }


@login_required
@reads_from_replica
def report(request):
    form = IndexFilter(request.GET, request.user)
    context = {"form": form, "agencies": _agency_choices(request.user), "no_data": core.NO_DATA}
    if not form.is_valid():
        return render(request, "index766/report.html", context, status=400)
    data = form.cleaned_data
    period, agency, crosswalk = data["period"], data["agency_obj"], data["crosswalk"]
    walked = data["walk"]
    shown = walked.agency if walked is not None else agency
    context.update(
        report=_translated(indicators.build(agency, period, crosswalk)),
        history=indicators.history(agency, period, crosswalk=crosswalk),
        period=period,
        agency=shown,
        walk=walked,
        crosswalk=crosswalk,
        links=_links(period, walked),
    )
    return render(request, "index766/report.html", context)


@login_required
@reads_from_replica
def dossiers(request):
    form = DrilldownFilter(request.GET, request.user)
    if not form.is_valid():
        return render(request, "index766/dossiers.html", {"form": form}, status=400)
    data = form.cleaned_data
    part = data.get("part") or "missed"
    queryset = indicators.drilldown(
        data["indicator"], data["period"], data["agency_obj"], part, data["crosswalk"]
    )
    queryset = permissions.visible_dossiers(request.user, queryset).select_related(
        "procedure", "performing_agency"
    )
    paginator = Paginator(queryset.order_by("received_at", "id"), PAGE_SIZE)
    page = paginator.get_page(data.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    spec = core.SPECS[data["indicator"]]
    return render(
        request,
        "index766/dossiers.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "indicator_name": _(spec.name),
            "part": dict(PARTS)[part],
            "period": data["period"],
            "agency": data["walk"].agency if data["walk"] is not None else data["agency_obj"],
            "walk": data["walk"],
        },
    )
