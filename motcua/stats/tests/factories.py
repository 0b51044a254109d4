"""Two months of dossiers (February and March 2025) at the test province's Sở Tư pháp, and
one at Sở Y tế, driven through the services with `at=` instants; each dossier's expected
place in Biểu 06a is written next to it, by hand, from docs/statistics.md."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.dossiers.tests.factories import APPLICANT, make_province
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role

VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role
FEB = (date(2025, 2, 1), date(2025, 2, 28))
MAR = (date(2025, 3, 1), date(2025, 3, 31))


def at(*args):
    return datetime(*args, tzinfo=VN)


@dataclass
class Scenario:
    province: object
    dossiers: dict  # name -> Dossier
    health_procedure: object


def _receive(province, when, channel=Channel.COUNTER):
    desk = province.officer("justice", R.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=channel,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=province.documents(),
        received_at=when,
    )


def _forward(province, d, when):
    return services.act(d, A.FORWARD, province.officer("justice", R.DESK_OFFICER), at=when)


def _complete(province, d, when):
    d = services.act(d, A.FORWARD, province.officer("justice", R.SPECIALIST), at=when)
    return services.act(d, A.COMPLETE, province.officer("justice", R.LEADER), at=when)


def _ask(province, d, when):
    return services.act(
        d,
        A.REQUEST_SUPPLEMENT,
        province.officer("justice", R.SPECIALIST),
        at=when,
        comment="Thiếu bản sao căn cước",
    )


def build_scenario() -> Scenario:
    p = make_province()
    desk = p.officer("justice", R.DESK_OFFICER)
    d = {}
    # February. The time limit is 5 working days.
    # d1: received 3 Feb, finished 5 Feb (deadline 10 Feb): early; returned 6 Feb.
    d1 = _forward(p, _receive(p, at(2025, 2, 3, 9)), at(2025, 2, 3, 10))
    d1 = _complete(p, d1, at(2025, 2, 5, 10))
    d["d1"] = services.act(d1, A.RETURN_RESULT, desk, at=at(2025, 2, 6, 9))
    # d2: online, received 10 Feb 9:00, deadline 17 Feb 9:00, finished 17 Feb 16:00: on time.
    d2 = _forward(p, _receive(p, at(2025, 2, 10, 9), Channel.ONLINE), at(2025, 2, 10, 10))
    d["d2"] = _complete(p, d2, at(2025, 2, 17, 16))
    # d3: received 17 Feb, deadline 24 Feb, finished 28 Feb: late.
    d3 = _forward(p, _receive(p, at(2025, 2, 17, 9)), at(2025, 2, 17, 10))
    d["d3"] = _complete(p, d3, at(2025, 2, 28, 10))
    # d4: received 24 Feb, deadline 3 Mar: within at the end of February (carried over);
    # finished 3 Mar 15:00, the deadline's date: on time in March.
    d["d4"] = _forward(p, _receive(p, at(2025, 2, 24, 9)), at(2025, 2, 24, 10))
    # d5: received 10 Feb, a supplement asked 11 Feb: paused, so within at the end of
    # February although its first deadline (17 Feb) passed. Supplemented 3 Mar 10:00: the
    # time limit restarts (deadline 10 Mar); open at the end of March: overdue.
    d5 = _forward(p, _receive(p, at(2025, 2, 10, 9)), at(2025, 2, 10, 10))
    d["d5"] = _ask(p, d5, at(2025, 2, 11, 10))
    # d6: received 12 Feb, stopped on the applicant's request 13 Feb: other.
    d6 = _forward(p, _receive(p, at(2025, 2, 12, 9)), at(2025, 2, 12, 10))
    d["d6"] = services.act(
        d6, A.WITHDRAW, desk, at=at(2025, 2, 13, 9), comment="Đơn xin dừng ngày 13/2"
    )
    # d7: received 14 Feb, deadline 21 Feb: overdue at the end of February; refused by the
    # leader 5 Mar: other in March.
    d["d7"] = _forward(p, _receive(p, at(2025, 2, 14, 9)), at(2025, 2, 14, 10))
    # March.
    d["d4"] = _complete(p, d["d4"], at(2025, 3, 3, 15))
    d["d5"] = services.act(d["d5"], A.SUPPLEMENT, desk, at=at(2025, 3, 3, 10))
    d["d7"] = services.act(
        d["d7"],
        A.REFUSE,
        p.officer("justice", R.LEADER),
        at=at(2025, 3, 5, 9),
        comment="Không đủ điều kiện",
    )
    # d8: online, received 10 Mar, deadline 17 Mar, open at the end of March: overdue.
    d["d8"] = _receive(p, at(2025, 3, 10, 9), Channel.ONLINE)
    # d9: received 28 Mar, deadline 4 Apr: within at the end of March.
    d["d9"] = _receive(p, at(2025, 3, 28, 9))
    # d10: received 3 Mar, supplement asked 4 Mar, closed unsupplemented 25 Mar: other.
    d10 = _forward(p, _receive(p, at(2025, 3, 3, 9)), at(2025, 3, 3, 10))
    d10 = _ask(p, d10, at(2025, 3, 4, 10))
    # d11: received 3 Mar, deadline 10 Mar, a supplement asked 5 Mar and still awaited at
    # the end of March: within, although its deadline's date is before 31 Mar (the clock
    # is stopped). Not closed on 25 Mar: 15 working days from 5 Mar end on 26 Mar.
    d11 = _forward(p, _receive(p, at(2025, 3, 3, 9, 30)), at(2025, 3, 3, 10))
    d["d11"] = _ask(p, d11, at(2025, 3, 5, 10))
    services.close_unsupplemented(now=at(2025, 3, 25, 10))
    d10.refresh_from_db()
    d["d10"] = d10
    # Sở Y tế: one dossier received 20 Feb and left open.
    health_procedure = make_procedure(
        name="Cấp chứng chỉ hành nghề dược",
        agency=p.health.code,
        sector={"code": "DUOC", "name": "Dược phẩm"},
    )
    health_desk = p.officer("health", R.DESK_OFFICER)
    d["h1"] = services.receive(
        procedure=health_procedure,
        applicant=dict(APPLICANT),
        channel=Channel.POST,
        actor=health_desk,
        desk=health_desk.posts.get().desk,
        documents=[
            {"required_document": x.pk, "name": x.name, "originals": 1, "copies": 0}
            for x in health_procedure.documents.all()
        ],
        received_at=at(2025, 2, 20, 9),
    )
    for name in d:
        d[name].refresh_from_db()
    return Scenario(p, d, health_procedure)


# By hand, from the comments above: the justice department's numbers.
EXPECTED_JUSTICE = {
    FEB: {
        "online": 1,
        "counter_post": 6,
        "carried_over": 0,
        "early": 1,
        "on_time": 1,
        "late": 1,
        "within": 2,
        "overdue": 1,
        "other": 1,
    },
    MAR: {
        "online": 1,
        "counter_post": 3,
        "carried_over": 3,
        "early": 0,
        "on_time": 1,
        "late": 0,
        "within": 2,
        "overdue": 2,
        "other": 2,
    },
}
MEMBERS = {
    FEB: {
        "online": {"d2"},
        "counter_post": {"d1", "d3", "d4", "d5", "d6", "d7"},
        "carried_over": set(),
        "early": {"d1"},
        "on_time": {"d2"},
        "late": {"d3"},
        "within": {"d4", "d5"},
        "overdue": {"d7"},
        "other": {"d6"},
    },
    MAR: {
        "online": {"d8"},
        "counter_post": {"d9", "d10", "d11"},
        "carried_over": {"d4", "d5", "d7"},
        "early": set(),
        "on_time": {"d4"},
        "late": set(),
        "within": {"d9", "d11"},
        "overdue": {"d5", "d8"},
        "other": {"d7", "d10"},
    },
}


def leaves(entry: dict) -> dict:
    """The nine leaf counts of a JSON row, group or total."""
    out = {}
    for section in ("received", "resolved", "in_progress"):
        out.update({k: v for k, v in entry[section].items() if k != "total"})
    out["other"] = entry["other"]
    return out


def next_day(day: date) -> date:
    return day + timedelta(days=1)


MERGED_ON = date(2025, 4, 1)


def build_merged_scenario() -> Scenario:
    """`build_scenario` with Sở Y tế closed into Sở Tư pháp on 1/4/2025 (the crosswalk
    tests), and a department that has nothing to do with the merger, with its specialist
    (`other`, `other_officer`)."""
    from django.contrib.auth import get_user_model

    from motcua.org import services as org_services
    from motcua.org.constants import AgencyKind, Level
    from motcua.org.models import Agency

    scenario = build_scenario()
    p = scenario.province
    org_services.close_agency(p.health, p.justice, MERGED_ON, "Quyết định thử nghiệm")
    p.health.refresh_from_db()
    scenario.other = Agency.objects.create(
        code="000.00.03.H40", name="Sở Xây dựng", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    scenario.other_officer = get_user_model().objects.create_user(
        "building.specialist", password="pw-not-used-123"
    )
    org_services.appoint(scenario.other_officer, scenario.other, Role.SPECIALIST)
    return scenario
