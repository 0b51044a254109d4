"""Background work of the dossiers app, through the django_tasks API.

The applicant's messages go through the outbox (motcua/outbox/tasks.py delivers them);
`notify_applicant` stays only for tasks queued before the outbox existed.

The backend is a setting (TASKS, chosen by MOTCUA_TASKS): "immediate" runs a task when it is
enqueued (development, tests, the demo), "database" stores it for `motcua db_worker`
(django-tasks-db; no broker needed)."""

from django_tasks import task

from motcua.dossiers import notifications


@task()
def notify_applicant(event_id: int) -> bool:
    return notifications.notify(event_id)
