"""The fact table equals a direct count of the dossiers after random traffic through the
services, for every period and scope; rebuilding it changes nothing; a refused action
leaves it as it was; `motcua facts check` and `rebuild` work on a clean checkout."""

import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from motcua.catalog.tests.factories import make_procedure
from motcua.core.models import AuditEvent
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.tests.factories import APPLICANT, make_province
from motcua.dossiers.workflow import Action
from motcua.index766 import indicators
from motcua.org.constants import Role
from motcua.stats import facts, queries
from motcua.stats.models import Fact, FactOpenings
from motcua.stats.tests.factories import at

pytestmark = pytest.mark.django_db
A, R = Action, Role

MOVES = [
    (A.FORWARD, 5),
    (A.COMPLETE, 3),
    (A.RETURN_RESULT, 3),
    (A.REQUEST_SUPPLEMENT, 2),
    (A.SUPPLEMENT, 2),
    (A.REFUSE, 1),
    (A.WITHDRAW, 1),
    (A.APOLOGISE, 1),
    (A.RECEIVE, 2),
]


def working_instant(rng: random.Random, day: date):
    return at(day.year, day.month, day.day, rng.choice([8, 9, 10, 14, 15, 16]), rng.randrange(60))


def traffic(seed: int, dossiers: int = 36, start: date = date(2025, 1, 2)):
    """Random dossiers of two agencies over four months from `start` (January–May 2025),
    each with a random run of actions (refused ones skipped), through the services."""
    rng = random.Random(seed)
    p = make_province()
    health_procedure = make_procedure(
        name="Cấp chứng chỉ hành nghề dược",
        agency=p.health.code,
        sector={"code": "DUOC", "name": "Dược phẩm"},
        channel_online=True,
    )
    officers = [
        p.officer(a, r)
        for a in ("justice", "health")
        for r in (R.DESK_OFFICER, R.SPECIALIST, R.LEADER)
    ]
    made = []
    for _ in range(dossiers):
        day = start + timedelta(days=rng.randrange(120))
        if day.weekday() >= 5:
            day -= timedelta(days=2)
        when = working_instant(rng, day)
        short, procedure = rng.choice([("justice", p.procedure), ("health", health_procedure)])
        desk = p.officer(short, R.DESK_OFFICER)
        documents = [
            {"required_document": x.pk, "name": x.name, "originals": 1, "copies": 0}
            for x in procedure.documents.all()
        ]
        online = procedure is health_procedure and rng.random() < 0.4
        d = services.receive(
            procedure=procedure,
            applicant=dict(APPLICANT),
            channel=Channel.ONLINE if online else rng.choice([Channel.COUNTER, Channel.POST]),
            actor=None if online else desk,
            desk=desk.posts.get().desk,
            documents=documents,
            received_at=when,
            submit_only=online,
        )
        for _step in range(rng.randrange(9)):
            when += timedelta(hours=rng.choice([2, 20, 26, 70, 150, 300]))
            if when.date() > start + timedelta(days=169):
                break
            action = rng.choices([m for m, _ in MOVES], [w for _, w in MOVES])[0]
            for officer in officers:
                try:
                    d = services.act(
                        d,
                        action,
                        officer,
                        at=when,
                        comment="Ghi chú",
                        reason="Lý do",
                        new_due_at=(d.due_at + timedelta(days=3)) if d.due_at else None,
                    )
                    break
                except services.DossierError:
                    continue
        made.append(d)
    end = start + timedelta(days=174)
    services.close_unsupplemented(now=at(end.year, end.month, end.day, 10))
    return p


def cells(found) -> dict:
    return {(c.agency_id, c.sector_id): c.counts for c in found if any(c.counts.values())}


PERIODS = [(date(2025, m, 1), date(2025, m + 1, 1) - timedelta(days=1)) for m in range(1, 7)] + [
    (date(2025, 1, 1), date(2025, 3, 31)),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 2, 11), date(2025, 3, 19)),
    (date(2025, 3, 5), date(2025, 3, 5)),
    (date(2024, 12, 20), date(2025, 1, 10)),
    (date(2025, 4, 30), date(2025, 6, 1)),
]


