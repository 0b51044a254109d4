"""Several workers delivering at once send each message exactly once. Runs on SQLite
(claims are serialised by immediate transactions) and on PostgreSQL (SELECT … FOR UPDATE
SKIP LOCKED: a worker passes over rows another is claiming)."""

import multiprocessing
import threading
from email import message_from_bytes

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from motcua.outbox import services
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)
WORKERS = 4
MESSAGES = 40


def _deliver(barrier, results) -> None:
    connections.close_all()  # a fresh connection in this process
    barrier.wait()
    sent = 0
    while True:  # like `motcua outbox deliver --loop`, until nothing is due
        n = services.deliver_due(limit=5)
        sent += n
        if n == 0 and not services.due(timezone.now()).exists():
            break
    results.put(sent)
    connections.close_all()


def test_four_workers_send_each_message_exactly_once(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)  # shared by the processes, unlike locmem
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    messages = [make_message(subject=f"Hồ sơ số {n}") for n in range(MESSAGES)]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    workers = [ctx.Process(target=_deliver, args=(barrier, results)) for _ in range(WORKERS)]
    for w in workers:
        w.start()
    counts = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    subjects = [
        str(message_from_bytes(line.encode()).get("Subject"))
        for path in tmp_path.iterdir()
        for line in path.read_text().split("-" * 79)
        if "Subject:" in line
    ]
    assert sum(counts) == MESSAGES
    assert len(subjects) == MESSAGES  # what really went out: no message twice
    rows = Message.objects.filter(pk__in=[m.pk for m in messages])
    assert set(rows.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_a_row_locked_by_another_worker_is_passed_over(settings, mailoutbox):
    """On PostgreSQL another connection holds the row lock (a worker claiming it) and the
    delivery passes over the row instead of waiting. SQLite has one writer at a time, so
    there the same holds one claim after the other: a claimed row is not taken again."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    locked, free = make_message(), make_message()
    now = timezone.now()
    if connection.vendor == "postgresql":
        holding, release = threading.Event(), threading.Event()

        def hold_lock():
            with transaction.atomic():
                Message.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(30)
            connections.close_all()

        other = threading.Thread(target=hold_lock)
        other.start()
        assert holding.wait(30)
        try:
            assert services.deliver_due(now=now) == 1  # did not block on the locked row
        finally:
            release.set()
            other.join()
    else:
        services._claim(Message.objects.filter(pk=locked.pk), now)
        assert services.deliver_due(now=now) == 1
    assert Message.objects.get(pk=free.pk).status == Status.SENT
    assert Message.objects.get(pk=locked.pk).status == Status.PENDING
    assert [m.subject for m in mailoutbox] == [free.subject]
