"""Checks of Vietnamese identifiers on applicants. No Django.

- Citizen identity card (CCCD, 12 digits: province of birth 001–096, then a century/sex
  digit, year of birth, serial) or the old ID card (CMND, 9 digits).
- Tax code (mã số thuế): 10 digits whose last is a check digit
  (10 − Σ dᵢ·wᵢ mod 11, weights 31 29 23 19 17 13 7 5 3), optionally "-" and a 3-digit
  branch number.
- Phone: 10 digits starting 03/05/07/08/09 (mobile) or 02 (landline, 11 digits), or the
  same with +84 instead of the leading 0.
"""

import re

TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


class InvalidApplicant(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def valid_id_number(value: str) -> bool:
    if re.fullmatch(r"\d{9}", value):
        return True
    return bool(re.fullmatch(r"\d{12}", value)) and 1 <= int(value[:3]) <= 96


def valid_tax_code(value: str) -> bool:
    match = re.fullmatch(r"(\d{10})(-\d{3})?", value)
    if not match:
        return False
    digits = [int(c) for c in match[1]]
    check = 10 - sum(d * w for d, w in zip(digits, TAX_WEIGHTS, strict=False)) % 11
    return check < 10 and check == digits[9]


def normalise_phone(value: str) -> str | None:
    digits = re.sub(r"[\s.\-()]", "", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if re.fullmatch(r"0[35789]\d{8}", digits) or re.fullmatch(r"02\d{9}", digits):
        return digits
    return None


def clean_applicant(data: dict) -> dict:
    """Cleaned applicant fields, or InvalidApplicant with an error code ("required",
    "invalid") per field; the web and API layers turn codes into messages."""
    errors: dict[str, str] = {}
    kind = data.get("kind") or "person"
    clean = {
        "kind": kind,
        "full_name": " ".join(str(data.get("full_name") or "").split()),
        "id_number": re.sub(r"\s", "", str(data.get("id_number") or "")),
        "tax_code": re.sub(r"\s", "", str(data.get("tax_code") or "")),
        "phone": "",
        "email": str(data.get("email") or "").strip(),
        "address": str(data.get("address") or "").strip(),
    }
    if kind not in ("person", "organisation"):
        errors["kind"] = "invalid"
    if not clean["full_name"]:
        errors["full_name"] = "required"
    if clean["id_number"] and not valid_id_number(clean["id_number"]):
        errors["id_number"] = "invalid"
    if kind == "person" and not clean["id_number"]:
        errors["id_number"] = "required"
    if clean["tax_code"] and not valid_tax_code(clean["tax_code"]):
        errors["tax_code"] = "invalid"
    if kind == "organisation" and not clean["tax_code"]:
        errors["tax_code"] = "required"
    if data.get("phone"):
        phone = normalise_phone(str(data["phone"]))
        if phone is None:
            errors["phone"] = "invalid"
        clean["phone"] = phone or ""
    if clean["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", clean["email"]):
        errors["email"] = "invalid"
    # How the applicant wants to hear, when asked (the desk's form): kept as given; an
    # e-mail needs an address and a text message a mobile number when they are sent.
    if "notify_email" in data:
        clean["notify_email"] = bool(data["notify_email"])
    if "notify_sms" in data and data["notify_sms"] is not None:
        clean["notify_sms"] = bool(data["notify_sms"])
    if errors:
        raise InvalidApplicant(errors)
    return clean
