"""Bank accounts are edited here and saved through `services.save_bank_account` (audited);
payments, assessments and the development gateway's transactions are read only: they
change through the services (the desk's forms on the dossier page)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from motcua.core.admin import ReadOnlyAdmin
from motcua.payments import services, vietqr
from motcua.payments.models import BankAccount, DevGatewayTransaction, FeeAssessment, Payment


class BankAccountForm(forms.ModelForm):
    class Meta:
        model = BankAccount
        fields = ("agency", "bank_bin", "bank_name", "account_number", "account_name", "is_active")

    def clean(self):
        data = super().clean()
        try:
            vietqr.payload(data.get("bank_bin", ""), data.get("account_number", ""))
        except vietqr.VietQRError as error:
            raise ValidationError(services.BAD_ACCOUNT) from error
        return data


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    form = BankAccountForm
    list_display = ("bank_name", "account_number", "account_name", "agency", "is_active")
    list_filter = ("is_active",)
    autocomplete_fields = ("agency",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.save_bank_account(obj, request.user)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "dossier", "amount", "channel", "status", "created_at", "paid_at")
    list_filter = ("status", "channel", "gateway")
    search_fields = ("reference", "dossier__code", "gateway_transaction_id")
    date_hierarchy = "created_at"


@admin.register(FeeAssessment)
class FeeAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "amount", "assessed_by", "assessed_at")
    search_fields = ("dossier__code",)


@admin.register(DevGatewayTransaction)
class DevGatewayTransactionAdmin(ReadOnlyAdmin):
    list_display = ("number", "reference", "amount", "outcome", "ipn_attempts", "created_at")
