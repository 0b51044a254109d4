from django.contrib import admin

from motcua.core.admin import ReadOnlyAdmin
from motcua.reorg.models import Reorganisation


@admin.register(Reorganisation)
class ReorganisationAdmin(ReadOnlyAdmin):
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
