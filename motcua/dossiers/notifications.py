"""Telling the applicant what happened to their dossier.

`services._event` queues `tasks.notify_applicant` once the transaction has committed, for
the actions an applicant must hear about: submitted online, received (with the appointment
date), supplement requested (what is missing; the clock is stopped), refused (why), result
ready (where to collect it), late apology (the new date), returned and withdrawn. Parts of
an inter-agency chain are internal: only the applicant's own dossier sends messages.

The message goes by e-mail when the applicant gave an address (Django's e-mail backend,
configured by EMAIL_BACKEND and EMAIL_* in the environment); each message sent is recorded
as an audit event `dossier.notified` on the dossier, with the address masked. An applicant
without an e-mail address gets nothing by e-mail (text messages need a provider's gateway).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.workflow import Action

# What the applicant is told, by action: (subject, body). The actions listed here are the
# ones that notify; every other action (forward, approve, hand-over …) is internal.
TEXTS = {
    Action.SUBMIT: (
        gettext_lazy("Dossier %(code)s submitted"),
        gettext_lazy(
            "Your dossier for the procedure “%(procedure)s” was submitted on %(at)s. "
            "The one-stop desk will check it and tell you when it is received or what is "
            "missing."
        ),
    ),
    Action.RECEIVE: (
        gettext_lazy("Dossier %(code)s received"),
        gettext_lazy(
            "Your dossier for the procedure “%(procedure)s” was received on %(received)s. "
            "Appointment to return the result: %(due)s, at %(desk)s."
        ),
    ),
    Action.REQUEST_SUPPLEMENT: (
        gettext_lazy("Dossier %(code)s: documents to supplement"),
        gettext_lazy(
            "Your dossier for the procedure “%(procedure)s” needs to be supplemented: "
            "%(comment)s. The processing time is stopped until the desk receives the "
            "supplement."
        ),
    ),
    Action.REFUSE: (
        gettext_lazy("Dossier %(code)s refused"),
        gettext_lazy(
            "Your dossier for the procedure “%(procedure)s” was refused on %(at)s. "
            "Reasons: %(comment)s"
        ),
    ),
    Action.COMPLETE: (
        gettext_lazy("Dossier %(code)s: the result is ready"),
        gettext_lazy(
            "The result of your dossier for the procedure “%(procedure)s” is ready. "
            "Collect it at %(desk)s; bring the receipt."
        ),
    ),
    Action.APOLOGISE: (
        gettext_lazy("Dossier %(code)s: new appointment"),
        gettext_lazy(
            "We apologise: the result of your dossier for the procedure “%(procedure)s” "
            "will be late. New appointment: %(due)s. Reason: %(comment)s"
        ),
    ),
    Action.RETURN_RESULT: (
        gettext_lazy("Dossier %(code)s: result returned"),
        gettext_lazy(
            "The result of your dossier for the procedure “%(procedure)s” was returned on %(at)s."
        ),
    ),
    Action.WITHDRAW: (
        gettext_lazy("Dossier %(code)s withdrawn"),
        gettext_lazy(
            "Your dossier for the procedure “%(procedure)s” was withdrawn on %(at)s at "
            "your request."
        ),
    ),
}
NOTIFIED = frozenset(TEXTS)


def public_url(dossier) -> str:
    """The public lookup link of a dossier, with its lookup password, outside any request."""
    path = reverse("dossiers:lookup", args=[dossier.code])
    base = settings.MOTCUA["PUBLIC_URL"].rstrip("/")
    return f"{base}{path}?{urlencode({'secret': dossier.secret})}"


def mask_email(address: str) -> str:
    """nguyenvana@example.vn → ng*******@example.vn"""
    name, _at, domain = address.partition("@")
    return f"{name[:2]}{'*' * max(len(name) - 2, 1)}@{domain}"


def _when(value) -> str:
    return f"{timezone.localtime(value):%H:%M, %d/%m/%Y}" if value else ""


def message(dossier, event) -> tuple[str, str] | None:
    """The subject and body telling the applicant about `event`, or None if there is none."""
    action = Action(event.action)
    if action not in NOTIFIED or dossier.parent_id:
        return None
    desk = dossier.return_desk or dossier.received_desk
    values = {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "desk": f"{desk.name}, {desk.address}".strip(", ") if desk else "",
        "received": _when(dossier.received_at or event.at),
        "due": _when(dossier.due_at),
        "at": _when(event.at),
        "comment": event.comment or "",
    }
    subject, body = TEXTS[action]
    track = _("Track your dossier: %(url)s") % {"url": public_url(dossier)}
    return str(
        subject
    ) % values, f"{str(body) % values}\n\n{track}\n\n{settings.MOTCUA['PORTAL_NAME']}"


def notify(event_id: int) -> bool:
    """Send the applicant the message of one event; True if an e-mail went out."""
    from motcua.core import audit
    from motcua.dossiers.models import DossierEvent

    event = DossierEvent.objects.select_related(
        "dossier__procedure",
        "dossier__applicant",
        "dossier__received_desk",
        "dossier__return_desk",
    ).get(pk=event_id)
    dossier = event.dossier
    address = dossier.applicant.email if dossier.applicant_id else ""
    if not address:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        text = message(dossier, event)
    if text is None:
        return False
    subject, body = text
    send_mail(subject, body, None, [address])
    with transaction.atomic():
        audit.record(
            "dossier.notified",
            dossier,
            summary=f"{event.action}: e-mail {mask_email(address)}",
            event=event.pk,
            channel="email",
            to=mask_email(address),
        )
    return True
