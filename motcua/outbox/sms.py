"""Text messages (SMS): phone numbers, the text a phone can carry, and the providers that send
them (docs/notifications.md).

- `normalise_phone` turns a Vietnamese mobile number (0912345678, +84 912 345 678,
  84912345678) into its E.164 form (+84912345678), with Google's libphonenumber; anything
  else is refused with `InvalidPhone`.
- `sms_text` shapes a message for one SMS: one line, and, when `SMS["ASCII"]` is on (the
  default: brandname gateways bill a text with diacritics as UCS-2, 70 characters a
  segment), the Vietnamese diacritics stripped so it fits the GSM-7 alphabet (160).
- Providers are a registry (`register`/`provider`) chosen by `SMS["PROVIDER"]`: `file` (the
  development gateway: one JSON line per message under var/sms/), `http` (a brandname SMS
  provider behind our documented HTTP contract) and `disabled` (no text messages at all).
  A provider's `send` returns the provider's message id or raises `SmsRejected` (no retry
  will help: the outbox marks the message failed) or any other error (retried with back-off).
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from pathlib import Path

import phonenumbers
import requests
from django.conf import settings
from django.utils import timezone

MAX_INPUT = 32  # longer input is not a phone number; refused before parsing
MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}

DEFAULTS = {
    "PROVIDER": "file",
    "DIRECTORY": None,  # the file gateway's folder; None: <VAR_DIR>/sms
    "URL": "",
    "API_KEY": "",
    "SENDER": "MOTCUA",
    "ASCII": True,
    "TIMEOUT": 10,
    "WITHOUT_ACCOUNT": False,
}


class InvalidPhone(ValueError):
    """Not a Vietnamese mobile number."""


class SmsRejected(Exception):
    """The provider refused the message for good (bad number, bad request, bad key)."""


class SmsUnavailable(Exception):
    """The provider could not take the message now (down, busy, timed out): retry later."""


def config(name: str):
    return {**DEFAULTS, **getattr(settings, "SMS", {})}[name]


def normalise_phone(value) -> str:
    """+84xxxxxxxxx for a Vietnamese mobile number; InvalidPhone otherwise."""
    text = str(value or "").strip()
    if not text or len(text) > MAX_INPUT or "\x00" in text:
        raise InvalidPhone(value)
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(value) from exc
    if (
        number.country_code != 84
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in MOBILE
    ):
        raise InvalidPhone(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_phone(value) -> str:
    """The normalised number, or "" when `value` is not a Vietnamese mobile number."""
    try:
        return normalise_phone(value)
    except InvalidPhone:
        return ""


def strip_diacritics(text: str) -> str:
    """ "Hồ sơ đã tiếp nhận" → "Ho so da tiep nhan" (case kept; typographic quotes plain)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-"}))
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def sms_text(text: str) -> str:
    """One line of plain text, without diacritics when the provider needs GSM-7."""
    text = " ".join(str(text).split())
    return strip_diacritics(text) if config("ASCII") else text


# --- Providers -------------------------------------------------------------------------------

PROVIDERS: dict[str, type] = {}


def register(name: str):
    def decorate(cls):
        PROVIDERS[name] = cls
        return cls

    return decorate


def provider():
    """The configured provider; None when text messages are disabled."""
    name = config("PROVIDER")
    if name == "disabled":
        return None
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise SmsRejected(f"unknown SMS provider {name!r}") from None


def enabled() -> bool:
    return config("PROVIDER") != "disabled"


def send(to: str, text: str, reference: str) -> str:
    """Send one text message through the configured provider; its message id."""
    chosen = provider()
    if chosen is None:
        raise SmsRejected("text messages are disabled (SMS PROVIDER=disabled)")
    return chosen.send(to=normalise_phone(to), text=sms_text(text), reference=reference)


@register("file")
class FileProvider:
    """The development gateway: appends each message as one JSON line to
    <DIRECTORY>/<YYYY-MM-DD>.log (to, text, sent_at, message_id, reference)."""

    def directory(self) -> Path:
        configured = config("DIRECTORY")
        return Path(configured) if configured else Path(settings.VAR_DIR) / "sms"

    def send(self, *, to: str, text: str, reference: str) -> str:
        now = timezone.localtime()  # the file of the local day
        message_id = uuid.uuid4().hex
        line = json.dumps(
            {
                "to": to,
                "text": text,
                "sent_at": now.isoformat(timespec="seconds"),
                "message_id": message_id,
                "reference": reference,
            },
            ensure_ascii=False,
        )
        folder = self.directory()
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{now:%Y-%m-%d}.log", "a", encoding="utf-8") as file:
            file.write(line + "\n")  # one write: lines of concurrent workers never mix
        return message_id


# Answers that no retry will change (the request itself is wrong); every other failure,
# 408, 429 and 5xx included, is retried.
PERMANENT_STATUSES = frozenset(range(400, 500)) - {408, 409, 425, 429}


@register("http")
class HttpProvider:
    """A brandname SMS provider behind our HTTP contract (docs/notifications.md):
    POST <URL> with a JSON body {to, text, sender, reference}, `Authorization: Bearer <key>`
    and `Idempotency-Key: <reference>`; 2xx {"message_id": …} is sent."""

    def send(self, *, to: str, text: str, reference: str) -> str:
        url = config("URL")
        if not url:
            raise SmsUnavailable("SMS URL is not configured")
        try:
            response = requests.post(
                url,
                json={
                    "to": to.removeprefix("+"),  # 84912345678, as providers expect
                    "text": text,
                    "sender": config("SENDER"),
                    "reference": reference,
                },
                headers={
                    "Authorization": f"Bearer {config('API_KEY')}",
                    "Idempotency-Key": reference,
                },
                timeout=config("TIMEOUT"),
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise SmsUnavailable(f"timed out: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise SmsUnavailable(f"no connection: {type(exc).__name__}") from exc
        code = _error_code(response)
        if response.status_code in PERMANENT_STATUSES:
            raise SmsRejected(f"HTTP {response.status_code} {code}".strip())
        if not 200 <= response.status_code < 300:
            raise SmsUnavailable(f"HTTP {response.status_code} {code}".strip())
        try:
            body = response.json()
        except ValueError:
            body = {}
        return str(body.get("message_id", "") if isinstance(body, dict) else "")[:100]


def _error_code(response) -> str:
    """The provider's short error code (never the echoed request: it holds the number)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", ""))[:40] if isinstance(body, dict) else ""
