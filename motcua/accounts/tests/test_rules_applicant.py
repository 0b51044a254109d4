"""What an applicant signed in with their own account may do to a dossier, written out by
hand from the rules (/shared/domain/vn-one-stop-rules.md, "Life of a dossier" N) and
checked against `dossiers.permissions` on real dossiers: changing who may supplement or
ask to stop in the code makes a row here fail."""

import pytest

from motcua.accounts.tests.factories import dossier_of, make_citizen, second_citizen
from motcua.dossiers import permissions
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
A, S = Action, Status
RULE = "vn-one-stop-rules.md, Life of a dossier"

# Who (the applicant themselves, another citizen, the desk officer where the dossier is),
# the dossier's status, the action, allowed?, source.
SUPPLEMENT_BY_LAW = [
    ("applicant", S.AWAITING_SUPPLEMENT, True, f"{RULE} 4: the applicant supplements"),
    ("applicant", S.INCOMPLETE, True, f"{RULE} 1: the applicant completes an online dossier"),
    ("other citizen", S.AWAITING_SUPPLEMENT, False, "only the applicant answers for a dossier"),
    ("other citizen", S.INCOMPLETE, False, "only the applicant answers for a dossier"),
    ("desk", S.AWAITING_SUPPLEMENT, True, f"{RULE} 4: a supplement brought to the counter"),
]

# Every other action of the life cycle is the officers': never the applicant's own.
OFFICERS_ONLY = [
    (A.RECEIVE, S.SUBMITTED, f"{RULE} 1: the desk receives"),
    (A.REQUEST_SUPPLEMENT, S.RECEIVED, f"{RULE} 4: the competent unit asks"),
    (A.FORWARD, S.RECEIVED, f"{RULE} 2: the desk transfers"),
    (A.APPROVE, S.PROCESSING, f"{RULE} 3: the leader's step"),
    (A.COMPLETE, S.PROCESSING, f"{RULE} 6: the leader signs the result"),
    (A.RETURN_RESULT, S.RESULT_READY, f"{RULE} 6: the desk returns the result"),
    (A.REFUSE, S.PROCESSING, f"{RULE} 1: refusal with reasons by the agency"),
    (A.WITHDRAW, S.PROCESSING, f"{RULE} 7: the desk issues the stop notice"),
    (A.APOLOGISE, S.PROCESSING, f"{RULE} 5: the agency apologises"),
    (A.CLOSE, S.AWAITING_SUPPLEMENT, f"{RULE} 4: closed when not supplemented"),
    (A.HAND_OVER, S.PROCESSING, f"{RULE} 8: between agencies"),
]

# Asking to stop: the applicant, while no decision or result exists (rule 7).
STOP_REQUEST_BY_LAW = [
    (S.SUBMITTED, True, f"{RULE} 7: no decision yet"),
    (S.INCOMPLETE, True, f"{RULE} 7: no decision yet"),
    (S.RECEIVED, True, f"{RULE} 7: no decision yet"),
    (S.PROCESSING, True, f"{RULE} 7: no decision yet"),
    (S.AWAITING_SUPPLEMENT, True, f"{RULE} 7: no decision yet"),
    (S.RESULT_READY, False, f"{RULE} 7: a result exists"),
    (S.RETURNED, False, f"{RULE} 7: a result exists"),
    (S.REFUSED, False, f"{RULE} 7: decided (refused)"),
    (S.WITHDRAWN, False, f"{RULE} 7: already stopped"),
    (S.CLOSED, False, f"{RULE} 4: already closed"),
]


@pytest.fixture
def case(province):
    account = make_citizen()
    dossier = dossier_of(province, account)
    users = {
        "applicant": account.user,
        "other citizen": second_citizen().user,
        "desk": province.officer("justice", Role.DESK_OFFICER),
    }
    return dossier, users


@pytest.mark.parametrize("who, status, allowed, source", SUPPLEMENT_BY_LAW)
def test_who_supplements(case, who, status, allowed, source):
    dossier, users = case
    dossier.status = status
    assert permissions.can(users[who], A.SUPPLEMENT, dossier) is allowed, source


@pytest.mark.parametrize("action, status, source", OFFICERS_ONLY)
def test_the_applicant_takes_no_officers_action(case, action, status, source):
    dossier, users = case
    dossier.status = status
    assert not permissions.can(users["applicant"], action, dossier), source


@pytest.mark.parametrize("status, allowed, source", STOP_REQUEST_BY_LAW)
def test_when_the_applicant_may_ask_to_stop(case, status, allowed, source):
    dossier, users = case
    dossier.status = status
    assert permissions.may_request_stop(users["applicant"], dossier) is allowed, source
    assert not permissions.may_request_stop(users["other citizen"], dossier), source
    assert not permissions.may_request_stop(users["desk"], dossier), source


def test_the_applicant_acts_online_only_to_supplement():
    # Rule 4: the applicant supplements; rule 7: the desk, not the applicant, stops.
    assert {A.SUPPLEMENT} == permissions.APPLICANT_ACTIONS


def test_own_dossiers_are_the_accounts(province):
    account, other = make_citizen(), second_citizen()
    mine, theirs = dossier_of(province, account), dossier_of(province, other)
    assert list(permissions.own_dossiers(account.user)) == [mine]
    assert list(permissions.own_dossiers(other.user)) == [theirs]
    officer = province.officer("justice", Role.DESK_OFFICER)
    assert not permissions.own_dossiers(officer).exists()
