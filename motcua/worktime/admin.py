from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from motcua.worktime.models import CalendarException, WorkingHoursProfile


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "weekday",
        "kind",
        "reason",
        "document_number",
        "document_date",
        "active",
    )
    list_filter = ("kind", "active")
    search_fields = ("reason", "document_number")
    date_hierarchy = "date"
    ordering = ("-date",)
    fields = ("date", "kind", "reason", "document_number", "document_date", "active")

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj):
        from django.utils.dates import WEEKDAYS

        return WEEKDAYS[obj.date.weekday()]


@admin.register(WorkingHoursProfile)
class WorkingHoursProfileAdmin(admin.ModelAdmin):
    list_display = ("__str__", "agency", "cutoff", "active")
    list_filter = ("active",)
    search_fields = ("agency__name", "agency__code")
    autocomplete_fields = ("agency",)
    fields = (
        "agency",
        ("morning_start", "morning_end"),
        ("afternoon_start", "afternoon_end"),
        "cutoff",
        "active",
    )
