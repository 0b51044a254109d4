"""What one dossier adds to the fact table (stats/factcore.py), against cases worked out by
hand from docs/statistics.md, and against a day-by-day count for any history."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.stats import factcore as fc
from motcua.stats.factcore import Request, Snapshot


def snap(**kw) -> Snapshot:
    base = {"agency": 1, "procedure": 7, "channel": "counter"}
    return Snapshot(**{**base, **kw})


def overdue_days(s: Snapshot, first: date, last: date) -> set[date]:
    """The days at whose end the stored deltas say "overdue" (their running sum)."""
    deltas = dict(fc.overdue_deltas(s))
    days, running, day = set(), 0, first
    while day <= last:
        running += deltas.get(day, 0)
        assert running in (0, 1)
        if running:
            days.add(day)
        day += timedelta(days=1)
    return days


def span(a: date, b: date) -> set[date]:
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


MAR = date(2025, 3, 1)


def d(day: int, month: int = 3) -> date:
    return date(2025, month, day)


def test_received_and_finished_on_time_add_a_receipt_and_an_outcome():
    s = snap(received=d(3), finished=d(7), outcome=fc.ON_TIME, seconds=3600, deadline=d(10))
    assert fc.contribution(s) == {
        (1, 7, "counter", False, False, False, fc.RECEIVED, d(3)): (1, 0),
        (1, 7, "counter", False, False, False, fc.ON_TIME, d(7)): (1, 3600),
    }


def test_not_received_adds_nothing():
    assert fc.contribution(snap(received=None, deadline=d(10))) == {}
    assert fc.contribution(None) == {}


def test_overdue_from_the_day_after_the_deadline_until_the_finish():
    # Deadline Monday 10 March: on the 10th it is still within; overdue at the end of the
    # 11th .. 13th; finished late on Friday 14th: no longer in progress at the end of the 14th.
    s = snap(received=d(3), deadline=d(10), finished=d(14), outcome=fc.LATE)
    assert overdue_days(s, MAR, d(31)) == span(d(11), d(13))
    assert fc.overdue_deltas(s) == [(d(11), 1), (d(14), -1)]


def test_open_and_overdue_stays_overdue():
    s = snap(received=d(3), deadline=d(10))
    assert fc.overdue_deltas(s) == [(d(11), 1)]


def test_a_supplement_pauses_and_the_new_deadline_counts_from_then_on():
    # Deadline 10 Mar; supplement asked 5 Mar (kept deadline 10 Mar), supplemented 7 Mar,
    # the time limit restarts: deadline 14 Mar. Never overdue before the 15th.
    s = snap(
        received=d(3),
        deadline=d(14),
        requests=(Request(d(5), d(7), d(10)),),
    )
    assert overdue_days(s, MAR, d(20)) == span(d(15), d(20))


def test_a_later_supplement_does_not_rewrite_the_days_already_overdue():
    # Deadline 10 Mar passed; overdue at the end of 11 Mar; a (late) request on 12 Mar
    # stops the clock; supplemented 14 Mar with a new deadline of 21 Mar.
    s = snap(
        received=d(3),
        deadline=d(21),
        requests=(Request(d(12), d(14), d(10)),),
    )
    assert overdue_days(s, MAR, d(31)) == {d(11)} | span(d(22), d(31))


def test_awaiting_a_supplement_is_never_overdue():
    s = snap(received=d(3), deadline=d(10), requests=(Request(d(5), None, d(10)),))
    assert fc.overdue_deltas(s) == []


def test_finished_on_the_day_of_receipt_is_never_in_progress():
    s = snap(received=d(3), finished=d(3), outcome=fc.OTHER, deadline=d(3))
    assert fc.overdue_deltas(s) == []
    assert fc.contribution(s)[(1, 7, "counter", False, False, False, fc.OTHER, d(3))] == (1, 0)


def test_other_outcomes_carry_no_handling_time():
    s = snap(received=d(3), finished=d(4), outcome=fc.OTHER, seconds=999, deadline=d(10))
    assert fc.contribution(s)[(1, 7, "counter", False, False, False, fc.OTHER, d(4))] == (1, 0)


def test_diff_moves_a_dossier_between_dimensions():
    before = fc.contribution(snap(received=d(3), deadline=d(10)))
    after = fc.contribution(snap(received=d(3), deadline=d(10), multi=True))
    changes = fc.diff(before, after)
    assert changes[(1, 7, "counter", False, False, False, fc.RECEIVED, d(3))] == (-1, 0)
    assert changes[(1, 7, "counter", False, False, True, fc.RECEIVED, d(3))] == (1, 0)
    assert fc.diff(after, after) == {}


def test_dump_and_load_round_trip_as_json_text():
    facts = fc.contribution(
        snap(received=d(3), finished=d(20), outcome=fc.LATE, seconds=5, deadline=d(10))
    )
    assert fc.load(fc.dump(facts)) == facts


# --- any history: the deltas say what a day-by-day reading of the rules says ----------------

day_offsets = st.integers(min_value=0, max_value=60)


@st.composite
def histories(draw):
    received = date(2025, 1, 1) + timedelta(days=draw(day_offsets))
    deadline = received + timedelta(days=draw(st.integers(0, 20)))
    requests, cursor = [], received
    for _ in range(draw(st.integers(0, 3))):
        asked = cursor + timedelta(days=draw(st.integers(0, 15)))
        ended = (
            None if draw(st.booleans()) and not requests else asked + timedelta(draw(day_offsets))
        )
        requests.append(Request(asked, ended, deadline))
        if ended is None:
            break
        deadline = ended + timedelta(days=draw(st.integers(0, 20)))
        cursor = ended
    finished = None
    if draw(st.booleans()):
        finished = cursor + timedelta(days=draw(st.integers(0, 40)))
    return snap(
        received=received,
        finished=finished,
        outcome=fc.LATE if finished else None,
        deadline=deadline,
        requests=tuple(requests),
    )


def by_hand(s: Snapshot, day: date) -> bool:
    """docs/statistics.md read literally for the end of `day`."""
    if day < s.received or (s.finished is not None and s.finished <= day):
        return False
    for r in s.requests:
        if r.requested <= day and (r.ended is None or r.ended > day):
            return False  # awaiting a supplement
    later = [r for r in s.requests if r.requested > day]
    deadline = later[0].deadline_before if later else s.deadline
    return deadline < day


@settings(max_examples=300, deadline=None)
@given(histories())
def test_deltas_sum_to_the_day_by_day_reading(s):
    first, last = date(2024, 12, 1), date(2025, 12, 31)
    expected = {day for day in span(first, last) if by_hand(s, day)}
    assert overdue_days(s, first, last) == expected


# --- which stored rows cover a range of days ---------------------------------------------------


def covered(segments, first_day: date) -> list[date]:
    """Every day the rows of `segments` stand for, in order (duplicates kept)."""
    out = []
    for grain, first, last in segments:
        key = first or first_day
        while key <= last:
            if grain == fc.YEAR:
                out += sorted(span(max(key, first_day), date(key.year, 12, 31)))
                key = date(key.year + 1, 1, 1)
            elif grain == fc.MONTH:
                out += sorted(span(key, fc.month_end(key)))
                key = fc.month_end(key) + timedelta(days=1)
            else:
                out.append(key)
                key += timedelta(days=1)
    return out


def test_segments_at_the_first_days_there_are():
    # Nothing stands before 1 January of year 1: the days from it, by hand.
    assert fc.segments(None, date(1, 3, 15)) == [
        (fc.MONTH, date(1, 1, 1), date(1, 2, 1)),
        (fc.DAY, date(1, 3, 1), date(1, 3, 15)),
    ]
    assert fc.segments(None, date(1, 1, 10), years=False) == [
        (fc.DAY, date(1, 1, 1), date(1, 1, 10))
    ]
    assert fc.segments(None, date(1, 12, 31)) == [(fc.YEAR, None, date(1, 1, 1))]
    assert fc.stock_segments(date(1, 6, 30), None) == fc.segments(None, date(1, 6, 30))


def test_segments_by_hand():
    assert fc.segments(date(2025, 2, 11), date(2025, 3, 19)) == [
        (fc.DAY, date(2025, 2, 11), date(2025, 3, 19))
    ]
    assert fc.segments(date(2024, 12, 20), date(2026, 2, 3)) == [
        (fc.DAY, date(2024, 12, 20), date(2024, 12, 31)),
        (fc.YEAR, date(2025, 1, 1), date(2025, 1, 1)),
        (fc.MONTH, date(2026, 1, 1), date(2026, 1, 1)),
        (fc.DAY, date(2026, 2, 1), date(2026, 2, 3)),
    ]
    assert fc.segments(None, date(2025, 3, 31)) == [
        (fc.YEAR, None, date(2024, 1, 1)),
        (fc.MONTH, date(2025, 1, 1), date(2025, 3, 1)),
    ]
    assert fc.segments(None, date(9999, 12, 31)) == [(fc.YEAR, None, date(9999, 1, 1))]
    assert fc.segments(date(1, 1, 1), date(1, 1, 1)) == [(fc.DAY, date(1, 1, 1), date(1, 1, 1))]


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    st.integers(0, 1200),
    st.booleans(),
)
def test_segments_cover_each_day_once(lo, length, from_start):
    hi = lo + timedelta(days=length)
    start = date(2010, 1, 1)
    segments = fc.segments(None if from_start else lo, hi)
    expected = sorted(span(start if from_start else lo, hi))
    assert covered(segments, start) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    st.integers(0, 800),
    st.booleans(),
)
def test_segments_by_month_never_use_year_rows(lo, length, from_start):
    hi = lo + timedelta(days=length)
    start = date(2010, 1, 1)
    segments = fc.segments(None if from_start else lo, hi, years=False)
    assert fc.YEAR not in {grain for grain, _, _ in segments}
    expected = sorted(span(start if from_start else lo, hi))
    assert covered(segments, start) == expected


# --- opening balances ------------------------------------------------------------------------

STOCK_BY_HAND = [
    # kind of a fact → (the stock it moves, which way), docs/statistics.md "Fact table"
    ("received", ("open", 1)),  # a receipt opens a dossier
    ("early", ("open", -1)),  # a finish closes it, whatever its timeliness
    ("on_time", ("open", -1)),
    ("late", ("open", -1)),
    ("other", ("open", -1)),  # withdrawn, stopped, refused, closed unsupplemented
    ("overdue", ("overdue", 1)),  # the deltas are the overdue stock's own moves
    ("open", ("open", 1)),  # an opening balance is its stock
    ("charged", None),  # the payment marks move no stock
    ("paid_online", None),
]


@pytest.mark.parametrize(("kind", "expected"), STOCK_BY_HAND)
def test_each_kind_moves_one_stock(kind, expected):
    assert fc.stock_of(kind) == expected
    assert fc.sign(kind) == (expected[1] if expected and expected[0] == "open" else 0)


def test_payment_marks_sit_on_the_day_of_receipt():
    base = dict(agency=1, procedure=2, channel="online", received=date(2025, 3, 3))
    dims = (1, 2, "online", False, False, False)
    assert (*dims, "charged", date(2025, 3, 3)) not in fc.contribution(Snapshot(**base))
    owes = fc.contribution(Snapshot(**base, charged=True))
    assert owes[(*dims, "charged", date(2025, 3, 3))] == (1, 0)
    assert (*dims, "paid_online", date(2025, 3, 3)) not in owes
    paid = fc.contribution(Snapshot(**base, charged=True, paid_online=True))
    assert paid[(*dims, "paid_online", date(2025, 3, 3))] == (1, 0)
    # Paid online but owing nothing (an exemption after the payment): not counted.
    assert (*dims, "paid_online", date(2025, 3, 3)) not in fc.contribution(
        Snapshot(**base, paid_online=True)
    )


def test_stock_segments_by_hand():
    o = fc.OPENING
    # Opened through 2026: the stocks at the end of 31 Mar 2025 are the openings of 2025
    # plus January to March.
    assert fc.stock_segments(date(2025, 3, 31), 2026) == [
        (o, date(2025, 1, 1), date(2025, 1, 1)),
        (fc.MONTH, date(2025, 1, 1), date(2025, 3, 1)),
    ]
    # The end of a year: the next year's openings alone.
    assert fc.stock_segments(date(2024, 12, 31), 2026) == [(o, date(2025, 1, 1), date(2025, 1, 1))]
    # 1 January: the openings and that one day.
    assert fc.stock_segments(date(2025, 1, 1), 2025) == [
        (o, date(2025, 1, 1), date(2025, 1, 1)),
        (fc.DAY, date(2025, 1, 1), date(2025, 1, 1)),
    ]
    # A year not opened yet, or no openings at all: every row from the beginning.
    assert fc.stock_segments(date(2026, 12, 31), 2026) == fc.segments(None, date(2026, 12, 31))
    assert fc.stock_segments(date(2025, 3, 31), None) == fc.segments(None, date(2025, 3, 31))
    assert fc.stock_segments(date(9999, 12, 31), 9999) == fc.segments(None, date(9999, 12, 31))


@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.one_of(st.none(), st.integers(min_value=1, max_value=9999)),
)
def test_stock_segments_stand_for_every_day_up_to_hi_once(hi, through):
    segments = fc.stock_segments(hi, through)
    if segments[0][0] != fc.OPENING:
        assert segments == fc.segments(None, hi)
        return
    # The openings of a year opened stand for every day before it; the rest cover the days
    # from 1 January of that year to hi, each once.
    opening = segments[0][1]
    assert segments[0][2] == opening and (opening.month, opening.day) == (1, 1)
    assert opening.year <= through
    days = (hi - opening).days + 1
    assert days in range(366)
    assert covered(segments[1:], opening) == [opening + timedelta(days=i) for i in range(days)]


def test_openings_of_are_the_opened_years_after_the_day():
    assert list(fc.openings_of(date(2024, 5, 1), 2026)) == [2025, 2026]
    assert list(fc.openings_of(date(2026, 5, 1), 2026)) == []
    assert list(fc.openings_of(date(2024, 5, 1), None)) == []


def test_every_kind_fits_the_fact_tables_column():
    from motcua.stats.models import Fact

    width = Fact._meta.get_field("kind").max_length
    assert all(len(kind) <= width for kind in (*fc.KINDS, fc.OPEN))


def test_month_starts_cuts_the_calendar_months_to_the_period():
    # Written out by hand: a leap February, a year's turn, a period inside one month.
    assert fc.month_starts(date(2024, 1, 15), date(2024, 3, 10)) == [
        (date(2024, 1, 15), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 10)),
    ]
    assert fc.month_starts(date(2024, 12, 1), date(2025, 1, 1)) == [
        (date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 1, 1)),
    ]
    assert fc.month_starts(date(2025, 5, 3), date(2025, 5, 4)) == [
        (date(2025, 5, 3), date(2025, 5, 4))
    ]
