"""What one dossier intake costs the database, and idempotency relied upon through the
unique key (docs/performance.md, "Intake: the API against the services").

The query counts include the statements that open and close the transaction (a savepoint
and its release here, BEGIN and COMMIT in production): each is a round trip. Runs on
SQLite and PostgreSQL."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.api.tests.factories import Api, desk_of, dossier_body, make_token
from motcua.catalog import services as catalog_services
from motcua.dossiers import services
from motcua.dossiers.models import Applicant, Channel, Dossier, DossierEvent
from motcua.dossiers.tests.factories import APPLICANT
from motcua.org.constants import Role
from motcua.org.models import Desk
from motcua.stats.models import Fact

pytestmark = pytest.mark.django_db
R = Role
# The most statements one create may take (the figures in docs/performance.md).
API_CREATE_MAX = 12  # issue 11's bound (a create takes 11: docs/performance.md)
RECEIVE_MAX = 12


def queries(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries]


def person(n: int) -> dict:
    return {**APPLICANT, "full_name": f"Nguyễn Văn Thử {n}", "id_number": f"0350900{n:05d}"}


def test_an_api_create_takes_at_most_its_queries(province):
    api, token = Api(), make_token(province.officer("justice", R.DESK_OFFICER))
    first = api.post("/dossiers", dossier_body(province), token, key="warm")
    assert first.status_code == 201  # the token was just used: `last_used_at` is not written
    body = dossier_body(province, applicant=person(2))
    answers = []

    sql = queries(lambda: answers.append(api.post("/dossiers", body, token, key="counted")))

    assert answers[0].status_code == 201
    assert len(sql) <= API_CREATE_MAX, "\n".join(sql)
    assert Dossier.objects.count() == 2


def test_services_receive_takes_at_most_its_queries(province):
    officer = province.officer("justice", R.DESK_OFFICER)
    desk = Desk.objects.select_related("agency").get(pk=desk_of(province).pk)
    documents = province.documents()

    def receive(n):
        return services.receive(
            procedure=province.procedure,
            applicant=person(n),
            channel=Channel.COUNTER,
            actor=officer,
            desk=desk,
            documents=documents,
        )

    receive(1)  # the day's counter exists; the officer's posts are known
    sql = queries(lambda: receive(2))
    assert len(sql) <= RECEIVE_MAX, "\n".join(sql)
    # Nothing was read back or written twice: one row of each kind.
    assert sum("INSERT" in q and "dossiers_dossierdocument" in q for q in sql) == 1
    assert not any(q.startswith("UPDATE") and '"dossiers_dossier"' in q for q in sql)


@pytest.mark.parametrize("fee", [0, 50_000])
def test_the_facts_of_a_new_dossier_are_those_computed_afresh(province, fee):
    """The statistics computed before the insert (on its row, added to the table) are what
    the rebuild computes from the stored dossier (documents and fees read back)."""
    from motcua.catalog.models import Fee
    from motcua.stats import factcore, facts

    Fee.objects.filter(procedure=province.procedure).delete()
    if fee:
        Fee.objects.create(procedure=province.procedure, amount=fee, name="Lệ phí")
    dossier = services.receive(
        procedure=province.procedure,
        applicant=person(3),
        channel=Channel.COUNTER,
        actor=province.officer("justice", R.DESK_OFFICER),
        desk=desk_of(province),
        documents=province.documents(),
    )
    stored = Dossier.objects.get(pk=dossier.pk)
    afresh = facts.contributions([stored])[stored.pk]
    assert factcore.load(stored.facts) == afresh and afresh
    kinds = {key[-2] for key in afresh}
    assert ("charged" in kinds) == bool(fee)
    total = sum(Fact.objects.filter(grain="D", kind="received").values_list("count", flat=True))
    assert total == 1


def test_the_answer_built_in_hand_is_the_dossier_as_read_back(api, province, tokens):
    token = tokens["justice", R.DESK_OFFICER]
    created = api.post("/dossiers", dossier_body(province), token, key="k-1")
    assert created.status_code == 201
    read = api.get(f"/dossiers/{created.json()['code']}", token)
    assert created.json() == read.json()
    assert [d["name"] for d in created.json()["documents"]] == [
        d.name for d in province.procedure.documents.all()
    ]


def test_a_retry_after_the_procedure_was_abolished_still_gets_its_dossier(api, province, tokens):
    token = tokens["justice", R.DESK_OFFICER]
    first = api.post("/dossiers", dossier_body(province), token, key="before")
    catalog_services.abolish_procedure(province.procedure, effective_on=timezone.localdate())
    again = api.post("/dossiers", dossier_body(province), token, key="before")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    fresh = api.post("/dossiers", dossier_body(province), token, key="after")
    assert fresh.status_code == 422 and Dossier.objects.count() == 1


def test_a_retry_uses_no_number_of_the_day(api, province, tokens):
    """The retry's transaction is rolled back whole: the next dossier's number follows."""
    token = tokens["justice", R.DESK_OFFICER]
    first = api.post("/dossiers", dossier_body(province), token, key="a").json()["code"]
    assert api.post("/dossiers", dossier_body(province), token, key="a").status_code == 200
    body = dossier_body(province, applicant=person(4))
    second = api.post("/dossiers", body, token, key="b").json()["code"]
    assert first.endswith("-0001") and second.endswith("-0002")
    assert Applicant.objects.count() == 2 and DossierEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_dossier_and_one_answer(province):
    """Four clients send the same request with the same key at once (each thread with its
    own connection): one dossier, one receipt event, every answer names it."""
    token = make_token(province.officer("justice", R.DESK_OFFICER))
    body = dossier_body(province)
    barrier, answers = threading.Barrier(4), []

    def post():
        try:
            client = Api()
            barrier.wait(timeout=30)
            response = client.post("/dossiers", body, token, key="same-request")
            answers.append((response.status_code, response.json().get("code")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    (dossier,) = Dossier.objects.all()
    assert {code for _, code in answers} == {dossier.code}
    assert dossier.code.endswith("-0001")  # the losers' numbers were rolled back
    assert DossierEvent.objects.count() == 1 and Applicant.objects.count() == 1
