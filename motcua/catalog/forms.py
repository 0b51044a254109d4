from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.constants import OnlineLevel
from motcua.catalog.models import Sector
from motcua.org.constants import AgencyKind, Level
from motcua.org.models import Agency


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        required=False,
        queryset=Agency.objects.filter(kind=AgencyKind.DEPARTMENT).order_by("name"),
        to_field_name="code",
        empty_label=_("All agencies"),
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        required=False,
        queryset=Sector.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("All sectors"),
    )
    online_level = forms.TypedChoiceField(
        label=_("Online level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All online levels")), *OnlineLevel.choices],
    )

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("level"):
            queryset = queryset.filter(level=data["level"])
        if data.get("agency"):
            queryset = queryset.filter(agency=data["agency"])
        if data.get("sector"):
            queryset = queryset.filter(sector=data["sector"])
        if data.get("online_level"):
            queryset = queryset.filter(online_level=data["online_level"])
        return queryset


class AsOfForm(forms.Form):
    on = forms.DateField(label=_("As on"), required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
