from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from motcua.payments.services import LARGEST_AMOUNT


class AssessForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount due (VND)"), min_value=0, max_value=LARGEST_AMOUNT - 1
    )
    note = forms.CharField(label=_("Basis of the amount"), max_length=500, required=False)


class CashForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class TransferForm(forms.Form):
    bank_reference = forms.CharField(
        label=_("Bank's reference of the transfer"),
        max_length=64,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$",
                _("Letters, digits, spaces and . _ / - only."),
            )
        ],
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
