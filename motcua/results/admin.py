"""Electronic results in the admin: read only (only services.py writes them)."""

from django.contrib import admin

from motcua.core.admin import ReadOnlyAdmin
from motcua.results.models import ResultDocument


@admin.register(ResultDocument)
class ResultDocumentAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "agency", "number", "year", "status", "signed_at", "attempts")
    list_filter = ("status", "year")
    search_fields = ("dossier__code", "certificate_serial", "sha256")
    list_select_related = ("dossier", "agency")
    readonly_fields = [f.name for f in ResultDocument._meta.fields]
