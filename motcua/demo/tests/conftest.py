"""One demo province for the package's tests: the real 2020 organisation of Hà Nam with a
small catalogue of real procedure names (the full catalogue takes a minute to generate),
and N dossier rows of traffic made by `traffic.load` at a fixed now."""

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings

from motcua.catalog.tests.factories import make_procedure
from motcua.demo import traffic
from motcua.demo.org import Org
from motcua.demo.planner import Planner
from motcua.demo.setup import office_name
from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.org import demo as org_demo
from motcua.org.constants import Level

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 3, 12, 10, 20, tzinfo=VN)  # a Wednesday morning
N = 600
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ARRIVES = datetime(2020, 6, 9, 9, 40, tzinfo=VN)

# level, name, performing agency (department short key or published text), sector, days
CATALOGUE = [
    ("province", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "stp", "Lý lịch tư pháp", 5),
    ("province", "Cấp bản sao trích lục hộ tịch", "stp", "Hộ tịch", 1),
    ("province", "Đăng ký thành lập doanh nghiệp tư nhân", "skhdt", "Thành lập và hoạt động "
     "doanh nghiệp", 3),
    ("province", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt", "sxd",
     "Hoạt động xây dựng", 15),
    ("district", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "UBND cấp huyện "
     "(Phòng Tư pháp)", "Chứng thực", 1),
    ("district", "Đăng ký thành lập hộ kinh doanh", "UBND cấp huyện (Phòng Tài chính - Kế "
     "hoạch)", "Thành lập và hoạt động của hộ kinh doanh", 3),
    ("district", "Giải quyết khiếu nại lần đầu", "UBND cấp huyện", "Giải quyết khiếu nại", 30),
    ("district", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội (được trợ giúp xã hội "
     "thường xuyên tại cộng đồng)", "UBND cấp huyện (Phòng Lao động - Thương binh và Xã hội)",
     "Bảo trợ xã hội", 2),
    ("district", "Xóa đăng ký thường trú", "Công an", "Đăng ký, quản lý cư trú", 4),
    ("district", "Đăng ký thường trú", "Công an", "Đăng ký, quản lý cư trú", 7),
    ("commune", "Đăng ký khai sinh", "UBND cấp xã", "Hộ tịch", 1),
    ("commune", "Đăng ký khai tử", "UBND cấp xã", "Hộ tịch", 1),
    ("commune", "Đăng ký kết hôn", "UBND cấp xã", "Hộ tịch", 1),
    ("commune", "Chứng thực chữ ký trong các giấy tờ, văn bản", "UBND cấp xã", "Chứng thực", 1),
    ("commune", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi", "UBND cấp xã", "Bảo hiểm y tế",
     5),
]  # fmt: skip


def make_catalogue(agencies) -> None:
    sectors = {}
    for i, (level, name, where, sector, days) in enumerate(CATALOGUE, start=1):
        sectors.setdefault(sector, f"S{len(sectors) + 1}")
        department = agencies.get(where)
        outside = where == "Công an"
        make_procedure(
            code=f"DEMO.{i:03d}",
            name=name,
            level=level,
            agency=department.code if department else "",
            performing_agency=department.name if department else where,
            sector={"code": sectors[sector], "name": sector},
            statutory_duration=str(days * 2),
            local_duration=str(days),
            one_stop=not outside,
            channel_online=not outside,
            channel_post=not outside,
            online_level=4 if i % 3 == 0 else 3,
            applicants="Tổ chức" if "doanh nghiệp" in name else "Cá nhân, Tổ chức",
            effective_on=date(2019, 1, 1),
        )


@pytest.fixture(scope="package")
def province(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        units = org_demo.load_units()
        agencies = org_demo.load_agencies(units)
        org_demo.load_officers(agencies)
        make_catalogue(agencies)
        result = traffic.load(N, seed=7, now=NOW)
        yield {"agencies": agencies, "result": result}
        call_command("flush", "--no-input", verbosity=0)


def make_plan(level, channel, kind, seed=None, longest=False, arrives=ARRIVES):
    """A plan of `kind` at a desk of `level`, arriving through `channel`."""
    org = Org()
    planner = Planner(org, random.Random(seed or f"{level}{kind}"), NOW)
    tier = [p for p in planner.tiers[level][0] if p.channel_online or channel != Channel.ONLINE]
    procedure = next(p for p in tier if p.name == "Đăng ký khai tử") if kind == "chain" else None
    if level == Level.DISTRICT:
        procedure = next(p for p in tier if office_name(p))
    if longest:  # room for a supplement request after the 3-day window
        procedure = max(tier, key=lambda p: services.process_hours(p))
    procedure = procedure or tier[0]
    desk = (
        org.desks[procedure.agency_id]
        if level == Level.PROVINCE
        else planner.rng.choice([org.desks[a.pk] for a in planner.communes[0]])
        if level == Level.COMMUNE
        else org.desks[planner.districts[0][0].pk]
    )
    chain = planner.chains[procedure.pk][0] if kind == "chain" else None
    return planner.make(procedure, desk, channel, arrives, chain=chain, kind=kind)
