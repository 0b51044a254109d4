"""The monthly reports: produced for a finished month over dossiers made through the
services, stored as the live reports computed them, e-mailed once per province-wide
supervisor with an address; the task, the command and the stored-report pages."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from motcua.core.models import AuditEvent
from motcua.index766 import indicators
from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.org.models import User
from motcua.outbox.models import Message
from motcua.stats import queries, scheduled, tasks
from motcua.stats.models import MonthlyReport, ReportKind
from motcua.stats.tests.factories import MAR, build_scenario, leaves

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
APRIL_1 = datetime(2025, 4, 1, 2, 0, tzinfo=VN)


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
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
        yield s
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def expected_06a(period):
    p = queries.Period(*period)
    return scheduled._plain(queries.build(p, queries.scope_for(None, p)))


def test_due_month_is_the_previous_month():
    assert scheduled.due_month(date(2025, 4, 1)) == date(2025, 3, 1)
    assert scheduled.due_month(date(2025, 1, 31)) == date(2024, 12, 1)
    assert scheduled.month_end(date(2024, 2, 1)) == date(2024, 2, 29)


def test_a_month_is_stored_as_the_live_reports_and_mailed_to_supervisors(scenario):
    produced = scheduled.produce_month(date(2025, 3, 1), now=APRIL_1)
    assert produced.created and produced.messages == 1
    table = MonthlyReport.objects.get(month=date(2025, 3, 1), kind=ReportKind.FORM06A)
    index = MonthlyReport.objects.get(month=date(2025, 3, 1), kind=ReportKind.INDEX766)
    assert table.data == expected_06a(MAR)
    justice = next(r for r in table.data["rows"] if r["agency"] == scenario.province.justice.code)
    assert leaves(justice)["overdue"] == 2 and leaves(justice)["carried_over"] == 3
    live = indicators.build(None, indicators.Period(*MAR))
    assert index.data == scheduled._plain(live)
    assert table.xlsx[:2] == b"PK" and bytes(table.xlsx) == bytes(
        MonthlyReport.objects.get(pk=table.pk).xlsx
    )
    (message,) = Message.objects.all()
    assert message.recipient == "chief@example.vn"
    assert "03/2025" in message.subject
    assert f"/reports/monthly/{table.pk}/" in message.body
    assert str(live["points"]) in message.body
    event = AuditEvent.objects.get(action="stats.monthly_reports_produced")
    assert event.object_id == str(table.pk) and event.data["month"] == "2025-03"


def test_running_twice_stores_and_sends_nothing_more(scenario):
    scheduled.produce_month(date(2025, 2, 1), now=APRIL_1)
    again = scheduled.produce_month(date(2025, 2, 14), now=APRIL_1)
    assert not again.created and again.messages == 0
    assert MonthlyReport.objects.count() == 2
    assert Message.objects.count() == 1
    assert AuditEvent.objects.filter(action="stats.monthly_reports_produced").count() == 1


def test_a_month_not_over_is_refused_and_nothing_is_stored(scenario):
    with pytest.raises(scheduled.ScheduleError):
        scheduled.produce_month(date(2025, 4, 1), now=APRIL_1)
    assert not MonthlyReport.objects.exists() and not Message.objects.exists()


def test_the_task_produces_the_previous_month(scenario, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: APRIL_1)
    result = tasks.produce_monthly_reports.enqueue()
    assert result.return_value == "2025-03"
    assert MonthlyReport.objects.filter(month=date(2025, 3, 1)).count() == 2
    assert tasks.next_run(APRIL_1) == datetime(2025, 5, 1, 2, 0, tzinfo=VN)
    assert tasks.next_run(datetime(2025, 12, 31, 23, tzinfo=VN)) == datetime(
        2026, 1, 1, 2, 0, tzinfo=VN
    )


def command(*args) -> str:
    out = io.StringIO()
    call_command("monthly_reports", *args, stdout=out)
    return out.getvalue()


def test_the_command_produces_a_month_once(scenario):
    assert "1 e-mail" in command("--month", "2025-02")
    assert "already stored" in command("--month", "2025-02")
    assert MonthlyReport.objects.count() == 2 and Message.objects.count() == 1


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
def test_the_command_refuses_hostile_months(scenario, value):
    with pytest.raises(CommandError) as error:
        command("--month", value)
    assert len(str(error.value)) < 200
    assert not MonthlyReport.objects.exists() and not Message.objects.exists()


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
