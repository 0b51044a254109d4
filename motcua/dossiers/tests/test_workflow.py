import pytest

from motcua.dossiers.codes import format_code, parse_code
from motcua.dossiers.workflow import (
    FINAL,
    NEW,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed,
    transition,
)

S, A = Status, Action

# The journeys the law describes, step by step.
JOURNEYS = [
    (
        "counter dossier returned",
        [
            (NEW, A.RECEIVE, S.RECEIVED),
            (S.RECEIVED, A.FORWARD, S.PROCESSING),
            (S.PROCESSING, A.APPROVE, S.PROCESSING),
            (S.PROCESSING, A.COMPLETE, S.RESULT_READY),
            (S.RESULT_READY, A.RETURN_RESULT, S.RETURNED),
        ],
    ),
    (
        "online dossier completed before receipt",
        [
            (NEW, A.SUBMIT, S.SUBMITTED),
            (S.SUBMITTED, A.REQUEST_SUPPLEMENT, S.INCOMPLETE),
            (S.INCOMPLETE, A.SUPPLEMENT, S.SUBMITTED),
            (S.SUBMITTED, A.RECEIVE, S.RECEIVED),
        ],
    ),
    (
        "supplement after receipt",
        [
            (S.PROCESSING, A.REQUEST_SUPPLEMENT, S.AWAITING_SUPPLEMENT),
            (S.AWAITING_SUPPLEMENT, A.SUPPLEMENT, S.PROCESSING),
        ],
    ),
    ("refused", [(S.PROCESSING, A.REFUSE, S.REFUSED)]),
    ("withdrawn", [(S.PROCESSING, A.WITHDRAW, S.WITHDRAWN)]),
    ("late apology", [(S.PROCESSING, A.APOLOGISE, S.PROCESSING)]),
]


@pytest.mark.parametrize(("name", "steps"), JOURNEYS)
def test_journeys(name, steps):
    for before, action, after in steps:
        assert transition(before, action).after == after


@pytest.mark.parametrize("status", [NEW, *Status])
@pytest.mark.parametrize("action", list(Action))
def test_every_pair_is_either_in_the_table_or_refused(status, action):
    if status in TRANSITIONS[action]:
        assert transition(status, action).after == TRANSITIONS[action][status]
        assert action in allowed(status)
    else:
        with pytest.raises(IllegalTransition):
            transition(status, action)
        assert action not in allowed(status)


@pytest.mark.parametrize("status", sorted(FINAL))
def test_nothing_happens_to_a_finished_dossier(status):
    assert allowed(status) == []


def test_clock_pauses_only_for_a_supplement_after_receipt():
    assert transition(S.PROCESSING, A.REQUEST_SUPPLEMENT).pauses_clock
    assert transition(S.AWAITING_SUPPLEMENT, A.SUPPLEMENT).resumes_clock
    assert not transition(S.SUBMITTED, A.REQUEST_SUPPLEMENT).pauses_clock
    assert transition(S.RESULT_READY, A.RETURN_RESULT).finishes


def test_dossier_codes_round_trip():
    from datetime import date

    code = format_code("000.00.37.H40", date(2026, 2, 12), 1)
    assert code == "000.00.37.H40-260212-0001"
    assert parse_code(code.lower()) == ("000.00.37.H40", date(2026, 2, 12), 1)
    assert format_code("000.00.37.H40", date(2026, 2, 12), 12345).endswith("-12345")
    with pytest.raises(ValueError):
        parse_code("000.00.37.H40-2602-1")
    with pytest.raises(ValueError):
        format_code("A", date(2026, 1, 1), 0)


@pytest.mark.parametrize(
    ("identifier", "scheme"),
    [
        # rules file, "Dossier code": the 2018–2020 records and a 2026 provincial code
        ("000.00.37.H40", "qcvn-102-2016"),
        ("H15.50.05.13", "qd-20-2020"),
        ("H40.1", None),
        ("000.00.37.H40" + ".01" * 10, None),  # longer than 35 characters
    ],
)
def test_agency_identifier_schemes(identifier, scheme):
    from motcua.dossiers.codes import identifier_scheme

    assert identifier_scheme(identifier) == scheme


def test_a_2026_provincial_code_and_a_long_sequence():
    from datetime import date

    assert parse_code("H15.50.05.13-261008-0975") == ("H15.50.05.13", date(2026, 10, 8), 975)
    assert format_code("H15.50.05.13", date(2026, 10, 8), 10000) == "H15.50.05.13-261008-10000"
    with pytest.raises(ValueError):  # year 1 would print as "01": refused, never ambiguous
        format_code("H15.50.05.13", date(1, 1, 1), 1)
