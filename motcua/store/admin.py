"""The personal data store in the admin: read only (only services.py writes it; owners
delete from /my/store/, supervisors answer requests at /office/data-requests/)."""

from django.contrib import admin

from motcua.core.admin import ReadOnlyAdmin
from motcua.store.models import CorrectionRequest, StoreItem


@admin.register(StoreItem)
class StoreItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "dossier", "agency", "obtained_at", "hidden_at")
    list_filter = ("kind",)
    search_fields = ("dossier__code", "title")
    list_select_related = ("dossier", "agency")
    readonly_fields = [f.name for f in StoreItem._meta.fields]


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_at", "due_at", "status", "answered_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in CorrectionRequest._meta.fields]
