"""Postal orders in the admin, read only (services.py is their only writer); phones are
left out (personal data: the dossier page shows them masked)."""

from django.contrib import admin

from motcua.core.admin import ReadOnlyAdmin
from motcua.postal.models import PostalEvent, PostalOrder


class EventInline(admin.TabularInline):
    model = PostalEvent
    fields = ("at", "status", "event_id", "tracking_number", "note", "received_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PostalOrder)
class PostalOrderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "direction", "dossier", "status", "tracking_number", "fee")
    list_filter = ("direction", "status", "operator")
    search_fields = ("reference", "tracking_number", "operator_order_id", "dossier__code")
    exclude = ("sender_phone", "recipient_phone", "application")
    inlines = [EventInline]
