from datetime import date

import pytest

from motcua.org import demo
from motcua.org.constants import Level
from motcua.org.models import AdminUnit, AdminUnitChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return demo.load_units()


def communes_on(day):
    return AdminUnit.objects.valid_on(day).filter(level=Level.COMMUNE)


def test_hanam_2020_has_six_districts_and_109_communes(units):
    day = date(2020, 12, 31)
    districts = AdminUnit.objects.valid_on(day).filter(level=Level.DISTRICT)
    assert sorted(d.name for d in districts) == sorted(
        [
            "Thành phố Phủ Lý",
            "Thị xã Duy Tiên",
            "Huyện Kim Bảng",
            "Huyện Thanh Liêm",
            "Huyện Bình Lục",
            "Huyện Lý Nhân",
        ]
    )
    assert communes_on(day).count() == 109
    per_district = {d.name: communes_on(day).filter(parent=d).count() for d in districts}
    assert per_district["Thành phố Phủ Lý"] == 21
    assert sum(per_district.values()) == 109


def test_changes_of_2025_are_dated_and_keep_history(units):
    after = date(2025, 6, 30)
    assert communes_on(after).count() == 98
    kim_bang = AdminUnit.objects.valid_on(after).get(code="350")
    assert kim_bang.name == "Thị xã Kim Bảng"
    assert AdminUnit.objects.valid_on(date(2024, 12, 31)).get(code="350").name == "Huyện Kim Bảng"
    # Communes of Kim Bảng point to the thị xã after the change, to the huyện before it.
    assert all(c.parent_id == kim_bang.pk for c in communes_on(after).filter(parent__code="350"))
    assert communes_on(after).filter(parent__code="350").count() == 17
    # Merged units: closed, not deleted, and the change names both sides.
    merge = AdminUnitChange.objects.filter(kind="merge").first()
    assert merge.before.count() >= 2 and merge.after.count() == 1
    assert all(
        u.valid_to == merge.effective_on for u in merge.before.exclude(code=merge.after.get().code)
    )


def test_only_one_open_row_per_code(units):
    from django.db.models import Count

    open_rows = (
        AdminUnit.objects.filter(valid_to__isnull=True).values("code").annotate(n=Count("id"))
    )
    assert all(row["n"] == 1 for row in open_rows)
