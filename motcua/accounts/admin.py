from django.contrib import admin

from motcua.accounts.models import Account
from motcua.core.admin import ReadOnlyAdmin


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """Accounts are written by the identity provider's claims at each sign-in, never by
    hand: a supervisor may look, not change."""

    list_display = ("full_name", "kind", "identity_verified", "provider", "signed_in_at")
    list_filter = ("kind", "identity_verified")
    search_fields = ("full_name", "id_number", "tax_code")
