from django.contrib import admin

from motcua.core.admin import ReadOnlyAdmin
from motcua.stats.models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    """Read only: the stored reports are what was reported; `motcua monthly_reports` makes them."""

    list_display = ("month", "kind", "scope", "created_at")
    list_filter = ("kind",)
    exclude = ("xlsx",)
    readonly_fields = ("month", "kind", "scope", "data", "created_at")