def fact_rows():
    return sorted(
        Fact.objects.exclude(count=0, seconds=0).values_list(
            "grain",
            "day",
            "agency_id",
            "procedure_id",
            "channel",
            "part",
            "digitised",
            "multi",
            "kind",
            "count",
            "seconds",
        )
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fact_table_counts_what_the_dossiers_say(seed):
    p = traffic(seed)
    assert Fact.objects.exists()
    assert_facts_equal_direct(p, PERIODS)


def assert_facts_equal_direct(p, periods):
    for start, end in periods:
        period = queries.Period(start, end)
        for scope in (
            queries.Scope(),
            queries.Scope(agency_ids=frozenset({p.justice.pk})),
            queries.Scope(tier="province"),
        ):
            assert cells(queries.count_cells(period, scope)) == cells(
                queries.count_cells_direct(period, scope)
            ), (start, end, scope)
        for agency in (None, p.justice, p.health):
            ip = indicators.Period(start, end)
            by_facts = indicators._dossier_counts(agency, ip)
            direct = indicators._dossier_counts_direct(agency, ip)
            for key in (
                "on_time",
                "online_dossiers",
                "digitised",
                "paid_online",
                "handling_satisfaction",
            ):
                assert (by_facts[key].numerator, by_facts[key].denominator) == (
                    direct[key].numerator,
                    direct[key].denominator,
                ), (start, end, agency, key)
            assert (
                indicators._handling_time(agency, ip).detail
                == indicators._handling_time_direct(agency, ip).detail
            )


ACROSS_YEARS = [
    (date(2024, 10, 1), date(2024, 12, 31)),
    (date(2024, 12, 1), date(2024, 12, 31)),
    (date(2025, 1, 1), date(2025, 1, 31)),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 2, 11), date(2025, 3, 19)),
    (date(2025, 3, 1), date(2025, 3, 1)),
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2024, 12, 20), date(2025, 1, 10)),
]


@pytest.mark.parametrize("seed", [6, 7])
def test_opening_balances_give_the_same_figures_across_years(seed):
    """Opened before the traffic (so every event of 2024 and 2025 moves the openings of
    the later years, as a backdated entry would), the table still counts what the
    dossiers say; opening the years afterwards, or rebuilding, gives the same rows."""
    assert facts.open_years() == [timezone.localdate().year]  # no facts yet: opened at once
    p = traffic(seed, start=date(2024, 10, 1))
    assert Fact.objects.filter(grain="O", day=date(2025, 1, 1)).exists()
    # A report of 2025 reads the openings of 2025, not the rows of 2024.
    assert Fact.objects.filter(queries.stock_days(date(2025, 3, 31)), grain="O").exists()
    assert not Fact.objects.filter(queries.stock_days(date(2025, 3, 31)), grain="Y").exists()
    assert_facts_equal_direct(p, ACROSS_YEARS)
    call_command("facts", "check")
    kept = fact_rows()
    Fact.objects.filter(grain="O").delete()
    FactOpenings.objects.all().delete()
    assert facts.open_years() == list(range(2025, timezone.localdate().year + 1))
    assert fact_rows() == kept
    call_command("facts", "rebuild")
    assert fact_rows() == kept


def test_without_openings_the_reports_sum_every_year():
    p = traffic(8, dossiers=20, start=date(2024, 10, 1))
    assert queries.opened_through() is None  # the traffic ran before any roll
    assert not Fact.objects.filter(grain="O").exists()
    assert_facts_equal_direct(p, ACROSS_YEARS[2:4])


def test_check_finds_a_wrong_opening_balance(capsys):
    traffic(9, dossiers=12, start=date(2024, 11, 1))
    facts.open_years()
    call_command("facts", "check")
    row = Fact.objects.filter(grain="O", kind="open").first()
    Fact.objects.filter(pk=row.pk).update(count=row.count + 1)
    with pytest.raises(CommandError, match="differ"):
        call_command("facts", "check")
    assert f"{row.day:%Y-%m}: the finer rows" in capsys.readouterr().out
    call_command("facts", "rebuild")
    call_command("facts", "check")


