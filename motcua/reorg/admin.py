from django.contrib import admin

from motcua.reorg.models import Reorganisation


@admin.register(Reorganisation)
class ReorganisationAdmin(admin.ModelAdmin):
    """Read only: a plan is applied with `motcua reorganise apply` (docs/reorganisation.md)."""

    list_display = ("effective_on", "instrument", "applied_at", "applied_by")
    readonly_fields = (
        "fingerprint",
        "effective_on",
        "instrument",
        "plan",
        "summary",
        "applied_at",
        "applied_by",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
