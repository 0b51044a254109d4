"""The signing task (django_tasks API). The "immediate" backend runs it at once after the
commit of the leader's `complete`; "database" (django-tasks-db) stores it for
`motcua db_worker`, with the deferred re-runs retries ask for. `motcua results sign
--pending` signs whatever is still due with any backend."""

from django_tasks import task

from motcua.results import services


@task()
def sign_result(result_id: int) -> str:
    """Sign the result if it is pending and due; its status after (idempotent)."""
    return services.sign(result_id)
