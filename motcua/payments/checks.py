"""Deployment checks (`motcua check --deploy`): the development gateway off, and every
enabled gateway with a secret of its own."""

from django.conf import settings
from django.core.checks import Error, Tags, register

DEV_SECRET = "motcua-dev-gateway-secret"


@register(Tags.security, deploy=True)
def payment_gateways(app_configs, **kwargs):
    payments = getattr(settings, "PAYMENTS", {})
    problems = []
    if payments.get("DEV_GATEWAY"):
        problems.append(
            Error(
                "The development payment gateway is on.",
                hint="Set MOTCUA_DEV_PAYMENT_GATEWAY=0 (it is off with MOTCUA_PRODUCTION=1).",
                id="payments.E001",
            )
        )
    for key, options in payments.get("GATEWAYS", {}).items():
        secret = (options or {}).get("SECRET", "")
        if not secret or secret == DEV_SECRET or len(secret) < 16:
            problems.append(
                Error(
                    f"The payment gateway {key!r} has no secret of its own.",
                    hint="Give it the secret the gateway issued (at least 16 characters).",
                    id="payments.E002",
                )
            )
    return problems
