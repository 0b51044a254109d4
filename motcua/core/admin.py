from django.contrib import admin

from motcua.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only the services write and nobody deletes (audit, dossiers)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "summary")
    date_hierarchy = "at"
