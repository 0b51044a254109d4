"""Four processes applying the same plan at once: it is applied once, the others say so.
Runs on SQLite (writers serialised) and PostgreSQL (the plan's rows locked)."""

import json
import multiprocessing
from datetime import date

import pytest
from django.db import connections

from motcua.dossiers.models import DossierEvent
from motcua.org.models import AdminUnit, AgencySuccession
from motcua.reorg import build
from motcua.reorg.models import Reorganisation
from motcua.reorg.tests.test_apply import make_hanam

pytestmark = pytest.mark.django_db(transaction=True)
PROCESSES = 4


def _apply(raw: bytes, barrier, results) -> None:
    from motcua.reorg import plan, services

    connections.close_all()  # a fresh connection in this process
    checked = plan.load(raw)
    barrier.wait()
    outcome = services.apply(checked, json.loads(raw))
    results.put(outcome.applied)
    connections.close_all()


def test_four_processes_applying_one_plan():
    made = make_hanam()
    raw = json.dumps(build.build_plan("35", date(2025, 7, 1))).encode()
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    workers = [ctx.Process(target=_apply, args=(raw, barrier, results)) for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    applied = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    assert sorted(applied) == [False] * (PROCESSES - 1) + [True]
    assert Reorganisation.objects.count() == 1
    assert AdminUnit.objects.filter(code="37").count() == 1
    assert AgencySuccession.objects.filter(predecessor__code="000.00.21.H40").count() == 1
    transfers = DossierEvent.objects.filter(action="transfer")
    assert sorted(transfers.values_list("dossier_id", flat=True)) == sorted(
        [made["open"].pk, made["dept"].pk]
    )
