"""Test data built through the services, as the application builds it."""

from datetime import date
from itertools import count

from motcua.catalog import services
from motcua.org.constants import AgencyKind, Level
from motcua.org.models import Agency

_codes = count(1)


def procedure_data(**overrides) -> dict:
    n = next(_codes)
    data = {
        "code": f"T.{n:06d}",
        "name": f"Cấp giấy phép thử nghiệm số {n}",
        "level": Level.PROVINCE,
        "performing_agency": "Sở Tư pháp",
        "applicants": "Cá nhân",
        "steps": "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
        "where_to_apply": "Trung tâm Phục vụ hành chính công",
        "channel_counter": True,
        "channel_online": True,
        "channel_post": False,
        "duration_unit": "days",
        "statutory_duration": "10",
        "local_duration": "5",
        "duration_note": "",
        "fee_text": "Không",
        "result": "Giấy phép",
        "legal_basis": "Luật Hộ tịch số 60/2014/QH13",
        "conditions": "",
        "online_level": 3,
        "online_scope": "partial",
        "one_stop": True,
        "inter_agency": False,
        "restart_on_supplement": True,
        "sector": {"code": "HT", "name": "Hộ tịch"},
        "agency": "",
        "documents": [
            {
                "name": "Tờ khai (theo mẫu)",
                "originals": 1,
                "copies": 0,
                "mandatory": True,
                "form": "Mẫu TK-01",
            },
            {
                "name": "Giấy tờ tùy thân",
                "originals": 0,
                "copies": 1,
                "mandatory": False,
                "form": "",
            },
        ],
        "fees": [{"name": "Lệ phí", "amount": 8000, "note": "mỗi bản"}],
    }
    data.update(overrides)
    return data


def make_procedure(effective_on=date(2020, 1, 1), decision=None, **overrides):
    return services.create_procedure(
        procedure_data(**overrides), effective_on=effective_on, decision=decision
    )


def make_department(name="Sở Tư pháp", code=None) -> Agency:
    return Agency.objects.create(
        code=code or f"000.00.{next(_codes):02d}.H40",
        name=name,
        kind=AgencyKind.DEPARTMENT,
        level=Level.PROVINCE,
    )
