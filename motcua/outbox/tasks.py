"""The delivery task (django_tasks API). The "immediate" backend runs it at once after the
commit; "database" (django-tasks-db) stores it for `motcua db_worker`, and also stores the
deferred re-runs that retries ask for. `motcua outbox deliver --loop` covers retries with
any backend."""

from django_tasks import task

from motcua.outbox import services


@task()
def deliver_messages(message_ids: list[int] | None = None) -> int:
    """Send the given messages if they are due (or every due message); the number sent."""
    return services.deliver_due(ids=message_ids)
