"""The index's "dossiers with an electronic result" (group "Số hóa hồ sơ"), computed by hand:
dossiers finished with a result in the period whose result was issued as a signed PDF,
over the dossiers finished with a result in the period."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers import services
from motcua.dossiers.tests.factories import receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.index766 import core, indicators
from motcua.org.constants import Role
from motcua.results import services as results
from motcua.results.models import ResultDocument, Status

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = indicators.Period(date(2025, 3, 1), date(2025, 3, 31))


def handled(province, received: datetime, finish: str | None):
    """A dossier received at `received` and, an hour and a half later, completed
    ("result"), refused ("refused") or left at the leader (None)."""
    officer = province.officer
    dossier = receive_at_counter(province, received_at=received)
    for role, to_role, minutes in (
        (Role.DESK_OFFICER, Role.SPECIALIST, 30),
        (Role.SPECIALIST, Role.LEADER, 60),
    ):
        dossier = services.act(
            dossier,
            Action.FORWARD,
            officer("justice", role),
            to_user=officer("justice", to_role),
            at=received + timedelta(minutes=minutes),
        )
    leader, at = officer("justice", Role.LEADER), received + timedelta(minutes=90)
    if finish == "result":
        return services.act(dossier, Action.COMPLETE, leader, at=at, result="Phiếu số 1")
    if finish == "refused":
        return services.act(dossier, Action.REFUSE, leader, at=at, comment="Không đủ điều kiện")
    return dossier


@pytest.fixture
def march(province, certs):
    day = datetime(2025, 3, 3, 9, tzinfo=VN)
    signed = handled(province, day, "result")  # finished in March, signed: counted
    unsigned = handled(province, day + timedelta(days=1), "result")  # finished, not signed
    handled(province, day + timedelta(days=2), "refused")  # no result: not counted
    handled(province, day + timedelta(days=3), None)  # open: not counted
    april = handled(province, datetime(2025, 4, 1, 9, tzinfo=VN), "result")  # another period
    pending = handled(province, day + timedelta(days=4), "result")  # being signed: not yet
    for dossier in (signed, april):
        assert results.sign_dossier(dossier).status == Status.SIGNED
    results.request(pending, schedule_signing=False)
    return {"signed": signed, "unsigned": unsigned, "pending": pending}


def row(report, key):
    return next(r for g in report["groups"] for r in g["indicators"] if r["key"] == key)


def test_electronic_results_of_the_period_counted_by_hand(march, province):
    report = indicators.build(None, MARCH)
    electronic = row(report, "electronic_result")
    # Results finished in March: signed, unsigned, pending = 3; signed electronically: 1.
    assert (electronic["numerator"], electronic["denominator"]) == (1, 3)
    assert electronic["status"] == core.OK and electronic["fed_by"] is None
    # 33.33 % of a 100 % threshold, of 22 / 5 = 4.4 points: 1/3 × 4.4 = 1.47.
    assert electronic["rate"] == Decimal("33.33")
    assert electronic["points"] == Decimal("1.47")
    assert electronic["drilldown"]
    # The agency that performs them, and one that performs none.
    justice = row(indicators.build(province.justice, MARCH), "electronic_result")
    assert (justice["numerator"], justice["denominator"]) == (1, 3)
    health = row(indicators.build(province.health, MARCH), "electronic_result")
    assert (health["numerator"], health["denominator"]) == (0, 0)


def test_the_direct_count_and_the_drill_down_agree(march, province):
    for agency in (None, province.justice, province.health):
        by_facts = indicators._dossier_counts(agency, MARCH)["electronic_result"]
        direct = indicators._dossier_counts_direct(agency, MARCH)["electronic_result"]
        assert (by_facts.numerator, by_facts.denominator) == (
            direct.numerator,
            direct.denominator,
        )
    counted = indicators.drilldown("electronic_result", MARCH, None, "counted")
    missed = indicators.drilldown("electronic_result", MARCH, None, "missed")
    assert list(counted) == [march["signed"]]
    assert set(missed) == {march["unsigned"], march["pending"]}


def test_a_signed_result_counts_once_it_is_signed(march):
    pending = ResultDocument.objects.get(dossier=march["pending"])
    results.sign(pending.pk, force=True)
    assert row(indicators.build(None, MARCH), "electronic_result")["numerator"] == 2
