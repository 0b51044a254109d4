"""`motcua outbox deliver` sends what is due (the worker for backends that cannot defer);
`motcua outbox status` tells an operator where things stand."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from motcua.outbox import services
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.factories import make_message

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("outbox", *args, stdout=out)
    return out.getvalue()


def test_deliver_sends_due_messages_and_leaves_the_rest(mail_server, mailoutbox):
    due = make_message()
    later = make_message()
    Message.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert "1 sent" in run("deliver")
    assert [m.subject for m in mailoutbox] == [due.subject]
    assert Message.objects.get(pk=later.pk).status == Status.PENDING


class Clock:
    """Stands in for the command's `time`: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_loop_drains_full_batches_at_once_then_waits_until_max_seconds(
    mail_server, mailoutbox, monkeypatch
):
    from motcua.outbox.management.commands import outbox as command

    clock = Clock()
    monkeypatch.setattr(command, "time", clock)
    for _n in range(5):
        make_message()
    out = run("deliver", "--loop", "--limit", "2", "--every", "10", "--max-seconds", "25")
    assert "5 sent" in out
    assert len(mailoutbox) == 5
    # 2 + 2 without waiting, then 1 (drained): wait 10, 10, then the last 5 seconds.
    assert clock.sleeps == [10, 10, 5]
    assert "0 sent" in run("deliver", "--loop", "--max-seconds", "0")  # one round, no wait


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError):
        run("deliver", "--every", "0")
    with pytest.raises(CommandError):
        run("deliver", "--limit", "-1")


def test_status_counts_pending_retrying_and_failed(mail_server, settings):
    settings.OUTBOX = {**settings.OUTBOX, "MAX_ATTEMPTS": 1}
    make_message()
    mail_server.down = True
    services.deliver_due()  # fails for good at once
    make_message()
    text = run("status")
    assert "pending 1 (retrying 0, due now 1), sent 0, failed 1" in text
    assert "oldest pending since" in text


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_with_the_database_backend_a_retry_is_a_deferred_task(mail_server, mailoutbox):
    from django_tasks_db.models import DBTaskResult

    mail_server.down = True
    message = make_message()  # commits: a task is stored for the worker
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    [deferred] = DBTaskResult.objects.filter(status="READY")
    assert deferred.run_after == message.next_attempt_at  # the retry waits its minute
    assert deferred.args_kwargs["args"] == [[message.pk]]
    mail_server.down = False
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert mailoutbox == []  # not yet due: the worker leaves it
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    DBTaskResult.objects.filter(pk=deferred.pk).update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mailoutbox) == 1
    assert Message.objects.get(pk=message.pk).status == Status.SENT
