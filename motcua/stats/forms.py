"""The filters of the statistics pages: period, agency, tier, sector; a drill-down's metric.
Every value is checked here; a bad one is a form error (400), never a 500."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Sector
from motcua.org.constants import Level
from motcua.org.models import Agency
from motcua.stats import form06a

FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_DAYS = 366 * 10


def default_period(today: date | None = None) -> tuple[date, date]:
    """From the first day of the current month to today."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


class ReportDateField(forms.DateField):
    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            input_formats=["%Y-%m-%d", "%d/%m/%Y"],
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **kwargs,
        )

    def clean(self, value):
        day = super().clean(value)
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("A report date must fall between %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return day


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=40, **kwargs)


class ReportFilterForm(forms.Form):
    start = ReportDateField(label=_("From"))
    end = ReportDateField(label=_("To"))
    agency = CodeField(label=_("Agency (code)"))
    tier = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    sector = CodeField(label=_("Sector (code)"))
    crosswalk = forms.BooleanField(
        label=_("Closed agencies under their successors"),
        required=False,
        help_text=_(
            "After a reorganisation: count the figures of agencies closed by the end of the "
            "period under the agency that took over their work."
        ),
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for field, alias in (("start", "from"), ("end", "to")):
                if alias in data and field not in data:
                    data[field] = data[alias]
        super().__init__(data, *args, **kwargs)

    def clean_agency(self):
        return _agency_or_error(self.cleaned_data["agency"])

    def clean_sector(self):
        code = self.cleaned_data["sector"].strip()
        if not code:
            return None
        sector = Sector.objects.filter(code=code).first()
        if sector is None:
            raise forms.ValidationError(
                _("No sector has the code %(code)s."), params={"code": code}
            )
        return sector

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default_start, default_end = default_period()
        end = data.get("end") or default_end
        start = data.get("start") or (end.replace(day=1) if data.get("end") else default_start)
        if start > end:
            raise forms.ValidationError(_("The period must start before it ends."))
        if end - start > timedelta(days=MAX_DAYS):
            raise forms.ValidationError(_("A report covers at most ten years."))
        data["start"], data["end"] = start, end
        return data


class DrillDownForm(ReportFilterForm):
    metric = forms.ChoiceField(
        label=_("Number"), choices=[(m, m) for m in form06a.METRICS], required=True
    )
    unit = CodeField(label=_("Unit and the units under it (code)"))
    group = CodeField(label=_("District and the units under it (code)"))
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6)
    # The day whose map the crosswalk uses (default the period's end): the dashboard's month
    # of a longer period lists by that period's map.
    crosswalk_on = ReportDateField(label=_("Crosswalk as on"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crosswalk_on"].widget = forms.HiddenInput()

    def clean_unit(self):
        return _agency_or_error(self.cleaned_data["unit"])

    def clean_group(self):
        return _agency_or_error(self.cleaned_data["group"])


def _agency_or_error(code: str):
    code = code.strip()
    if not code:
        return None
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise forms.ValidationError(_("No agency has the code %(code)s."), params={"code": code})
    return agency
