"""Telling the applicant what happened to their dossier.

`services._event` calls `enqueue`, which writes the applicant's message to the outbox in
the same transaction as the change (docs/outbox.md), for the actions an applicant must hear
about: submitted online, received (with the appointment date), supplement requested (what
is missing; the clock is stopped), refused (why), result ready (how it reaches them), late
apology (the new date), returned and withdrawn. Parts of an inter-agency chain are
internal: only the applicant's own dossier sends messages.

The text is composed at once, in Vietnamese, and kept in the outbox row; the task worker
sends it by e-mail after the commit (Django's e-mail backend, configured by EMAIL_BACKEND
and EMAIL_* in the environment) and retries it if the mail server is down. Each message sent
is recorded as an audit event `dossier.notified` on the dossier, with the address masked; a
message that could not be sent at all, as `outbox.failed`. A rolled-back change leaves no
row, so it tells nobody anything.

Channels (docs/notifications.md): an applicant with a citizen account gets e-mail and/or a
text message as chosen on the account's "Receive notifications" page (`Account.notify_email`,
`notify_sms`); an applicant without one, as the desk recorded their wish at receipt
(`Applicant.notify_email`, `notify_sms`; text messages by default when a mobile number is
given): e-mail when an address is known and wanted, a text message when wanted, or, when
nobody asked (`notify_sms` empty: the API, older dossiers), when `SMS["WITHOUT_ACCOUNT"]` is
on. A text message is short (`SMS_TEXTS`: the dossier code, what happened, the signed lookup
link) and goes to a valid Vietnamese mobile number only; each channel has its own row and
dedupe key. "The result is ready" says what the applicant chose (`READY_TEXTS`): where and
when to collect it at the desk, the address it is posted to, or the portal's download link.
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

# "The result is ready", by where the applicant chose to receive it (Dossier.result_delivery;
# a dossier without a choice is collected at the desk): where and when at the desk; the
# address it is posted to (QĐ 45/2016/QĐ-TTg); the portal's download link for an electronic
# result (NĐ 45/2020/NĐ-CP), which the account receives once the agency has signed it.
READY_TEXTS = {
    "desk": gettext_lazy(
        "The result of your dossier for the procedure “%(procedure)s” is ready. Collect it "
        "at %(desk)s from %(at)s, in working hours (%(hours)s) on working days; bring the "
        "receipt."
    ),
    "post": gettext_lazy(
        "The result of your dossier for the procedure “%(procedure)s” is ready. It will be "
        "sent to you by public postal service at %(address)s; you need not come to the desk."
    ),
    "electronic": gettext_lazy(
        "The result of your dossier for the procedure “%(procedure)s” is ready. You receive "
        "it electronically: sign in to the portal to download the signed result at %(link)s "
        "(it is there as soon as the agency has signed it)."
    ),
}
READY_SMS = {
    "desk": gettext_lazy("Dossier %(code)s: the result is ready to collect at the desk."),
    "post": gettext_lazy("Dossier %(code)s: the result is ready and will be posted to you."),
    "electronic": gettext_lazy("Dossier %(code)s: the result is ready to download on the portal."),
}

# The text message for each action: short, so that with the link it fits one or two SMS
# segments; the link follows.
SMS_TEXTS = {
    Action.SUBMIT: gettext_lazy("Dossier %(code)s was submitted and awaits checking."),
    Action.RECEIVE: gettext_lazy("Dossier %(code)s was received. Result due %(due)s."),
    Action.REQUEST_SUPPLEMENT: gettext_lazy("Dossier %(code)s needs a supplement. Details:"),
    Action.REFUSE: gettext_lazy("Dossier %(code)s was refused. Reasons:"),
    Action.COMPLETE: gettext_lazy("Dossier %(code)s: the result is ready to collect."),
    Action.APOLOGISE: gettext_lazy("Dossier %(code)s is late, sorry. New date %(due)s."),
    Action.RETURN_RESULT: gettext_lazy("Dossier %(code)s: the result was returned."),
    Action.WITHDRAW: gettext_lazy("Dossier %(code)s was stopped at your request."),
}


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


def delivery(dossier) -> str:
    """Where the result goes: "desk", "post" or "electronic" (no choice: the desk)."""
    return dossier.result_delivery if dossier.result_delivery in READY_TEXTS else "desk"


def _hours(desk) -> str:
    """The desk's working hours, e.g. "07:30–11:30, 13:30–17:30"."""
    from motcua.worktime.calendars import get_calendar

    periods = get_calendar(desk.agency_id if desk else None).hours.periods
    return ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in periods)


