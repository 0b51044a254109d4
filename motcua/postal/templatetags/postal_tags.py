"""Postal orders on other apps' pages: `{% postal_panel dossier %}` (the officers' dossier
page: addresses, masked phones, events), `{% postal_tracking dossier %}` (the applicant's
and the public lookup's: status and tracking number only), `{% postal_pickups user %}`
(My dossiers: pickups whose dossier has not arrived yet), and in the desk's queue
`{% postal_mark d %}`, from the column `services.queue_annotations()` adds to the page's
own query (the queue stays one query per page)."""

from django import template
from django.template.loader import render_to_string

from motcua.postal.models import PostalOrder, Status
from motcua.postal.services import mask_phone, orders_of

register = template.Library()


@register.inclusion_tag("postal/_panel.html")
def postal_panel(dossier):
    orders = list(orders_of(dossier))
    for order in orders:
        order.masked_sender_phone = mask_phone(order.sender_phone)
        order.masked_recipient_phone = mask_phone(order.recipient_phone)
    return {"orders": orders}


@register.inclusion_tag("postal/_tracking.html")
def postal_tracking(dossier):
    return {
        "orders": list(
            orders_of(dossier).only(
                "direction", "status", "status_at", "tracking_number", "dossier_id", "fee"
            )
        )
    }


@register.inclusion_tag("postal/_pickups.html")
def postal_pickups(user):
    orders = (
        PostalOrder.objects.filter(user=user, dossier__isnull=True)
        .exclude(status=Status.CANCELLED)
        .select_related("procedure")[:20]
        if getattr(user, "is_authenticated", False)
        else []
    )
    return {"orders": orders}


@register.simple_tag
def postal_mark(dossier):
    """The queue's mark: a postal dossier, and its latest live order's direction, status and
    tracking number (annotated on the row; an unsaved order only to show them). Nothing to
    render for most rows, so nothing rendered: the queue draws fifty rows a page."""
    latest = getattr(dossier, "postal_latest", None) or {}
    if not latest.get("status") and dossier.channel != "post":
        return ""
    order = (
        PostalOrder(
            direction=latest.get("direction"),
            status=latest["status"],
            tracking_number=latest.get("tracking") or "",
        )
        if latest.get("status")
        else None
    )
    return render_to_string("postal/_queue_mark.html", {"order": order, "postal": True})
