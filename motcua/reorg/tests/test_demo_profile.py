"""`motcua seed ninhbinh-2026`: today's Ninh Bình built from Hà Nam's 2020 demo, Nam Định
and Ninh Bình as on 30/06/2025 and the real plan of the three (the catalogue is the demo
tests' small one, so that the whole profile loads in a couple of minutes).

The expected figures are written by hand from the law, not read from the code:
- Nghị quyết 202/2025/QH15: Hà Nam (35), Nam Định (36) and Ninh Bình (37) became the
  province of Ninh Bình, code 37, on 01/07/2025; no district remains (two-tier local
  government).
- Nghị quyết 1674/NQ-UBTVQH15: Ninh Bình's commune-level units after the arrangement,
  129 (97 xã and 32 phường).
- Before the change: Nam Định had 9 districts and 175 commune-level units, Ninh Bình 7
  and 125 (the state on 30/06/2025 of the national list)."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import FINAL
from motcua.org.constants import AgencyKind, Level
from motcua.org.models import AdminUnit, Agency, AgencySuccession, Officer
from motcua.reorg.models import Reorganisation

CHANGE = date(2025, 7, 1)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def small_catalogue(agencies, seed=None):
    from motcua.demo.tests.conftest import CATALOGUE, make_catalogue

    make_catalogue(agencies)
    return {"procedures": len(CATALOGUE), "decisions": 0}


@pytest.fixture(scope="module")
def profile(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr("motcua.catalog.demo.generate.generate", small_catalogue)
        call_command("seed", "ninhbinh-2026", "--dossiers", "500", verbosity=0)
        yield
        call_command("flush", "--no-input", verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("profile")]


def test_the_map_is_todays_two_tiers():
    province = AdminUnit.objects.get(code="37", valid_to__isnull=True)
    assert province.name == "Tỉnh Ninh Bình" and province.valid_from == CHANGE
    for code in ("35", "36", "37"):
        assert AdminUnit.objects.filter(code=code, valid_to=CHANGE).exists(), code
    assert not AdminUnit.objects.filter(level=Level.DISTRICT, valid_to__isnull=True).exists()
    communes = AdminUnit.objects.filter(parent=province, valid_to__isnull=True)
    assert communes.count() == 129
    assert communes.filter(unit_type="Phường").count() == 32
    assert communes.filter(unit_type="Xã").count() == 97
    # The old map is still there, dated: the three provinces' districts on 30/06/2025.
    before = AdminUnit.objects.valid_on(date(2025, 6, 30)).filter(level=Level.DISTRICT)
    assert before.filter(parent__code="36").count() == 9
    assert before.filter(parent__code="37", parent__valid_to=CHANGE).count() == 7
    assert (
        AdminUnit.objects.valid_on(date(2025, 6, 30))
        .filter(parent__parent__code="36", parent__level=Level.DISTRICT)
        .count()
        == 175
    )
    assert Reorganisation.objects.get().effective_on == CHANGE


def test_every_agency_in_force_is_of_the_new_province():
    in_force = Agency.objects.filter(valid_to__isnull=True)
    assert not in_force.filter(kind=AgencyKind.DISTRICT_PC).exists()
    assert not in_force.exclude(code__endswith=".H37").exists()
    # One department for the three provinces' Sở Tư pháp.
    justice = in_force.get(name="Sở Tư pháp tỉnh Ninh Bình")
    merged = AgencySuccession.objects.filter(successor=justice)
    assert sorted(s.predecessor.code.rsplit(".", 1)[1] for s in merged) == ["H40", "H41", "H42"]
    assert in_force.filter(kind=AgencyKind.COMMUNE_PC).count() == 129


def test_dossiers_follow_the_map_of_their_day():
    received = Dossier.objects.filter(received_at__isnull=False)
    old = received.filter(received_at__date__lt=CHANGE)
    new = received.filter(received_at__date__gte=CHANGE)
    assert old.exists() and new.exists()
    # Hà Nam's 2020 dossiers stay with Hà Nam's agencies; none was received in 2021–2025.
    assert not old.exclude(performing_agency__code__endswith=".H40").exists()
    assert not received.filter(received_at__year__in=[2021, 2022, 2023, 2024]).exists()
    # Since the change: agencies of the new province only, and in force.
    assert not new.exclude(performing_agency__code__endswith=".H37").exists()
    assert not new.filter(performing_agency__valid_to__isnull=False).exists()
    assert (
        not received.exclude(status__in=list(FINAL))
        .filter(current_agency__valid_to__isnull=False)
        .exists()
    )
    # Up to now, and nothing after it: the traffic of the last days is cut at the clock.
    from django.utils import timezone

    from motcua.dossiers.models import DossierEvent

    assert new.filter(received_at__gte=timezone.now() - timedelta(days=30)).exists()
    assert not DossierEvent.objects.filter(at__gt=timezone.now()).exists()


def test_traffic_reaches_communes_of_all_three_old_provinces():
    served = set()
    new = Dossier.objects.filter(
        received_at__date__gte=CHANGE, performing_agency__kind="commune_pc"
    )
    for agency_id in new.values_list("performing_agency", flat=True).distinct():
        before = AgencySuccession.objects.filter(successor_id=agency_id)
        served |= {s.predecessor.code.rsplit(".", 1)[1] for s in before}
    assert served == {"H40", "H41", "H42"}


def test_the_demo_officers_work_at_the_successors():
    today = Officer.objects.valid_on(date.today())
    desk = today.get(user__username="motcua.quangtrung")
    assert desk.agency.code.endswith(".H37") and desk.agency.kind == AgencyKind.COMMUNE_PC
    assert today.get(user__username="motcua.stp").agency.name == "Sở Tư pháp tỉnh Ninh Bình"
