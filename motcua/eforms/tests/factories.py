"""Citizens and online procedures for the e-form tests.

Citizens are made directly (a user and their account): how they sign in through the
identity provider is the accounts app's business and tested there."""

from datetime import date
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.accounts.models import Account
from motcua.dossiers.tests.factories import EXE, PDF, PNG
from motcua.org.models import User

ISSUER = "https://id.example.gov.vn/o"
_n = count(1)

__all__ = ["EXE", "PDF", "PNG", "files_in", "make_citizen", "pdf", "upload"]


def make_citizen(verified: bool = True, **fields) -> Account:
    n = next(_n)
    user = User.objects.create_user(f"citizen-test-{n}")
    user.set_unusable_password()
    user.save()
    values = {
        "kind": "person",
        "full_name": "Nguyễn Văn An",
        "id_number": "035085001234",
        "birth_date": date(1985, 3, 12),
        "phone": "0912345678",
        "email": "nguyenvanan@example.vn",
        "address": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
        **fields,
    }
    return Account.objects.create(
        user=user,
        identity_verified=verified,
        provider=ISSUER,
        subject=f"sub-{n}",
        **values,
    )


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "to-khai.pdf"):
    return upload(name, PDF)


def files_in(root) -> list:
    """The files stored under `root` (the test's MEDIA_ROOT)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# A business household registration form: text, number, date, a choice, a repeated group
# and a declaration (the browser tests fill it).
HOUSEHOLD_SCHEMA = {
    "type": "object",
    "properties": {
        "owner_name": {"type": "string", "title": "Họ, chữ đệm, tên chủ hộ", "maxLength": 300},
        "business_name": {"type": "string", "title": "Tên hộ kinh doanh", "maxLength": 200},
        "capital": {"type": "integer", "title": "Vốn kinh doanh (đồng)", "minimum": 1},
        "opened": {"type": "string", "format": "date", "title": "Ngày bắt đầu kinh doanh"},
        "sector": {"type": "string", "title": "Ngành nghề", "enum": ["ban_le", "an_uong"]},
        "members": {
            "type": "array",
            "title": "Thành viên hộ gia đình",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string", "title": "Họ tên thành viên"}},
                "required": ["name"],
            },
        },
        "declaration": {
            "type": "boolean",
            "const": True,
            "title": "Tôi cam kết khai đúng sự thật.",
        },
    },
    "required": ["owner_name", "business_name", "capital", "sector", "declaration"],
}
HOUSEHOLD_UI = {
    "fields": {
        "owner_name": {"prefill": "full_name"},
        "sector": {"widget": "radio", "labels": {"ban_le": "Bán lẻ", "an_uong": "Ăn uống"}},
        "members": {"add_label": "Thêm thành viên"},
    }
}
