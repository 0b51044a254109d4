"""The development postal operator's messages (docs/postal.md, "The development operator"),
shared by the operator's views and our adapter for it. No Django imports.

Every message is a flat set of text fields signed with `payments.signing` (HMAC-SHA256 of
the canonical fields, shared secret). Times are local to Việt Nam (UTC+7) as
`yyyyMMddHHmmss`.
"""

from motcua.payments.devgateway.protocol import (  # the same wire format as the dev gateway
    format_time,
    json_answer,
    parse_time,
    post_form,
)

__all__ = ["format_time", "json_answer", "parse_time", "post_form"]

VERSION = "1"
KINDS = ("pickup", "delivery")  # our directions dossier / result

# Our order (portal → operator, POST form to orders/).
ORDER_FIELDS = (
    "version",
    "merchant",
    "reference",
    "kind",
    "sender",
    "sender_address",
    "recipient",
    "recipient_address",
    "phone",
    "area",
    "weight",  # grams
    "notify_url",
    "created",
)
# The operator's answer to an order (JSON): "00" with order_no, or a refusal code.
ORDER_ANSWER_FIELDS = ("version", "merchant", "reference", "order_no", "code", "fee")
# Cancel (portal → operator, POST form to orders/cancel/).
CANCEL_FIELDS = ("version", "merchant", "reference", "order_no", "created")
# A quote (portal → operator, POST form to quote/) and its answer (JSON: code, fee).
QUOTE_FIELDS = ("version", "merchant", "kind", "area", "weight", "created")
# A status event (operator → portal's callback, POST form).
EVENT_FIELDS = (
    "version",
    "merchant",
    "reference",
    "order_no",
    "event_id",
    "status",  # rules.STATUSES but "requested" and "cancelled"
    "at",
    "tracking_no",
    "note",
)
EVENT_STATUSES = ("accepted", "picked_up", "in_transit", "delivered", "failed", "returned")

CODES = {
    "00": "Thành công",
    "01": "Không tìm thấy đơn hàng",
    "02": "Đơn hàng không thể hủy",
    "03": "Thông tin đơn hàng không hợp lệ",
    "04": "Không có giá cước cho bưu gửi này",
    "97": "Chữ ký không hợp lệ",
    "99": "Lỗi khác",
}
