"""A warm serving process freezes what it holds out of the garbage collector's walks,
once, after OPS["GC_FREEZE_AFTER"] requests (ops/memory.py)."""

import gc

import pytest
from django.conf import settings
from django.test import override_settings

from motcua.ops import memory


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(memory, "_state", {"served": 0, "frozen": False})
    yield
    gc.unfreeze()  # the rest of the test run collects as before


def test_the_process_freezes_once_after_the_threshold_of_requests(client, fresh):
    with override_settings(OPS={**settings.OPS, "GC_FREEZE_AFTER": 3}):
        for _ in range(2):
            assert client.get("/healthz").status_code == 200
        assert not memory.frozen() and gc.get_freeze_count() == 0
        client.get("/healthz")
        assert memory.frozen()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        for _ in range(5):  # never again: later requests' objects stay collectable
            client.get("/healthz")
        assert (
            gc.get_freeze_count() <= frozen
        )  # (frozen objects freed by reference counts leave it)


def test_zero_never_freezes(client, fresh):
    with override_settings(OPS={**settings.OPS, "GC_FREEZE_AFTER": 0}):
        for _ in range(5):
            client.get("/healthz")
    assert not memory.frozen() and gc.get_freeze_count() == 0