def _download_link(dossier) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("results:download", kwargs={"code": dossier.code})
    except NoReverseMatch:  # a deployment without electronic results: the lookup link
        return public_url(dossier)
    return settings.MOTCUA["PUBLIC_URL"].rstrip("/") + path


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
    if action == Action.COMPLETE:
        way = delivery(dossier)
        body = READY_TEXTS[way]
        if way == "desk":
            values["hours"] = _hours(desk)
        elif way == "post":
            values["address"] = dossier.result_address or dossier.applicant.address
        else:
            values["link"] = _download_link(dossier)
    track = _("Track your dossier: %(url)s") % {"url": public_url(dossier)}
    return str(
        subject
    ) % values, f"{str(body) % values}\n\n{track}\n\n{settings.MOTCUA['PORTAL_NAME']}"


def sms_message(dossier, event) -> str | None:
    """The text message telling the applicant about `event` (code, what happened, link)."""
    action = Action(event.action)
    if action not in NOTIFIED or dossier.parent_id:
        return None
    due = f"{timezone.localtime(dossier.due_at):%d/%m/%Y}" if dossier.due_at else ""
    short = READY_SMS[delivery(dossier)] if action == Action.COMPLETE else SMS_TEXTS[action]
    text = str(short) % {"code": dossier.code, "due": due}
    return f"{text} {public_url(dossier)}"


def dedupe_key(event, channel: str = "email") -> str:
    return f"dossiers.dossierevent:{event.pk}:{channel}"


def recipients(dossier) -> dict[str, str]:
    """Where the applicant of `dossier` wants to hear: {channel: address} (see the module's
    docstring); empty when nowhere."""
    from motcua.accounts.models import Account
    from motcua.accounts.services import sms_number
    from motcua.outbox import sms

    applicant = dossier.applicant if dossier.applicant_id else None
    if applicant is None:
        return {}
    account = (
        Account.objects.filter(user_id=applicant.user_id).first() if applicant.user_id else None
    )
    found = {}
    if account is None:  # the wish the desk recorded (Applicant.notify_email, notify_sms)
        if applicant.email and applicant.notify_email:
            found["email"] = applicant.email
        wants_sms = applicant.notify_sms
        if wants_sms is None:  # not asked (the API, older dossiers): the setting decides
            wants_sms = sms.config("WITHOUT_ACCOUNT")
        if wants_sms and sms.enabled():
            phone = sms.valid_phone(applicant.phone)
            if phone:
                found["sms"] = phone
        return found
    if account.notify_email and (applicant.email or account.email):
        found["email"] = applicant.email or account.email
    if account.notify_sms and sms.enabled():
        phone = sms.valid_phone(account.sms_phone) or sms.valid_phone(applicant.phone)
        phone = phone or sms_number(account)
        if phone:
            found["sms"] = phone
    return found


def enqueue(event):
    """Write the applicant's messages about `event` to the outbox, in the caller's
    transaction (the one that appended the event), one per chosen channel; the e-mail
    message if there is one, else the text message, else None."""
    from motcua.outbox import services as outbox
    from motcua.outbox.models import Channel

    dossier = event.dossier
    if Action(event.action) not in NOTIFIED or dossier.parent_id:
        return None
    to = recipients(dossier)
    if not to:
        return None
    queued = []
    with translation.override(settings.LANGUAGE_CODE):  # the applicant's language
        if "email" in to:
            subject, body = message(dossier, event)
            queued.append(
                outbox.enqueue(
                    channel=Channel.EMAIL,
                    recipient=to["email"],
                    subject=subject,
                    body=body,
                    kind="dossier.notified",
                    about=dossier,
                    context={"event": event.pk},
                    dedupe_key=dedupe_key(event),
                )
            )
        if "sms" in to:
            text = sms_message(dossier, event)
            queued.append(
                outbox.enqueue(
                    channel=Channel.SMS,
                    recipient=to["sms"],
                    subject=str(TEXTS[Action(event.action)][0]) % {"code": dossier.code},
                    body=text,
                    kind="dossier.notified",
                    about=dossier,
                    context={"event": event.pk},
                    dedupe_key=dedupe_key(event, "sms"),
                )
            )
    return queued[0] if queued else None


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
