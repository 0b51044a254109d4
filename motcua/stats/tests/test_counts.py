"""Biểu 06a counted from real dossiers (driven through the services over February and
March 2025): the hand-written expectations, the invariants, and a direct count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.stats import queries
from motcua.stats.tests.factories import (
    EXPECTED_JUSTICE,
    FEB,
    MAR,
    MEMBERS,
    build_scenario,
    leaves,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scenario(module_db):
    return build_scenario()


def report(period, scope=None):
    return queries.build(queries.Period(*period), scope or queries.Scope())


def row(rep, code):
    return next(r for r in rep["rows"] if r["agency"] == code)


@pytest.mark.parametrize("period", [FEB, MAR])
def test_the_justice_numbers_are_the_hand_written_ones(scenario, period):
    justice = row(report(period), scenario.province.justice.code)
    assert leaves(justice) == EXPECTED_JUSTICE[period]


@pytest.mark.parametrize("period", [FEB, MAR])
def test_every_row_balances_and_rows_add_up_to_the_total(scenario, period):
    rep = report(period)
    for entry in [*rep["rows"], *rep["groups"], rep["total"]]:
        received = entry["received"]
        assert received["total"] == (
            received["online"] + received["counter_post"] + received["carried_over"]
        )
        assert received["total"] == (
            entry["resolved"]["total"] + entry["in_progress"]["total"] + entry["other"]
        )
    for key, value in leaves(rep["total"]).items():
        assert value == sum(leaves(r)[key] for r in rep["rows"])


def test_next_periods_carried_over_is_this_periods_in_progress(scenario):
    feb, mar = report(FEB), report(MAR)
    assert mar["total"]["received"]["carried_over"] == feb["total"]["in_progress"]["total"]
    for r in feb["rows"]:
        assert row(mar, r["agency"])["received"]["carried_over"] == r["in_progress"]["total"]
    # And over the two months at once nothing is carried from inside the period.
    both = report((FEB[0], MAR[1]))
    assert both["total"]["received"]["carried_over"] == 0
    assert both["total"]["in_progress"] == mar["total"]["in_progress"]


def direct_leaves(period) -> dict:
    """The definitions of docs/statistics.md applied dossier by dossier in Python."""
    start, end = period
    out = dict.fromkeys(EXPECTED_JUSTICE[FEB], 0)
    day = timezone.localdate
    for d in Dossier.objects.filter(received_at__isnull=False):
        received, finished = day(d.received_at), d.finished_at and day(d.finished_at)
        if received > end or (finished and finished < start):
            continue
        if received >= start:
            out["online" if d.channel == "online" else "counter_post"] += 1
        else:
            out["carried_over"] += 1
        if finished and finished <= end:
            if d.status in ("result_ready", "returned"):
                out[d.timeliness] += 1
            else:
                out["other"] += 1
            continue
        paused = any(
            day(s.requested_at) <= end
            and (s.supplemented_at is None or day(s.supplemented_at) > end)
            for s in d.supplement_requests.filter(after_receipt=True)
        )
        late = d.deadline_at is not None and day(d.deadline_at) < end
        out["overdue" if late and not paused else "within"] += 1
    return out


@pytest.mark.parametrize("period", [FEB, MAR, (FEB[0], MAR[1]), (MAR[0], MAR[0])])
def test_the_numbers_equal_a_direct_count_of_the_dossiers(scenario, period):
    assert leaves(report(period)["total"]) == direct_leaves(period)


@pytest.mark.parametrize("period", [FEB, MAR])
def test_each_metric_lists_exactly_its_dossiers(scenario, period):
    scope = queries.Scope(agency_ids=frozenset({scenario.province.justice.pk}))
    for metric, names in MEMBERS[period].items():
        codes = set(
            queries.dossiers(queries.Period(*period), scope, metric).values_list("code", flat=True)
        )
        assert codes == {scenario.dossiers[n].code for n in names}, metric


def test_counting_is_a_handful_of_queries_whatever_the_number_of_agencies(scenario):
    with CaptureQueriesContext(connection) as captured:
        report(FEB)
    # The period's facts, the stocks before it (and how far the openings go), the agencies
    # and their names: never one per agency or per dossier.
    assert len(captured) <= 5
