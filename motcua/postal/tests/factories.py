"""Pickup orders as the portal makes them, and the operator's signed events."""

from motcua.dossiers.models import ResultDelivery
from motcua.payments import signing
from motcua.postal import services
from motcua.postal.devpost import protocol

PICKUP = {
    "sender_name": "Nguyễn Văn An",
    "sender_address": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
    "sender_phone": "0912345678",
    "area": "local",
    "weight": "500",
    "result_delivery": ResultDelivery.POST,
    "result_address": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
}


def pickup(province, user=None, **changes):
    return services.request_pickup(
        procedure=province.procedure,
        agency=province.justice,
        user=user,
        applicant=None
        if user
        else {"kind": "person", "full_name": "Nguyễn Văn An", "phone": "0912345678"},
        actor=user,
        **{**PICKUP, **changes},
    )


def event(order, status, at, *, event_id=None, tracking="EB123456789VN", secret=None, **extra):
    """The operator's signed event about `order` (what its callback posts)."""
    from django.conf import settings

    secret = secret or settings.POSTAL["OPERATORS"]["dev"]["SECRET"]
    fields = {
        "version": "1",
        "merchant": "MOTCUA",
        "reference": order.reference,
        "order_no": order.operator_order_id or "DV2612060001",
        "event_id": event_id or f"{order.reference}-{status}",
        "status": status,
        "at": protocol.format_time(at),
        "tracking_no": tracking,
        **extra,
    }
    return signing.signed(fields, secret)
