"""Eight processes receiving at once get unique codes; nothing is lost; a retried create
with the same idempotency key returns the first dossier. Runs on SQLite and PostgreSQL."""

import multiprocessing

import pytest
from django.db import connections

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.tests.factories import APPLICANT, make_province

pytestmark = pytest.mark.django_db(transaction=True)
PROCESSES = 8
PER_PROCESS = 12


def _receive_many(worker: int, ids: dict, barrier, results) -> None:
    from motcua.catalog.models import Procedure
    from motcua.dossiers import services
    from motcua.dossiers.models import Channel
    from motcua.org.models import Desk, User

    connections.close_all()  # a fresh connection in this process
    procedure = Procedure.objects.get(pk=ids["procedure"])
    desk = Desk.objects.get(pk=ids["desk"])
    officer = User.objects.get(pk=ids["officer"])
    documents = [
        {"required_document": d.pk, "name": d.name, "originals": 1, "copies": 0}
        for d in procedure.documents.all()
    ]
    barrier.wait()
    codes = []
    for n in range(PER_PROCESS):
        # Every process also retries one shared request: only one dossier may come of it.
        key = "shared-retry" if n == 0 else f"w{worker}-{n}"
        dossier = services.receive(
            procedure=procedure,
            applicant=dict(APPLICANT),
            channel=Channel.COUNTER,
            actor=officer,
            desk=desk,
            documents=documents,
            idempotency_key=key,
        )
        codes.append(dossier.code)
    results.put(codes)
    connections.close_all()


def test_eight_processes_receiving_at_once():
    province = make_province()
    officer = province.officer("justice", "desk_officer")
    ids = {
        "procedure": province.procedure.pk,
        "desk": officer.posts.get().desk_id,
        "officer": officer.pk,
    }
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [
        ctx.Process(target=_receive_many, args=(w, ids, barrier, results)) for w in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    returned = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    expected = PROCESSES * (PER_PROCESS - 1) + 1
    assert Dossier.objects.count() == expected
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(set(codes)) == expected
    sequences = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert sequences == list(range(1, expected + 1))  # no gap, no duplicate
    assert DossierEvent.objects.count() == expected  # one receipt event each, none lost
    shared = Dossier.objects.get(idempotency_key="shared-retry")
    assert all(codes_of_worker[0] == shared.code for codes_of_worker in returned)
