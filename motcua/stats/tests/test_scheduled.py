"""The monthly reports: produced for a finished month over dossiers made through the
services, for the province and for each agency, stored as the live reports computed them,
e-mailed once per province-wide supervisor and once per agency leader with an address;
idempotent, also after a partial run; the task, the command and the stored-report pages,
where an officer sees only the agencies of their posts."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from motcua.core.models import AuditEvent
from motcua.core.numbers import format_vn
from motcua.index766 import indicators
from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.org.models import User
from motcua.outbox.models import Message
from motcua.stats import queries, scheduled, tasks
from motcua.stats.models import MonthlyReport, ReportKind
from motcua.stats.tests.factories import EXPECTED_JUSTICE, FEB, MAR, build_scenario, leaves

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
APRIL_1 = datetime(2025, 4, 1, 2, 0, tzinfo=VN)


@pytest.fixture(scope="module")
def scenario(module_db):
    s = build_scenario()
    p = s.province
    chief = p.officer("center", Role.SUPERVISOR)
    chief.email = "chief@example.vn"
    chief.save()
    # A second province-wide supervisor without an address: nothing to send.
    org_services.appoint(User.objects.create_user("center.sup2"), p.center, Role.SUPERVISOR)
    # A department's supervisor does not see the province's figures: not e-mailed.
    dept = User.objects.create_user("justice.sup", email="dept@example.vn")
    org_services.appoint(dept, p.justice, Role.SUPERVISOR)
    # Each department's leader has an address; so does a former leader of the justice
    # department (post ended) and its specialist: neither gets the unit's mail.
    for short in ("justice", "health"):
        leader = p.officer(short, Role.LEADER)
        leader.email = f"{short}.leader@example.vn"
        leader.save()
    former = User.objects.create_user("justice.former", email="former@example.vn")
    org_services.appoint(
        former, p.justice, Role.LEADER, date(2020, 1, 1), valid_to=date(2024, 12, 31)
    )
    specialist = p.officer("justice", Role.SPECIALIST)
    specialist.email = "justice.specialist@example.vn"
    specialist.save()
    return s


def expected_06a(period):
    p = queries.Period(*period)
    return scheduled._plain(queries.build(p, queries.scope_for(None, p)))


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"  # the e-mails' texts are checked in their source language


def expected_agency_06a(period, agency):
    p = queries.Period(*period)
    return scheduled._plain(queries.build(p, queries.scope_for(None, p, agency=agency)))


def stored(month, scope, kind):
    return MonthlyReport.objects.get(month=month, scope=scope, kind=kind)


def snapshot():
    """Every stored report and message, to compare before and after a run."""
    return (
        sorted(MonthlyReport.objects.values_list("pk", "month", "kind", "scope", "created_at")),
        sorted(Message.objects.values_list("pk", "recipient", "dedupe_key")),
        AuditEvent.objects.filter(action="stats.monthly_reports_produced").count(),
    )


def test_due_month_is_the_previous_month():
    assert scheduled.due_month(date(2025, 4, 1)) == date(2025, 3, 1)
    assert scheduled.due_month(date(2025, 1, 31)) == date(2024, 12, 1)
    assert scheduled.month_end(date(2024, 2, 1)) == date(2024, 2, 29)


def test_a_month_is_stored_as_the_live_reports_and_mailed_to_supervisors(scenario):
    produced = scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    # The province's supervisor with an address, and each department's leader.
    assert produced.created and produced.messages == 3 and produced.agencies == 2
    table = MonthlyReport.objects.get(month=date(2025, 3, 1), kind=ReportKind.FORM06A, scope="")
    index = MonthlyReport.objects.get(month=date(2025, 3, 1), kind=ReportKind.INDEX766, scope="")
    assert (produced.form06a, produced.index766) == (table, index)
    assert table.data == expected_06a(MAR)
    justice = next(r for r in table.data["rows"] if r["agency"] == scenario.province.justice.code)
    assert leaves(justice)["overdue"] == 2 and leaves(justice)["carried_over"] == 3
    live = indicators.build(None, indicators.Period(*MAR))
    assert index.data == scheduled._plain(live)
    assert table.xlsx[:2] == b"PK" and bytes(table.xlsx) == bytes(
        MonthlyReport.objects.get(pk=table.pk).xlsx
    )
    message = Message.objects.get(recipient="chief@example.vn")
    assert "03/2025" in message.subject
    assert f"/reports/monthly/{table.pk}/" in message.body
    assert "/reports/monthly/?month=2025-03" in message.body  # the agencies' list
    assert str(live["points"]) in message.body
    event = AuditEvent.objects.get(action="stats.monthly_reports_produced", data__scope="")
    assert event.object_id == str(table.pk) and event.data["month"] == "2025-03"
    # Not e-mailed: the supervisor without an address, a department's supervisor, a former
    # leader, a specialist.
    assert set(Message.objects.values_list("recipient", flat=True)) == {
        "chief@example.vn",
        "justice.leader@example.vn",
        "health.leader@example.vn",
    }


def test_each_agency_is_stored_as_its_live_reports(scenario):
    p = scenario.province
    scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    # The reporting agencies of the month: the two departments (the service center is not
    # one and performed no dossier), each with its 06a and its index.
    assert set(MonthlyReport.objects.values_list("scope", "kind")) == {
        (scope, kind)
        for scope in ("", p.justice.code, p.health.code)
        for kind in (ReportKind.FORM06A, ReportKind.INDEX766)
    }
    march = date(2025, 3, 1)
    for agency in (p.justice, p.health):
        table = stored(march, agency.code, ReportKind.FORM06A)
        assert table.data == expected_agency_06a(MAR, agency)
        assert [r["agency"] for r in table.data["rows"]] == [agency.code]
        assert bytes(table.xlsx)[:2] == b"PK"
        index = stored(march, agency.code, ReportKind.INDEX766)
        live = indicators.build(agency, indicators.Period(*MAR))
        assert index.data == scheduled._plain(live)
        assert index.data["agency"] == agency.code
    # By hand (stats/tests/factories.py): the justice department's March.
    justice = stored(march, p.justice.code, ReportKind.FORM06A).data
    assert leaves(justice["rows"][0]) == EXPECTED_JUSTICE[MAR] == leaves(justice["total"])
    # Its index "on time" indicator: of the dossiers finished with a result in March (d4)
    # or open at its end (d5, d8, d9, d11), on time are d4, d9 and d11 (d11 awaits a
    # supplement; d5 and d8 are overdue).
    index = stored(march, p.justice.code, ReportKind.INDEX766).data
    on_time = next(
        row for g in index["groups"] for row in g["indicators"] if row["key"] == "on_time"
    )
    assert (on_time["numerator"], on_time["denominator"]) == (3, 5)
    # Sở Y tế: h1 received 20 Feb by post and still open: carried over, nothing else.
    health = stored(march, p.health.code, ReportKind.FORM06A).data
    assert leaves(health["total"]) == {
        "online": 0,
        "counter_post": 0,
        "carried_over": 1,
        "early": 0,
        "on_time": 0,
        "late": 0,
        "within": leaves(health["total"])["within"],
        "overdue": leaves(health["total"])["overdue"],
        "other": 0,
    }
    assert leaves(health["total"])["within"] + leaves(health["total"])["overdue"] == 1


def test_leaders_get_one_mail_for_their_agency_only(scenario):
    p = scenario.province
    scheduled.produce_month(date(2025, 2, 1), now=APRIL_1)
    february = date(2025, 2, 1)
    justice_06a = stored(february, p.justice.code, ReportKind.FORM06A)
    health_06a = stored(february, p.health.code, ReportKind.FORM06A)
    (mail,) = Message.objects.filter(recipient="justice.leader@example.vn")
    assert mail.subject == "Monthly reports of Sở Tư pháp for 02/2025"
    assert f"/reports/monthly/{justice_06a.pk}/" in mail.body
    # By hand: February at the justice department, 7 received (none carried over), 3
    # resolved of which d3 late, d7 overdue; 2 of 3 resolved in time.
    assert "Form 06a: 7 dossiers to handle, 3 resolved (1 late), 1 in progress and overdue" in (
        mail.body
    )
    assert "66,67 %" in mail.body
    points = stored(february, p.justice.code, ReportKind.INDEX766).data["points"]
    assert f"Index (Decision 766): {points} of 100 points" in mail.body
    assert "Sở Y tế" not in mail.subject + mail.body
    assert f"/reports/monthly/{health_06a.pk}/" not in mail.body
    assert mail.context["scope"] == p.justice.code
    (other,) = Message.objects.filter(recipient="health.leader@example.vn")
    assert "Sở Y tế" in other.subject and "Sở Tư pháp" not in other.subject + other.body
    assert f"/reports/monthly/{health_06a.pk}/" in other.body


def test_a_leader_of_two_agencies_gets_one_mail_for_each(scenario):
    p = scenario.province
    both = User.objects.create_user("both.leader", email="both@example.vn")
    org_services.appoint(both, p.justice, Role.LEADER)
    org_services.appoint(both, p.health, Role.LEADER)
    scheduled.produce_month(date(2025, 2, 1), now=APRIL_1)
    mails = Message.objects.filter(recipient="both@example.vn")
    assert sorted(m.context["scope"] for m in mails) == sorted([p.justice.code, p.health.code])


def test_running_twice_stores_and_sends_nothing_more(scenario):
    first = scheduled.produce_month(date(2025, 2, 1), now=APRIL_1)
    assert first.created and first.messages == 3
    before = snapshot()
    assert len(before[0]) == 6 and len(before[1]) == 3 and before[2] == 3
    again = scheduled.produce_month(date(2025, 2, 14), now=APRIL_1)
    assert not again.created and again.messages == 0 and again.agencies == 0
    assert (again.form06a, again.index766) == (first.form06a, first.index766)
    assert snapshot() == before


def test_a_province_only_earlier_run_is_completed_without_duplicates(scenario):
    p = scenario.province
    february = date(2025, 2, 1)
    # What the earlier version stored: the province's two reports and the supervisor's mail.
    scheduled._store_scope(february, None, APRIL_1)
    province = stored(february, "", ReportKind.FORM06A)
    assert Message.objects.count() == 1
    later = APRIL_1.replace(day=2)
    produced = scheduled.produce_month(february, now=later)
    assert produced.created and produced.agencies == 2 and produced.messages == 2
    assert produced.form06a == province  # not rebuilt
    assert MonthlyReport.objects.filter(month=february, scope="").count() == 2
    assert MonthlyReport.objects.filter(month=february).count() == 6
    assert Message.objects.filter(recipient="chief@example.vn").count() == 1
    assert Message.objects.filter(recipient="justice.leader@example.vn").count() == 1
    assert stored(february, p.justice.code, ReportKind.FORM06A).data == expected_agency_06a(
        FEB, p.justice
    )
    before = snapshot()
    assert not scheduled.produce_month(february, now=later).created
    assert snapshot() == before


def test_an_agency_stored_before_is_kept_and_the_rest_completed(scenario):
    p = scenario.province
    february = date(2025, 2, 1)
    scheduled._store_scope(february, p.justice, APRIL_1)  # a run stopped after one agency
    justice = stored(february, p.justice.code, ReportKind.FORM06A)
    assert list(Message.objects.values_list("recipient", flat=True)) == [
        "justice.leader@example.vn"
    ]
    produced = scheduled.produce_month(february, now=APRIL_1)
    assert produced.agencies == 1 and produced.messages == 2  # health's leader, the chief
    assert stored(february, p.justice.code, ReportKind.FORM06A) == justice
    assert MonthlyReport.objects.filter(month=february).count() == 6
    assert Message.objects.filter(recipient="justice.leader@example.vn").count() == 1
    # One half of a scope missing (a row lost): rebuilt, the other half and the mail kept.
    stored(february, p.health.code, ReportKind.INDEX766).delete()
    health = stored(february, p.health.code, ReportKind.FORM06A)
    again = scheduled.produce_month(february, now=APRIL_1)
    assert again.created and again.messages == 0
    assert stored(february, p.health.code, ReportKind.FORM06A) == health
    assert stored(february, p.health.code, ReportKind.INDEX766).data == scheduled._plain(
        indicators.build(p.health, indicators.Period(*FEB))
    )
    assert Message.objects.count() == 3


def test_a_month_not_over_is_refused_and_nothing_is_stored(scenario):
    with pytest.raises(scheduled.ScheduleError):
        scheduled.produce_month(date(2025, 4, 1), now=APRIL_1)
    assert not MonthlyReport.objects.exists() and not Message.objects.exists()


def test_the_task_produces_the_previous_month(scenario, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: APRIL_1)
    result = tasks.produce_monthly_reports.enqueue()
    assert result.return_value == "2025-03"
    assert MonthlyReport.objects.filter(month=date(2025, 3, 1), scope="").count() == 2
    assert MonthlyReport.objects.filter(month=date(2025, 3, 1)).count() == 6
    assert tasks.next_run(APRIL_1) == datetime(2025, 5, 1, 2, 0, tzinfo=VN)
    assert tasks.next_run(datetime(2025, 12, 31, 23, tzinfo=VN)) == datetime(
        2026, 1, 1, 2, 0, tzinfo=VN
    )


def command(*args) -> str:
    out = io.StringIO()
    call_command("monthly_reports", *args, stdout=out)
    return out.getvalue()


def test_the_command_produces_a_month_once(scenario):
    assert "2 agencies, 3 e-mail(s)" in command("--month", "2025-02")
    assert "already stored" in command("--month", "2025-02")
    assert MonthlyReport.objects.count() == 6 and Message.objects.count() == 3


def test_past_months_are_filled_in_without_mail(scenario, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: APRIL_1)  # the last month over: March
    out = command("--since", "2025-02", "--no-email")
    assert out.splitlines() == [
        "2025-02: reports stored (2 agencies, 0 e-mail(s) queued).",
        "2025-03: reports stored (2 agencies, 0 e-mail(s) queued).",
    ]
    assert MonthlyReport.objects.filter(month=date(2025, 2, 1)).count() == 6
    assert MonthlyReport.objects.filter(month=date(2025, 3, 1)).count() == 6
    assert not Message.objects.exists()
    assert stored(date(2025, 3, 1), "", ReportKind.FORM06A).data == expected_06a(MAR)
    events = AuditEvent.objects.filter(action="stats.monthly_reports_produced")
    assert events.count() == 6 and all(e.data["announced"] is False for e in events)
    # Stored, so never announced afterwards: the cron run for March finds it done.
    assert "already stored" in command()
    assert "already stored" in command("--since", "2025-03")
    assert not Message.objects.exists()


def test_a_month_filled_in_with_mail_is_mailed_once(scenario, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: APRIL_1)
    assert "3 e-mail(s)" in command("--since", "2025-03")
    assert "already stored" in command("--month", "2025-03")
    assert Message.objects.count() == 3


@pytest.mark.parametrize("flag", ["--month", "--since"])
@pytest.mark.parametrize(
    "value",
    [
        "2025-02\x00",
        "\x00",
        "9999-99",
        "2025-13",
        "0000-01",
        "1999-12",
        "9999-12",
        "x" * 10_000,
        "2025-2",
        "٢٠٢٥-٠٢",
    ],
)
def test_the_command_refuses_hostile_months(scenario, value, flag):
    with pytest.raises(CommandError) as error:
        command(flag, value)
    assert len(str(error.value)) < 200
    assert not MonthlyReport.objects.exists() and not Message.objects.exists()


def test_a_month_and_a_start_together_are_refused(scenario):
    with pytest.raises(CommandError):
        command("--month", "2025-02", "--since", "2025-02")
    assert not MonthlyReport.objects.exists()


def test_the_pages_need_a_login_and_a_province_wide_view(client, scenario):
    produced = scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    pk = produced.form06a.pk
    for url in ("/reports/monthly/", f"/reports/monthly/{pk}/", f"/reports/monthly/{pk}/xlsx/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(scenario.province.officer("justice", Role.LEADER))
    assert client.get(f"/reports/monthly/{pk}/").status_code == 403
    assert client.get(f"/reports/monthly/{pk}/xlsx/").status_code == 403


def test_the_pages_show_the_stored_numbers(client, scenario):
    produced = scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    client.force_login(scenario.province.officer("center", Role.SUPERVISOR))
    listing = client.get("/reports/monthly/").content.decode()
    assert "03/2025" in listing and f"/reports/monthly/{produced.form06a.pk}/" in listing
    page = client.get(f"/reports/monthly/{produced.index766.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert scenario.province.justice.name in html
    assert produced.index766.data["points"] in html
    total = produced.form06a.data["total"]
    assert f'<td class="num">{total["received"]["total"]}</td>' in html
    download = client.get(f"/reports/monthly/{produced.form06a.pk}/xlsx/")
    assert download.status_code == 200
    assert download.content == bytes(produced.form06a.xlsx)
    assert "bieu-06a-2025-03.xlsx" in download["Content-Disposition"]
    assert client.get("/reports/monthly/999999999999999999999/").status_code == 404
    assert client.get(f"/reports/monthly/{produced.index766.pk}/xlsx/").status_code == 404


def test_an_officer_sees_only_the_reports_of_their_agencies(client, scenario):
    p = scenario.province
    scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    march = date(2025, 3, 1)
    justice = stored(march, p.justice.code, ReportKind.FORM06A)
    justice_index = stored(march, p.justice.code, ReportKind.INDEX766)
    health = stored(march, p.health.code, ReportKind.FORM06A)
    province = stored(march, "", ReportKind.FORM06A)
    client.force_login(p.officer("justice", Role.LEADER))
    page = client.get(f"/reports/monthly/{justice.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sở Tư pháp" in html and justice_index.data["points"] in html
    total = justice.data["total"]["received"]["total"]
    assert total == 7 and f'<td class="num">{total}</td>' in html  # 3 carried + 4 received
    assert client.get(f"/reports/monthly/{justice.pk}/xlsx/").content == bytes(justice.xlsx)
    refused_before = AuditEvent.objects.filter(action="permission.refused").count()
    for pk in (health.pk, province.pk):
        assert client.get(f"/reports/monthly/{pk}/").status_code == 403
        assert client.get(f"/reports/monthly/{pk}/xlsx/").status_code == 403
    assert AuditEvent.objects.filter(action="permission.refused").count() == refused_before + 4
    listing = client.get("/reports/monthly/").content.decode()
    assert "03/2025" in listing and f"/reports/monthly/{province.pk}/" not in listing
    month = client.get("/reports/monthly/", {"month": "2025-03"}).content.decode()
    assert f"/reports/monthly/{justice.pk}/" in month and "Sở Tư pháp" in month
    assert f"/reports/monthly/{health.pk}/" not in month and "Sở Y tế" not in month
    # The province's supervisor opens every one.
    client.force_login(p.officer("center", Role.SUPERVISOR))
    for pk in (justice.pk, health.pk, province.pk):
        assert client.get(f"/reports/monthly/{pk}/").status_code == 200
    health_download = client.get(f"/reports/monthly/{health.pk}/xlsx/")
    assert f"bieu-06a-2025-03-{p.health.code}.xlsx" in health_download["Content-Disposition"]
    month = client.get("/reports/monthly/", {"month": "2025-03"})
    names = [a["name"] for a in month.context["agencies"]]
    assert names == ["Sở Tư pháp", "Sở Y tế"]
    row = month.context["agencies"][0]
    assert (row["received"], row["resolved"], row["rate"]) == (7, 1, "100,00 %")
    assert row["points"] == format_vn(Decimal(justice_index.data["points"]), 2)


def test_a_user_without_post_is_refused_and_hostile_months_are_400(client, scenario):
    scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/reports/monthly/").status_code == 403
    client.force_login(scenario.province.officer("center", Role.SUPERVISOR))
    for value in ("9999-99", "0001-01", "2025-13", "2025-3", "x" * 5000, "٢٠٢٥-٠٣", ""):
        response = client.get("/reports/monthly/", {"month": value})
        assert response.status_code == 400, value
        assert 'class="errorlist"' in response.content.decode()
    assert client.get("/reports/monthly/", {"month": "2025-03\x00"}).status_code == 400
    assert client.get("/reports/monthly/", {"month": "2025-04"}).status_code == 200


def test_past_months_run_across_the_years_turn_to_the_last_month_over():
    january_2 = datetime(2026, 1, 2, 9, 0, tzinfo=VN)
    assert scheduled.months_since(date(2025, 11, 20), now=january_2) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
    ]
    assert scheduled.months_since(date(2025, 12, 1), now=january_2) == [date(2025, 12, 1)]
    with pytest.raises(scheduled.ScheduleError):
        scheduled.months_since(date(2026, 1, 1), now=january_2)  # January is not over
