"""VietQR bank-transfer codes: the EMVCo merchant-presented QR payload that NAPAS 247
defines for an inter-bank transfer to an account (service QRIBFTTA). No Django imports.

The payload is a string of data objects, each `ID` (2 digits) + length (2 digits) + value;
templates nest the same way. A transfer code holds, in this order: payload format "01";
point of initiation "12" when the amount is fixed (one transfer), "11" otherwise; the
merchant account template "38" (NAPAS's GUID A000000727, the beneficiary's bank BIN and
account number, service QRIBFTTA); currency "704" (VND); the amount; country "VN"; the
additional data template "62" with the purpose of the transfer (the content the payer's bank
sends along, sub-ID "08"); and the CRC "63": CRC-16/CCITT-FALSE (polynomial 0x1021, initial
0xFFFF) over everything before it, "6304" included, in upper-case hex.

Banks take the content as plain ASCII: Vietnamese diacritics are stripped ("Lệ phí" →
"Le phi"), other characters but letters, digits, space and . - / are dropped, and it is cut
to 25 characters (the purpose field's length in the NAPAS specification).

Why not a library: the maintained-looking packages on PyPI are single releases with no
history, or pull in HTTP and imaging libraries for these few lines; none strips diacritics
or bounds the content as banks require (docs/payments.md, "VietQR").
"""

import re
import unicodedata

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
PURPOSE_MAX = 25
ACCOUNT_MAX = 19
AMOUNT_MAX_DIGITS = 13
_BIN = re.compile(r"^\d{6}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9]{1,19}$")
_KEEP = re.compile(r"[^A-Za-z0-9 .\-/]")
_SPACES = re.compile(r"\s+")


class VietQRError(ValueError):
    """A transfer code cannot be made from these values."""


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE of the text's UTF-8 bytes, as 4 upper-case hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return f"{crc:04X}"


def tlv(tag: str, value: str) -> str:
    """One data object. Lengths count characters; callers pass ASCII only, so they are
    bytes too, as bank apps count them."""
    if len(tag) != 2 or not tag.isdigit():
        raise VietQRError(f"bad tag {tag!r}")
    if not value:
        return ""
    if len(value) > 99:
        raise VietQRError(f"value of {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def plain_text(text: str, limit: int = PURPOSE_MAX) -> str:
    """The transfer content as banks take it: no diacritics, only letters, digits, space and
    . - /, single spaces, at most `limit` characters."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = _SPACES.sub(" ", _KEEP.sub(" ", text)).strip()
    return text[:limit].rstrip()


def payload(bank_bin: str, account: str, amount: int | None = None, content: str = "") -> str:
    """The text of a VietQR code for a transfer of `amount` VND (None: the payer types it)
    to `account` at the bank with NAPAS BIN `bank_bin`, with `content` as its purpose."""
    bank_bin = (bank_bin or "").strip()
    account = (account or "").strip()
    if not _BIN.match(bank_bin):
        raise VietQRError("the bank BIN has 6 digits")
    if not _ACCOUNT.match(account):
        raise VietQRError(f"the account number has 1 to {ACCOUNT_MAX} letters or digits")
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise VietQRError("the amount is a positive whole number of dong")
        if len(str(amount)) > AMOUNT_MAX_DIGITS:
            raise VietQRError("the amount is too large")
    beneficiary = tlv("00", bank_bin) + tlv("01", account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    purpose = plain_text(content)
    body = (
        tlv("00", "01")
        + tlv("01", "12" if amount is not None else "11")
        + tlv("38", merchant)
        + tlv("53", CURRENCY_VND)
        + (tlv("54", str(amount)) if amount is not None else "")
        + tlv("58", COUNTRY)
        + (tlv("62", tlv("08", purpose)) if purpose else "")
        + "6304"
    )
    return body + crc16(body)


def parse(text: str) -> dict[str, str]:
    """The top-level data objects of a payload ({tag: value}); VietQRError if it is not
    well formed or its CRC does not match (a check for tests and for what we print)."""
    if len(text) < 8 or text[-8:-4] != "6304" or crc16(text[:-4]) != text[-4:].upper():
        raise VietQRError("bad CRC")
    fields, i = {}, 0
    while i < len(text):
        tag, size = text[i : i + 2], text[i + 2 : i + 4]
        if not (tag.isdigit() and size.isdigit()) or i + 4 + int(size) > len(text):
            raise VietQRError(f"bad data object at {i}")
        fields[tag] = text[i + 4 : i + 4 + int(size)]
        i += 4 + int(size)
    return fields
