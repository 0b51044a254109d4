"""The postal option's rules against tables written out by hand from the law
(Quyết định 45/2016/QĐ-TTg) and from the operator's price list, never against the code's
own tables."""

import pytest

from motcua.postal import prices, rules

# (procedure takes post, in force) → directions open to the applicant.
# QĐ 45/2016 art. 1, 3: a person may send the dossier, receive the result, or both,
# through the public postal service, for the procedures the competent agencies have
# published as handled by post; an abolished procedure takes nothing.
DIRECTIONS = [
    (True, True, {"dossier", "result"}, "QĐ 45/2016 art. 3: send, receive, or both"),
    (False, True, set(), "not published as handled by post"),
    (True, False, set(), "abolished: no new dossier, no postal order"),
    (False, False, set(), "neither"),
]


@pytest.mark.parametrize(("post", "in_force", "expected", "why"), DIRECTIONS)
def test_directions_by_procedure(post, in_force, expected, why):
    assert rules.directions(post, in_force) == frozenset(expected), why


# (status now, operator's event) → allowed? A postal item never goes back: once the
# postman has it, it cannot be cancelled; delivered, returned and cancelled are final.
MOVES = [
    ("requested", "accepted", True),
    ("requested", "picked_up", False),  # accepted first: the tracking number comes with it
    ("requested", "delivered", False),
    ("accepted", "picked_up", True),
    ("accepted", "failed", True),  # nobody at the pickup address
    ("accepted", "delivered", False),
    ("picked_up", "in_transit", True),
    ("picked_up", "delivered", True),
    ("picked_up", "accepted", False),
    ("in_transit", "delivered", True),
    ("in_transit", "failed", True),
    ("in_transit", "picked_up", False),
    ("failed", "in_transit", True),  # a second attempt
    ("failed", "delivered", True),
    ("failed", "returned", True),
    ("delivered", "picked_up", False),
    ("delivered", "failed", False),
    ("delivered", "returned", False),
    ("returned", "delivered", False),
    ("cancelled", "accepted", False),
]


@pytest.mark.parametrize(("before", "after", "allowed"), MOVES)
def test_an_order_moves_only_forward(before, after, allowed):
    assert rules.may_move(before, after) is allowed


@pytest.mark.parametrize(
    ("direction", "status", "submits", "hands_over"),
    [
        # The dossier reaches the desk when the post delivers it: the desk's check
        # (1 working day for paper and postal dossiers) starts then.
        ("dossier", "delivered", True, False),
        ("dossier", "picked_up", False, False),
        # QĐ 45/2016: the result counts as returned when the postal service receives it
        # [check]; its delivery to the applicant is recorded on the order only.
        ("result", "picked_up", False, True),
        ("result", "delivered", False, False),
    ],
)
def test_which_events_move_the_dossier(direction, status, submits, hands_over):
    assert rules.submitted_on(direction, status) is submits
    assert rules.returned_at_handover(direction, status) is hands_over


# The development operator's price list (data/dev_prices.json), by hand: local items
# 18 000 up to 500 g, 22 000 up to 1 kg, 28 000 up to 2 kg, then 3 000 per started 500 g;
# national 30 000 / 38 000 / 50 000, then 6 000.
FEES = [
    ("local", 1, 18_000),
    ("local", 500, 18_000),
    ("local", 501, 22_000),
    ("local", 1000, 22_000),
    ("local", 2000, 28_000),
    ("local", 2001, 31_000),
    ("local", 2500, 31_000),
    ("local", 2501, 34_000),
    ("national", 500, 30_000),
    ("national", 1500, 50_000),
    ("national", 3000, 62_000),
]


@pytest.mark.parametrize(("area", "grams", "fee"), FEES)
def test_the_dev_price_list(area, grams, fee):
    assert prices.PriceList.load().fee(area, grams) == fee


@pytest.mark.parametrize(
    ("area", "grams"),
    [("moon", 500), ("local", 0), ("local", -1), ("local", 30_001), ("local", 10**12)],
)
def test_no_price_outside_the_list(area, grams):
    with pytest.raises(prices.NoPrice):
        prices.PriceList.load().fee(area, grams)
