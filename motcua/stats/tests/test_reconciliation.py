"""The reconciliation report (/reports/reconciliation/), stale dossiers first in the
officer's queue and the leader's discipline figure, on a hand-built March 2025 at the test
province's Sở Tư pháp (time limit 5 working days) and Sở Y tế. Each dossier's expected place
is written next to it, counted by hand on the calendar (07:30–11:30, 13:30–17:30)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog.tests.factories import make_procedure
from motcua.core.numbers import format_vn
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.tests.factories import APPLICANT, make_province
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.stats import reconciliation
from motcua.stats.queries import Period

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role
URL = "/reports/reconciliation/"
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


def at(*args):
    return datetime(*args, tzinfo=VN)


@dataclass
class Scenario:
    province: object
    d: dict


def _receive(p, when, agency="justice", procedure=None):
    desk = p.officer(agency, R.DESK_OFFICER)
    procedure = procedure or p.procedure
    return services.receive(
        procedure=procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=[
            {"required_document": x.pk, "name": x.name, "originals": 1, "copies": 0}
            for x in procedure.documents.all()
        ],
        received_at=when,
    )


def _to_leader(p, when):
    d = _receive(p, when)
    specialist = p.officer("justice", R.SPECIALIST)
    d = services.act(
        d,
        A.FORWARD,
        p.officer("justice", R.DESK_OFFICER),
        at=when + timedelta(hours=1),
        to_user=specialist,
    )
    return services.act(d, A.FORWARD, specialist, at=when + timedelta(hours=2))


def _finish(p, d, happened, entered, reason=""):
    return services.act(
        d,
        A.COMPLETE,
        p.officer("justice", R.LEADER),
        at=happened,
        recorded_at=entered,
        reason=reason,
    )


def _return(p, d, happened, entered, reason=""):
    return services.act(
        d,
        A.RETURN_RESULT,
        p.officer("justice", R.DESK_OFFICER),
        at=happened,
        recorded_at=entered,
        reason=reason,
    )


def build() -> Scenario:
    p = make_province()
    d = {}
    # j1: received Mon 3 Mar 9:00 (deadline Mon 10 Mar 9:00). Finished Thu 6 Mar 10:00,
    # entered Mon 10 Mar 10:00: 2,0 working days late (reason). Returned Fri 7 Mar 9:00,
    # entered Mon 10 Mar 10:30: 6.5 h + 3 h = 1,2 working days late (reason). Early in fact,
    # and entered on the deadline's date: not late on the record either.
    j1 = _to_leader(p, at(2025, 3, 3, 9))
    j1 = _finish(p, j1, at(2025, 3, 6, 10), at(2025, 3, 10, 10), "Quên nhập")
    d["j1"] = _return(p, j1, at(2025, 3, 7, 9), at(2025, 3, 10, 10, 30), "Trả tại quầy")
    # j2: received Mon 3 Mar 9:30 (deadline Mon 10 Mar 9:30). Finished Mon 10 Mar 8:00, on
    # time in fact; entered Wed 12 Mar 9:00 (7.5 + 8 + 1.5 h = 2,1 days, reason): the
    # system showed it overdue on 11 Mar: late on the record only.
    j2 = _to_leader(p, at(2025, 3, 3, 9, 30))
    d["j2"] = _finish(p, j2, at(2025, 3, 10, 8), at(2025, 3, 12, 9), "Mất điện")
    # j3: received Mon 3 Mar 10:00 (deadline Mon 10 Mar 10:00), finished Wed 12 Mar 10:00
    # and entered an hour later: late in fact. Returned Thu 13 Mar 9:00, entered at once.
    j3 = _to_leader(p, at(2025, 3, 3, 10))
    j3 = _finish(p, j3, at(2025, 3, 12, 10), at(2025, 3, 12, 11))
    d["j3"] = _return(p, j3, at(2025, 3, 13, 9), at(2025, 3, 13, 9))
    # j4: received Mon 3 Mar 11:00, at the leader's step since 13:00, nothing more: stale
    # now (processing).
    d["j4"] = _to_leader(p, at(2025, 3, 3, 11))
    # j5: finished in February (outside the period), entered late.
    j5 = _to_leader(p, at(2025, 2, 3, 9))
    d["j5"] = _finish(p, j5, at(2025, 2, 4, 9), at(2025, 2, 10, 9), "Nhập bù")
    # j6: awaiting a supplement since 5 Mar: paused, never stale.
    j6 = _receive(p, at(2025, 3, 4, 9))
    j6 = services.act(j6, A.FORWARD, p.officer("justice", R.DESK_OFFICER), at=at(2025, 3, 4, 10))
    d["j6"] = services.act(
        j6,
        A.REQUEST_SUPPLEMENT,
        p.officer("justice", R.SPECIALIST),
        at=at(2025, 3, 5, 10),
        comment="Thiếu bản sao",
    )
    # h1: Sở Y tế, received 4 Mar and left at its desk: stale now (received).
    health_procedure = make_procedure(
        name="Cấp chứng chỉ hành nghề dược",
        agency=p.health.code,
        sector={"code": "DUOC", "name": "Dược phẩm"},
    )
    d["h1"] = _receive(p, at(2025, 3, 4, 9), "health", health_procedure)
    return Scenario(p, d)


@pytest.fixture(scope="module")
def scenario(module_db):
    return build()


def login(client, scenario, agency, role):
    client.force_login(scenario.province.officer(agency, role))
    return client


def figures(response) -> dict:
    return {f.agency.code: f for f in response.context["rows"]}


# --- The numbers -----------------------------------------------------------------------------


def test_the_report_counts_by_hand(client, scenario):
    response = login(client, scenario, "center", R.SUPERVISOR).get(URL, MARCH)
    assert response.status_code == 200
    p, d = scenario.province, scenario.d
    rows = figures(response)
    assert set(rows) == {p.justice.code, p.health.code}
    justice = rows[p.justice.code]
    # Finishes and returns of March: j1 ×2, j2, j3 ×2 = 5; entered late: j1's two, j2's.
    assert justice.dated == 5
    assert (justice.late_finishes, justice.late_returns) == (2, 1)
    assert justice.discipline == Decimal("40.00")  # 2 of 5 entered in time
    assert justice.late_in_fact == 1  # j3
    assert justice.late_on_record == 1  # j2
    assert [r.code for r in justice.record_only] == [d["j2"].code]
    assert [s.dossier.code for s in justice.stale_rows] == [d["j4"].code]
    entries = {(e.code, e.action): e for e in justice.entries}
    assert set(entries) == {
        (d["j1"].code, A.COMPLETE),
        (d["j1"].code, A.RETURN_RESULT),
        (d["j2"].code, A.COMPLETE),
    }
    finish = entries[d["j1"].code, A.COMPLETE]
    assert finish.happened_at == at(2025, 3, 6, 10) and finish.recorded_at == at(2025, 3, 10, 10)
    assert finish.days == Decimal("2.0") and finish.reason == "Quên nhập"
    assert finish.actor == "justice.leader"
    assert entries[d["j1"].code, A.RETURN_RESULT].days == Decimal("1.2")
    assert entries[d["j2"].code, A.COMPLETE].days == Decimal("2.1")
    health = rows[p.health.code]
    assert health.dated == 0 and health.discipline is None and health.stale == 1
    html = response.content.decode()
    assert "40,00" in html and "Mất điện" in html and d["j4"].code in html


def test_february_has_only_its_own_late_finish(client, scenario):
    response = login(client, scenario, "center", R.SUPERVISOR).get(
        URL, {"from": "2025-02-01", "to": "2025-02-28"}
    )
    justice = figures(response)[scenario.province.justice.code]
    assert (justice.dated, justice.late_finishes, justice.late_returns) == (1, 1, 0)
    assert justice.discipline == Decimal("0.00")
    assert [e.code for e in justice.entries] == [scenario.d["j5"].code]


def test_the_agency_filter_narrows_to_one(client, scenario):
    p = scenario.province
    response = login(client, scenario, "center", R.SUPERVISOR).get(
        URL, {**MARCH, "agency": p.health.code}
    )
    assert set(figures(response)) == {p.health.code}


def test_stale_by_hand_on_the_calendar(scenario):
    """j4 has nothing entered since Mon 3 Mar 13:00 (lunch: counting from 13:30): 3 working
    days are up on Thu 6 Mar at 11:30 (Mon 4 h, Tue 8 h, Wed 8 h, Thu 4 h = 24 h)."""
    j4 = Dossier.objects.filter(pk=scenario.d["j4"].pk)
    assert reconciliation.stale(j4, now=at(2025, 3, 6, 11, 29)) == []
    [row] = reconciliation.stale(j4, now=at(2025, 3, 6, 11, 30))
    assert row.last_entry == at(2025, 3, 3, 13) and row.days == Decimal("3.0")
    # Over a weekend: nothing since Fri 7 Mar 10:00 is stale on Wed 12 Mar 10:00
    # (5.5 + 8 + 8 + 2.5 h), not yet at 9:59.
    assert reconciliation.stale_since(None, at(2025, 3, 12, 10), 3) == at(2025, 3, 7, 10)


def test_stale_is_judged_to_the_minute(scenario):
    """The cutoff is worked out once a minute per agency: within Thu 6 Mar 11:29 the
    dossier is not stale yet, from 11:30:00 it is, whatever the seconds."""
    j4 = Dossier.objects.filter(pk=scenario.d["j4"].pk)
    assert reconciliation.stale(j4, now=at(2025, 3, 6, 11, 29) + timedelta(seconds=59)) == []
    assert len(reconciliation.stale(j4, now=at(2025, 3, 6, 11, 30) + timedelta(seconds=1))) == 1
    assert len(reconciliation.stale(j4, now=at(2025, 3, 6, 11, 30))) == 1


@override_settings(MOTCUA={"STALE_WORKING_DAYS": 10})
def test_the_stale_threshold_is_a_setting(scenario):
    j4 = Dossier.objects.filter(pk=scenario.d["j4"].pk)
    # Mon 3 Mar 13:30 + 10 working days (80 h): Mon 4 h, Tue–Fri 32 h, 10–14 Mar 40 h,
    # Mon 17 Mar 7:30–11:30 4 h: up at 11:30.
    assert reconciliation.stale(j4, now=at(2025, 3, 17, 11, 29)) == []
    assert len(reconciliation.stale(j4, now=at(2025, 3, 17, 11, 30))) == 1


def test_paused_finished_and_unchecked_dossiers_are_never_stale(scenario):
    d = scenario.d
    ids = [d["j1"].pk, d["j2"].pk, d["j3"].pk, d["j6"].pk]
    assert reconciliation.stale(Dossier.objects.filter(pk__in=ids)) == []


def test_the_split_rule_compares_dates():
    deadline = at(2025, 3, 10, 9)
    # Finished in time; entered on the deadline's date (even after its hour): not shown late.
    assert not reconciliation.entered_after_deadline(at(2025, 3, 7), at(2025, 3, 10, 17), deadline)
    assert reconciliation.entered_after_deadline(at(2025, 3, 7), at(2025, 3, 11, 7), deadline)
    assert not reconciliation.entered_after_deadline(at(2025, 3, 7), None, deadline)


# --- Who sees what ------------------------------------------------------------------------------


def test_officers_see_only_their_agency(client, scenario):
    p = scenario.province
    justice = login(client, scenario, "justice", R.SPECIALIST).get(URL, MARCH)
    assert set(figures(justice)) == {p.justice.code}
    health = login(client, scenario, "health", R.DESK_OFFICER).get(URL, MARCH)
    assert set(figures(health)) == {p.health.code}
    html = health.content.decode()
    assert scenario.d["j2"].code not in html and "Mất điện" not in html
    # Asking for the other agency shows nothing of it.
    asked = login(client, scenario, "health", R.LEADER).get(
        URL, {**MARCH, "agency": p.justice.code}
    )
    assert asked.status_code == 200 and figures(asked) == {}
    assert scenario.d["j2"].code not in asked.content.decode()


def test_the_page_needs_a_login_and_is_in_the_menu(client, scenario):
    assert client.get(URL, MARCH).status_code == 302
    page = login(client, scenario, "justice", R.SPECIALIST).get("/office/").content.decode()
    assert f'href="{URL}"' in page


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"from": "2025-03-31", "to": "2025-03-01"},
        {"from": "99999999999999999999"},
        {"to": "2025-02-30"},
        {"agency": "x" * 1000},
        {"agency": "không-có"},
        {"from": "2000-01-01", "to": "2099-12-31"},
    ],
)
def test_hostile_filters_are_a_400_not_a_500(client, scenario, params):
    response = login(client, scenario, "center", R.SUPERVISOR).get(URL, params)
    assert response.status_code == 400


def test_nul_in_a_filter_is_refused(client, scenario):
    response = login(client, scenario, "center", R.SUPERVISOR).get(URL, {"agency": "a\x00b"})
    assert response.status_code == 400


# --- The queue and the leader ---------------------------------------------------------------------


def test_the_officers_own_stale_dossiers_come_first(client, scenario):
    p = scenario.province
    specialist = p.officer("justice", R.SPECIALIST)
    now = timezone.now()
    fresh = _receive(p, now - timedelta(hours=1))
    fresh = services.act(fresh, A.FORWARD, p.officer("justice", R.DESK_OFFICER), to_user=specialist)
    # An old dossier forwarded to the specialist and left: stale.
    old = _receive(p, at(2025, 3, 3, 14))
    old = services.act(
        old,
        A.FORWARD,
        p.officer("justice", R.DESK_OFFICER),
        at=at(2025, 3, 3, 15),
        to_user=specialist,
    )
    client.force_login(specialist)
    response = client.get("/office/", {"sort": "received"})  # newest first: fresh first
    assert [s.dossier.code for s in response.context["stale"]] == [old.code]
    codes = [d.code for d, _ in response.context["rows"]]
    assert codes.index(fresh.code) < codes.index(old.code)
    html = response.content.decode()
    assert html.index(old.code) < html.index(fresh.code)  # the stale block is on top
    assert 'class="pill stale"' in html
    # The block's row: the dossier's procedure, applicant, status and step, the pill, and
    # for how many working days nothing was entered (read as plain values, not models).
    block = html[html.index('class="stale-block"') : html.index("</section>")]
    old.refresh_from_db()
    assert p.procedure.name in block and old.applicant.full_name in block
    assert old.get_status_display() in block and old.current_step.name in block
    days = format_vn(response.context["stale"][0].days)
    assert "Tồn đọng, chưa cập nhật" in block and f"{days} ngày làm việc trước" in block
    # Another officer's queue does not get it in their own block.
    client.force_login(p.officer("justice", R.LEADER))
    assert client.get("/office/").context["stale"] == []
    # Page 2 has no stale block; htmx results keep it.
    client.force_login(specialist)
    assert client.get("/office/", {"page": 2}).context["stale"] == []
    hx = client.get("/office/", {"sort": "received"}, headers={"HX-Request": "true"})
    assert old.code in hx.content.decode()
    # A search lists what it finds, with no block above it; the stale row still says so,
    # and the fresh one does not.
    for q in (old.code, old.applicant.full_name):
        found = client.get("/office/", {"q": q})
        assert found.context["stale"] == [] and 'class="stale-block"' not in found.content.decode()
        marks = {line["code"]: line["stale"] for line in found.context["lines"]}
        assert marks[old.code] is True and marks.get(fresh.code, False) is False
    # The rule switched off (no working day): nothing is marked.
    with override_settings(MOTCUA={**getattr(settings, "MOTCUA", {}), "STALE_WORKING_DAYS": 0}):
        lines = client.get("/office/", {"q": old.code}).context["lines"]
        assert [line["stale"] for line in lines] == [False]
    Dossier.objects.filter(pk__in=[fresh.pk, old.pk]).update(assignee=None)


def test_the_leader_sees_the_units_discipline_figure(client, scenario, monkeypatch):
    monkeypatch.setattr(
        "motcua.stats.forms.default_period", lambda: (date(2025, 3, 1), date(2025, 3, 31))
    )
    page = login(client, scenario, "justice", R.LEADER).get("/office/")
    assert page.context["discipline"]["value"] == Decimal("40.00")
    assert re.search(r'class="discipline-figure">40,00%', page.content.decode())
    assert (
        login(client, scenario, "justice", R.SPECIALIST).get("/office/").context["discipline"]
        is None
    )
    health = login(client, scenario, "health", R.LEADER).get("/office/")
    assert health.context["discipline"]["value"] is None  # nothing finished there in March


def test_the_leaders_figure_is_counted_once_then_kept(client, scenario, monkeypatch):
    monkeypatch.setattr(
        "motcua.stats.forms.default_period", lambda: (date(2025, 3, 1), date(2025, 3, 31))
    )
    leader = login(client, scenario, "justice", R.LEADER)

    def counted(response_queries) -> bool:  # the figure's count of late entries
        return any("late_entry" in q["sql"] for q in response_queries)

    with CaptureQueriesContext(connection) as first:
        assert leader.get("/office/").context["discipline"]["value"] == Decimal("40.00")
    with CaptureQueriesContext(connection) as again:
        assert leader.get("/office/").context["discipline"]["value"] == Decimal("40.00")
    assert counted(first.captured_queries) and not counted(again.captured_queries)
    # Another unit's leader gets their own unit's figure, not the one kept.
    health = login(client, scenario, "health", R.LEADER).get("/office/")
    assert health.context["discipline"]["value"] is None


def test_discipline_over_agencies_together(scenario):
    p = scenario.province
    march = Period(date(2025, 3, 1), date(2025, 3, 31))
    assert reconciliation.discipline(march, frozenset({p.justice.pk})) == Decimal("40.00")
    assert reconciliation.discipline(march, None) == Decimal("40.00")
    assert reconciliation.discipline(march, frozenset({p.health.pk})) is None