def test_rebuilding_gives_the_table_the_events_kept():
    traffic(4)
    kept = fact_rows()
    stored = dict(Dossier.objects.values_list("pk", "facts"))
    call_command("facts", "rebuild")
    assert fact_rows() == kept
    assert dict(Dossier.objects.values_list("pk", "facts")) == stored
    assert AuditEvent.objects.filter(action="stats.facts_rebuilt").count() == 1


def test_check_says_when_the_table_is_wrong_and_rebuild_repairs_it(capsys):
    traffic(5, dossiers=10)
    call_command("facts", "check")
    assert "matches" in capsys.readouterr().out
    # Someone edits the table by hand: one receipt too many on one day.
    row = Fact.objects.filter(kind="received", grain="D").first()
    Fact.objects.filter(pk=row.pk).update(count=row.count + 1)
    with pytest.raises(CommandError, match="differ"):
        call_command("facts", "check")
    call_command("facts", "rebuild")
    call_command("facts", "check")
    # The same on a month row: the live reports of whole months read it.
    row = Fact.objects.filter(kind="received", grain="M").first()
    Fact.objects.filter(pk=row.pk).update(count=row.count - 1)
    with pytest.raises(CommandError, match="differ"):
        call_command("facts", "check")
    call_command("facts", "rebuild")
    call_command("facts", "check")


def test_a_refused_action_changes_no_fact():
    p = make_province()
    desk = p.officer("justice", R.DESK_OFFICER)
    d = services.receive(
        procedure=p.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=p.documents(),
        received_at=at(2025, 3, 3, 9),
    )
    before = fact_rows()
    assert before
    with pytest.raises(services.DossierError):
        # The leader may not sign before the dossier reaches the last step.
        services.act(d, A.COMPLETE, p.officer("justice", R.LEADER), at=at(2025, 3, 4, 9))
    assert fact_rows() == before


def test_facts_follow_each_event_of_a_dossier():
    """By hand: received 3 Mar (deadline 10 Mar), overdue from 11 Mar, finished 12 Mar late;
    the procedure has a fee (the Phiếu lý lịch tư pháp's), so it owes fees from receipt."""
    p = make_province()
    desk = p.officer("justice", R.DESK_OFFICER)
    d = services.receive(
        procedure=p.procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=desk,
        desk=desk.posts.get().desk,
        documents=p.documents(),
        received_at=at(2025, 3, 3, 9),
    )
    day_rows = lambda: {  # noqa: E731
        (day.isoformat(), kind): count
        for day, kind, count in Fact.objects.filter(grain="D")
        .exclude(count=0)
        .values_list("day", "kind", "count")
    }
    assert day_rows() == {
        ("2025-03-03", "received"): 1,
        ("2025-03-03", "charged"): 1,
        ("2025-03-11", "overdue"): 1,
    }
    d = services.act(d, A.FORWARD, desk, at=at(2025, 3, 3, 10))
    d = services.act(d, A.FORWARD, p.officer("justice", R.SPECIALIST), at=at(2025, 3, 12, 9))
    services.act(d, A.COMPLETE, p.officer("justice", R.LEADER), at=at(2025, 3, 12, 10))
    assert day_rows() == {
        ("2025-03-03", "received"): 1,
        ("2025-03-03", "charged"): 1,
        ("2025-03-11", "overdue"): 1,
        ("2025-03-12", "overdue"): -1,
        ("2025-03-12", "late"): 1,
    }
    months = dict(
        Fact.objects.filter(grain="M", day=date(2025, 3, 1))
        .exclude(count=0)
        .values_list("kind", "count")
    )
    # +1 and -1 overdue cancel in the month
    assert months == {"received": 1, "charged": 1, "late": 1}
    assert connection.vendor in ("sqlite", "postgresql")
