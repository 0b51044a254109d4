"""`{{ amount|vnd }}` (1.250.000) and `{% payments_panel dossier %}`: the fees and payments
of a dossier on the officers' dossier page, with the desk's forms for who may use them."""

from django import template

from motcua.core.numbers import format_vn
from motcua.payments import fees, forms, services

register = template.Library()


@register.filter
def vnd(value):
    return "" if value is None or value == "" else format_vn(int(value))


@register.inclusion_tag("payments/_panel.html", takes_context=True)
def payments_panel(context, dossier):
    user = context["request"].user
    payments = list(dossier.payments.select_related("recorded_by"))
    collector = services.may_collect(user, dossier)
    return {
        "dossier": dossier,
        "due": fees.due(dossier),
        "payments": payments,
        "collector": collector,
        "transfer_possible": fees.bank_account(dossier) is not None,
        "assess_form": forms.AssessForm() if collector else None,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
