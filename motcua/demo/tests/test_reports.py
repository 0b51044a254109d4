"""Biểu 06a on the demo traffic (the statistics issue's "done when"): for every month of
the traffic's year and for the year, each row balances, the rows add up to the total, each
month carries over what the month before left in progress, the fact table's figures equal
a direct count of the dossiers, and the list behind each number of the total holds as many
dossiers as the number says."""

import calendar
from datetime import date
from itertools import pairwise

import pytest

from motcua.demo.traffic import YEAR
from motcua.stats import queries
from motcua.stats.tests.factories import leaves

pytestmark = pytest.mark.django_db

MONTHS = [(date(YEAR, m, 1), date(YEAR, m, calendar.monthrange(YEAR, m)[1])) for m in range(1, 13)]
THE_YEAR = (date(YEAR, 1, 1), date(YEAR, 12, 31))


def report(period):
    return queries.build(queries.Period(*period), queries.Scope())


def cells(found) -> dict:
    return {(c.agency_id, c.sector_id): c.counts for c in found if any(c.counts.values())}


def test_every_month_and_the_year_balance_and_add_up(province):
    for period in [*MONTHS, THE_YEAR]:
        rep = report(period)
        assert rep["total"]["received"]["total"] > 0, period  # the traffic fills each month
        for entry in [*rep["rows"], *rep["groups"], rep["total"]]:
            received = entry["received"]
            assert received["total"] == (
                received["online"] + received["counter_post"] + received["carried_over"]
            ), (period, entry.get("agency"))
            assert received["total"] == (
                entry["resolved"]["total"] + entry["in_progress"]["total"] + entry["other"]
            ), (period, entry.get("agency"))
        for key, value in leaves(rep["total"]).items():
            assert value == sum(leaves(r)[key] for r in rep["rows"]), (period, key)


def test_each_month_carries_over_what_the_month_before_left_in_progress(province):
    reports = [report(period) for period in MONTHS]
    for before, after in pairwise(reports):
        assert after["total"]["received"]["carried_over"] == before["total"]["in_progress"]["total"]
        left = {r["agency"]: r["in_progress"]["total"] for r in before["rows"]}
        for r in after["rows"]:
            assert r["received"]["carried_over"] == left.get(r["agency"], 0), r["agency"]
    year = report(THE_YEAR)
    assert (
        year["total"]["received"]["carried_over"] == reports[0]["total"]["received"]["carried_over"]
    )
    assert year["total"]["in_progress"] == reports[-1]["total"]["in_progress"]


def test_the_fact_table_equals_a_direct_count_and_every_list_its_number(province):
    scope = queries.Scope()
    for period in [*MONTHS, THE_YEAR]:
        p = queries.Period(*period)
        assert cells(queries.count_cells(p, scope)) == cells(
            queries.count_cells_direct(p, scope)
        ), period
        total = leaves(report(period)["total"])
        for metric, number in total.items():
            assert queries.dossiers(p, scope, metric).count() == number, (period, metric)
