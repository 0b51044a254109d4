from django.contrib import admin

from motcua.stats.models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """Read only: the stored reports are what was reported; `motcua monthly_reports` makes them."""

    list_display = ("month", "kind", "scope", "created_at")
    list_filter = ("kind",)
    exclude = ("xlsx",)
    readonly_fields = ("month", "kind", "scope", "data", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
