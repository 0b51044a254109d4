"""Electronic results in the admin: read only (only services.py writes them)."""

from django.contrib import admin

from motcua.results.models import ResultDocument


@admin.register(ResultDocument)
class ResultDocumentAdmin(admin.ModelAdmin):
    list_display = ("dossier", "agency", "number", "year", "status", "signed_at", "attempts")
    list_filter = ("status", "year")
    search_fields = ("dossier__code", "certificate_serial", "sha256")
    list_select_related = ("dossier", "agency")
    readonly_fields = [f.name for f in ResultDocument._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
