"""The development gateway's messages (docs/payments.md, "The development gateway"), shared
by the gateway's views and our adapter for it. No Django imports.

Every message is a flat set of text fields signed with `signing` (HMAC-SHA256, shared
secret). Times are local to Việt Nam (UTC+7) as `yyyyMMddHHmmss`, as VNPay writes them.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta, timezone

VERSION = "1"
VN = timezone(timedelta(hours=7))

# The checkout request (browser → gateway, GET query string).
PAY_FIELDS = (
    "version",
    "command",  # "pay"
    "merchant",
    "reference",
    "amount",  # whole dong
    "currency",  # "VND"
    "order_info",
    "return_url",
    "notify_url",
    "created",
    "expires",
    "locale",
)
# The result (gateway → IPN by POST form, and → the browser's return by GET query string).
RESULT_FIELDS = (
    "version",
    "merchant",
    "reference",
    "amount",
    "currency",
    "transaction_no",  # the gateway's transaction number
    "response_code",  # "00" success; others below
    "transaction_status",  # "00" paid, "01" pending, "02" failed
    "bank_code",
    "pay_date",
)
# The status query (our server → gateway, POST form) and its answer (JSON).
QUERY_FIELDS = ("version", "command", "merchant", "reference", "request_id", "created")

SUCCESS = "00"
RESPONSES = {
    "00": "Giao dịch thành công",
    "11": "Đã hết hạn chờ thanh toán",
    "24": "Khách hàng hủy giao dịch",
    "51": "Tài khoản không đủ số dư",
    "91": "Không tìm thấy giao dịch",
    "97": "Chữ ký không hợp lệ",
    "99": "Lỗi khác",
}
PAID, PENDING, FAILED = "00", "01", "02"


def format_time(value: datetime) -> str:
    return value.astimezone(VN).strftime("%Y%m%d%H%M%S")


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN).astimezone(UTC)
    except (TypeError, ValueError, OverflowError):  # year 1 at +07 is before year 1 in UTC
        return None


def post_form(url: str, fields: dict, timeout: float) -> tuple[int, str]:
    """POST `fields` as a form; (HTTP status, body text). Raises OSError when the server
    cannot be reached (urllib's URLError, timeouts)."""
    body = urllib.parse.urlencode(fields).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": "motcua-dev-gateway/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(64 * 1024).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(64 * 1024).decode("utf-8", "replace")


def json_answer(text: str) -> dict | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
