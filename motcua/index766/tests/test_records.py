"""The index from real dossiers made through motcua.dossiers.services, hand-computed
(rules file, "Life of a dossier" 4 and 6, "Counting time", "QĐ 766/QĐ-TTg index")."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.dossiers.tests.factories import APPLICANT, PDF, make_province
from motcua.dossiers.workflow import Action as A
from motcua.index766 import indicators
from motcua.index766.indicators import Period
from motcua.org.constants import Role as R

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))


def at(*args):
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def province(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_province()


def receive(province, when, documents=None, channel=Channel.COUNTER):
    desk = province.officer("justice", R.DESK_OFFICER)
    d = services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=channel,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=documents or province.documents(),
        received_at=when,
    )
    return services.act(d, A.FORWARD, desk, at=when + timedelta(hours=1))


def ask(province, d, when, reason=""):
    return services.act(
        d,
        A.REQUEST_SUPPLEMENT,
        province.officer("justice", R.SPECIALIST),
        at=when,
        comment="Thiếu bản sao căn cước",
        reason=reason,
    )


def supplement(province, d, when):
    return services.act(d, A.SUPPLEMENT, province.officer("justice", R.DESK_OFFICER), at=when)


def finish(province, d, forward_at, complete_at):
    d = services.act(d, A.FORWARD, province.officer("justice", R.SPECIALIST), at=forward_at)
    return services.act(d, A.COMPLETE, province.officer("justice", R.LEADER), at=complete_at)


@pytest.fixture
def march(province):
    """Four dossiers of Sở Tư pháp (time limit 5 working days), March 2025:

    A: received Mon 3/3 10:00, two supplement requests (4→5/3 and 6→7/3, 10:00 each),
       signed Mon 10/3 9:00: before its deadline (restarted to 14/3) but late for the
       index (more than one request).
    B: received 3/3 10:00, one request 4/3 → 6/3 10:00, signed Fri 7/3 10:00: on time.
    C: received 3/3 10:00, still open on 31/3, deadline 10/3: overdue.
    D: received Mon 24/3 10:00, awaiting a supplement since 25/3: within.
    """
    a = receive(province, at(2025, 3, 3, 10, 0))
    a = ask(province, a, at(2025, 3, 4, 10, 0))
    a = supplement(province, a, at(2025, 3, 5, 10, 0))
    a = ask(province, a, at(2025, 3, 6, 10, 0), reason="Giấy tờ bổ sung bị tẩy xóa")
    a = supplement(province, a, at(2025, 3, 7, 10, 0))
    a = finish(province, a, at(2025, 3, 7, 14, 0), at(2025, 3, 10, 9, 0))
    b = receive(province, at(2025, 3, 3, 10, 0))
    b = ask(province, b, at(2025, 3, 4, 10, 0))
    b = supplement(province, b, at(2025, 3, 6, 10, 0))
    b = finish(province, b, at(2025, 3, 6, 11, 0), at(2025, 3, 7, 10, 0))
    c = receive(province, at(2025, 3, 3, 10, 0))
    d = receive(province, at(2025, 3, 24, 10, 0))
    d = ask(province, d, at(2025, 3, 25, 10, 0))
    return {"A": a, "B": b, "C": c, "D": d}


def rows(report):
    return {r["key"]: r for g in report["groups"] for r in g["indicators"]}


def test_a_dossier_with_two_requests_is_late_even_if_finished_before_its_deadline(march):
    a = march["A"]
    assert a.supplement_count == 2
    assert a.deadline_at == at(2025, 3, 14, 10, 0)  # restarted after the second supplement
    assert a.timeliness == "early"  # for the applicant's view; the index says late
    row = rows(indicators.build(None, MARCH))["on_time"]
    # Of the period: A, B (finished in March), C, D (open on 31/3). On time: B, and D
    # (awaiting a supplement counts as within). 2/4 = 50% of 100%: 5 of 10 points.
    assert (row["numerator"], row["denominator"], row["rate"]) == (2, 4, D("50.00"))
    assert row["points"] == D("5.00")
    missed = indicators.drilldown("on_time", MARCH, None, "missed")
    assert sorted(x.code for x in missed) == sorted([march["A"].code, march["C"].code])


def test_the_supplement_interval_is_not_counted_in_handling_time(march):
    row = rows(indicators.build(None, MARCH))["handling_time"]
    # A: 3/3 10:00 → 10/3 9:00 is 5 working days less an hour (39 h), less the two
    #    intervals of one working day each (16 h): 23 h.
    # B: 3/3 10:00 → 7/3 10:00 is 32 h, less 4/3 → 6/3 (16 h): 16 h.
    # Average (23 + 16) / 2 = 19.5 h = 2.4375 working days → 2.44, within 5 days.
    assert row["detail"] == [
        {
            "procedure": march["A"].procedure.code,
            "name": march["A"].procedure.name,
            "dossiers": 2,
            "average_days": D("2.44"),
            "limit_days": D(5),
            "within": True,
        }
    ]
    assert (row["numerator"], row["denominator"], row["points"]) == (1, 1, D("10.00"))


def test_a_dossier_finished_after_the_period_was_open_at_its_end(march):
    early_march = Period(date(2025, 3, 1), date(2025, 3, 6))
    row = rows(indicators.build(None, early_march))["on_time"]
    # On 6/3: A (one request so far, paused 6/3 10:00), B (paused 4→6/3, deadline
    # restarted to 13/3), C (deadline 10/3) are open and within; D not yet received.
    # A's second request, made later, still makes it late: 2/3.
    assert (row["numerator"], row["denominator"]) == (2, 3)


def test_satisfaction_uses_the_late_rate_and_says_the_complaints_are_missing(march):
    row = rows(indicators.build(None, MARCH))["handling_satisfaction"]
    # 100% − 50% late = 50% against 90%: 50 × 6 / 90 = 3.33.
    assert row["rate"] == D("50.00") and row["points"] == D("3.33")
    assert row["status"] == "ok" and row["fed_by"] == "Feedback and complaints (PAKN)"


def test_online_and_digitised_shares(province):
    scan = [{**doc, "file": SimpleUploadedFile("scan.pdf", PDF)} for doc in province.documents()]
    receive(province, at(2025, 3, 3, 10, 0), documents=scan)  # every paper scanned
    half = province.documents()
    half[0]["file"] = SimpleUploadedFile("scan.pdf", PDF)
    receive(province, at(2025, 3, 4, 10, 0), documents=half)  # one paper not scanned
    receive(province, at(2025, 3, 5, 10, 0))  # nothing scanned
    desk = province.officer("justice", R.DESK_OFFICER)
    online = services.submit(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.ONLINE,
        desk=desk.posts.get().desk,
        documents=province.documents(),
        received_at=at(2025, 3, 6, 9, 0),
    )
    services.act(online, A.RECEIVE, desk, at=at(2025, 3, 6, 10, 0))
    receive(province, at(2025, 4, 1, 10, 0), documents=scan)  # outside the period
    report = rows(indicators.build(None, MARCH))
    # Online: 1 of 4 received in March (the procedure is level 3, so offered online):
    # 25% of a 50% target: 25 × 4.4 / 50 = 2.20.
    row = report["online_dossiers"]
    assert (row["numerator"], row["denominator"], row["points"]) == (1, 4, D("2.20"))
    # Digitised: 1 of 4; 25 × 4.4 / 80 = 1.375 → 1.38.
    row = report["digitised"]
    assert (row["numerator"], row["denominator"], row["points"]) == (1, 4, D("1.38"))
    # The procedure is offered online and got an online dossier.
    assert (report["offered_online"]["numerator"], report["offered_online"]["denominator"]) == (
        1,
        1,
    )
    assert report["online_used"]["points"] == D("4.40")


def test_an_agency_sees_only_its_own_dossiers(march, province):
    assert rows(indicators.build(province.health, MARCH))["on_time"]["denominator"] == 0
    assert rows(indicators.build(province.justice, MARCH))["on_time"]["denominator"] == 4


def test_few_queries_whatever_the_number_of_dossiers(march, django_assert_max_num_queries):
    # 8, 2 for the payment indicators (the dossiers that owe fees; the procedures), and a
    # second for the data store's (the reused papers; the linked dossiers), each counted
    # from its own few rows rather than over every dossier of the period.
    with django_assert_max_num_queries(11):
        indicators.build(None, MARCH)
