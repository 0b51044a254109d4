"""The expiry task (django_tasks API): schedule it, or run `motcua payments expire`."""

from django_tasks import task

from motcua.payments import services


@task()
def expire_payments() -> int:
    return services.expire_due()
