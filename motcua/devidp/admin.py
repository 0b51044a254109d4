from django.contrib import admin

from motcua.core.admin import ReadOnlyAdmin
from motcua.devidp.models import Identity


@admin.register(Identity)
class IdentityAdmin(ReadOnlyAdmin):
    """The development provider's demo identities (`motcua devidp setup` writes them)."""

    list_display = ("full_name", "kind", "id_number", "tax_code", "level")
    exclude = ("password",)
