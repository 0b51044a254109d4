"""The lookup's answer reads the database once (docs/lookup.md, "What an answer costs"): one
statement for the dossier, its names, desks and public events, prepared once per connection
on PostgreSQL and prepared again if it went missing; the page shows what it showed, in order,
and nothing more."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.dossiers import lookup, services
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.dossiers.tests.lookup_pages import answer_of
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role


def look_up(client, dossier):
    return client.post("/lookup/", {"code": dossier.code, "secret": dossier.secret})


def statements(queries) -> list[str]:
    return [q["sql"].split()[0] for q in queries]


@pytest.mark.django_db
def test_the_answer_is_one_statement_prepared_once_per_connection():
    province = make_province()
    dossier = receive_at_counter(province)
    found = lookup.find(dossier.code)  # prepares it on PostgreSQL
    assert found == dossier and found.procedure_name == dossier.procedure.name
    assert found.applicant_name == dossier.applicant.full_name
    assert found.desk.name == dossier.received_desk.name
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert lookup.find(dossier.code) == dossier
        assert lookup.find("NO-SUCH-CODE") is None
        assert lookup.find(dossier.code.lower()) is None  # the code as normalised, exactly
    if connection.vendor == "postgresql":
        assert statements(queries) == ["EXECUTE"] * 5
        assert f"EXECUTE {lookup.PREPARED}(" in queries[0]["sql"]
    else:
        assert statements(queries) == ["SELECT"] * 5


@pytest.mark.django_db(transaction=True)
def test_a_prepared_statement_that_went_missing_is_prepared_again():
    province = make_province()
    dossier = receive_at_counter(province)
    assert lookup.find(dossier.code) == dossier
    if connection.vendor == "postgresql":  # as a pooler's DISCARD ALL would
        with connection.cursor() as cursor:
            cursor.execute(f"DEALLOCATE {lookup.PREPARED}")
    with CaptureQueriesContext(connection) as queries:
        assert lookup.find(dossier.code) == dossier
        assert lookup.find(dossier.code) == dossier
    if connection.vendor == "postgresql":
        assert statements(queries) == ["EXECUTE", "PREPARE", "EXECUTE", "EXECUTE"]
    else:
        assert statements(queries) == ["SELECT", "SELECT"]


@pytest.mark.django_db(transaction=True)
def test_the_answer_outlives_its_connection_and_its_kept_cursor():
    """On PostgreSQL one psycopg cursor is kept per connection for the statement; a new
    connection (CONN_MAX_AGE, a restarted database) or a cursor closed by anything else
    gets a new one, and the answer is the same."""
    province = make_province()
    dossier = receive_at_counter(province)
    first = lookup.find(dossier.code)
    connection.close()  # the next query opens a new connection
    again = lookup.find(dossier.code)
    assert (again, again.public_events) == (first, first.public_events)
    if connection.vendor == "postgresql":
        kept = lookup._cursors[connection.connection]
        assert (
            lookup.find(dossier.code) == dossier and lookup._cursors[connection.connection] is kept
        )
        kept.close()
    with CaptureQueriesContext(connection) as queries:
        assert lookup.find(dossier.code).public_events == first.public_events
    assert len(queries) == 1  # still one statement, logged as every other


@pytest.mark.django_db
def test_the_answer_shows_the_public_events_in_order_with_their_comments_only_where_public():
    province = make_province()
    now = timezone.now()
    dossier = receive_at_counter(province, received_at=now - timedelta(days=3))
    desk = province.officer("justice", Role.DESK_OFFICER)
    dossier = services.act(
        dossier, Action.WITHDRAW, desk, at=now - timedelta(days=1), comment="Công dân xin rút"
    )
    page = look_up(Client(), dossier)
    events = lookup.find(dossier.code).public_events
    assert [e.action for e in events] == [Action.RECEIVE, Action.WITHDRAW]
    assert events[0].at < events[1].at and events[0].at.tzinfo is not None
    text = page.content.decode()
    shown = answer_of(page)  # as drawn: label, time shown, the public comment
    assert shown["timeline"] == [
        ("Tiếp nhận", timezone.localtime(events[0].at).strftime("%H:%M %d/%m/%Y"), ""),
        (
            "Dừng giải quyết theo đề nghị",
            timezone.localtime(events[1].at).strftime("%H:%M %d/%m/%Y"),
            "",
        ),
    ]
    assert "Công dân xin rút" not in text  # a withdrawal's comment is not public
    assert shown["facts"]["Trạng thái"] == "Đã dừng giải quyết theo đề nghị"


@pytest.mark.django_db
def test_what_to_supplement_is_on_the_timeline_under_its_request():
    province = make_province()
    now = timezone.now()
    dossier = receive_at_counter(province, received_at=now - timedelta(days=2))
    dossier = services.act(
        dossier,
        Action.FORWARD,
        province.officer("justice", Role.DESK_OFFICER),
        at=now - timedelta(days=2) + timedelta(hours=1),
    )
    dossier = services.act(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        province.officer("justice", Role.SPECIALIST),
        comment="Thiếu bản sao Căn cước công dân",
        at=now - timedelta(days=1),
    )
    page = look_up(Client(), dossier)
    text = page.content.decode()
    asked = text.index("<b>Yêu cầu bổ sung</b>")
    assert text.index("Thiếu bản sao Căn cước công dân") > asked  # under its own line
    assert [note for _, _, note in answer_of(page)["timeline"]] == [
        "",
        "Thiếu bản sao Căn cước công dân",
    ]
