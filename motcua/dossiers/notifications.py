"""Telling the applicant what happened to their dossier.

`services._event` calls `enqueue`, which writes the applicant's message to the outbox in
the same transaction as the change (docs/outbox.md), for the actions an applicant must hear
about: submitted online, received (with the appointment date), supplement requested (what
is missing; the clock is stopped), refused (why), result ready (where to collect it), late
apology (the new date), returned and withdrawn. Parts of an inter-agency chain are
internal: only the applicant's own dossier sends messages.

The text is composed at once, in Vietnamese, and kept in the outbox row; the task worker
sends it by e-mail after the commit (Django's e-mail backend, configured by EMAIL_BACKEND
and EMAIL_* in the environment) and retries it if the mail server is down. Each message sent
is recorded as an audit event `dossier.notified` on the dossier, with the address masked; a
message that could not be sent at all, as `outbox.failed`. A rolled-back change leaves no
row, so it tells nobody anything. An applicant without an e-mail address gets no row (text
messages need a provider's gateway).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.dossiers.links import link_path
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
    """The public lookup link of a dossier, outside any request: its signed link, which
    carries a token and never the lookup password (dossiers/links.py)."""
    return settings.MOTCUA["PUBLIC_URL"].rstrip("/") + link_path(dossier)


def mask_email(address: str) -> str:
    """nguyenvana@example.vn → ng*******@example.vn"""
    from motcua.outbox.services import mask

    return mask(address)


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


def dedupe_key(event) -> str:
    return f"dossiers.dossierevent:{event.pk}:email"


def enqueue(event):
    """Write the applicant's message about `event` to the outbox, in the caller's
    transaction (the one that appended the event); None when there is nothing to send."""
    from motcua.outbox import services as outbox
    from motcua.outbox.models import Channel

    dossier = event.dossier
    if Action(event.action) not in NOTIFIED or dossier.parent_id:
        return None
    address = dossier.applicant.email if dossier.applicant_id else ""
    if not address:
        return None  # text messages need a provider's gateway
    with translation.override(settings.LANGUAGE_CODE):  # the applicant's language
        text = message(dossier, event)
    if text is None:
        return None
    subject, body = text
    return outbox.enqueue(
        channel=Channel.EMAIL,
        recipient=address,
        subject=subject,
        body=body,
        kind="dossier.notified",
        about=dossier,
        context={"event": event.pk},
        dedupe_key=dedupe_key(event),
    )


def notify(event_id: int) -> bool:
    """Compatibility with tasks queued before the outbox: enqueue (once) and send now."""
    from motcua.dossiers.models import DossierEvent
    from motcua.outbox import services as outbox

    event = DossierEvent.objects.select_related("dossier__procedure", "dossier__applicant").get(
        pk=event_id
    )
    with transaction.atomic():
        queued = enqueue(event)
    return queued is not None and outbox.deliver(queued)
