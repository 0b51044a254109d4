"""The only code that changes electronic results (docs/results.md).

- `on_complete` is called by `dossiers.services` inside the transaction of the leader's
  `complete`: it writes the pending `ResultDocument` (its number allocated under the
  agency's yearly counter lock) and, once that transaction commits, queues the signing
  task. A finish dated more than RESULTS["AUTO_SIGN_DAYS"] ago is history being recorded
  (the demo's traffic, an import): nothing is made; `request` makes one on demand.
- `sign` (the task) renders and signs the PDF outside any transaction, then stores it in a
  short one: the file, its SHA-256, the certificate's subject and serial, the signing time.
  Running it twice, or two workers at once, leaves one signed document (the second finds
  it signed under the row lock and discards its work). A failure is kept on the row and
  retried with back-off (1, 2, 4 … minutes) until RESULTS["MAX_ATTEMPTS"], then the row is
  marked failed; `retry` (`motcua results sign CODE`) starts it again.
- Every change writes an audit event: result.requested, result.signed, result.sign_failed,
  result.retried; a download writes result.downloaded. When the result is signed, an
  applicant with an account and an e-mail address is told through the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.core import audit
from motcua.results import keys, signing, verification
from motcua.results.keys import config
from motcua.results.models import ResultCounter, ResultDocument, Status
from motcua.store import services as store

log = logging.getLogger(__name__)

REQUESTED = "result.requested"
SIGNED = "result.signed"
SIGN_FAILED = "result.sign_failed"
RETRIED = "result.retried"
DOWNLOADED = "result.downloaded"
NOTIFIED = "result.notified"


class ResultError(Exception):
    """A request the rules refuse; the message is for the officer."""


# --- Requesting ---------------------------------------------------------------------------


def on_complete(dossier, actor, at: datetime) -> ResultDocument | None:
    """The leader signed the result (`complete`, in its transaction): the electronic
    result is made for the agency where the dossier is, dated when processing finished."""
    if at < timezone.now() - timedelta(days=config("AUTO_SIGN_DAYS")):
        return None
    return request(dossier, actor=actor, issued_at=at, agency=dossier.current_agency)


def _next_number(agency, year: int) -> int:
    """The agency's next result number of `year`, under its counter's row lock."""
    counter = ResultCounter.objects.select_for_update().filter(agency=agency, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                ResultCounter.objects.create(agency=agency, year=year, last=0)
        except IntegrityError:  # another transaction created it first
            pass
        counter = ResultCounter.objects.select_for_update().get(agency=agency, year=year)
    ResultCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return counter.last


def _signer_names(actor, agency, at) -> tuple[str, str]:
    """The signer's name and, for a deputy under a delegation, the leader's."""
    if not getattr(actor, "is_authenticated", False):
        return "", ""
    from motcua.dossiers import permissions

    delegation = permissions.acting_for(actor, agency.pk, at)
    on_behalf = str(delegation.leader) if delegation is not None else ""
    return str(actor)[:300], on_behalf[:300]


@transaction.atomic
def request(
    dossier,
    *,
    actor=None,
    issued_at: datetime | None = None,
    agency=None,
    by=None,
    schedule_signing: bool = True,
) -> ResultDocument:
    """The dossier's electronic result, made pending (once: an existing one is returned)
    and queued for signing after the commit. `actor` is the leader who signed the result,
    `by` who asked for it when that is someone else (None: the system)."""
    existing = ResultDocument.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    issued_at = issued_at or dossier.finished_at
    if issued_at is None:
        raise ResultError(_("This dossier has no result to sign."))
    agency = agency or dossier.performing_agency
    leader_name, on_behalf_of = _signer_names(actor, agency, issued_at)
    year = timezone.localdate(issued_at).year
    try:
        with transaction.atomic():  # the number and the row, or neither
            result = ResultDocument.objects.create(
                dossier=dossier,
                agency=agency,
                leader=actor if getattr(actor, "is_authenticated", False) else None,
                leader_name=leader_name,
                on_behalf_of=on_behalf_of,
                year=year,
                number=_next_number(agency, year),
                issued_at=issued_at,
                requested_at=timezone.now(),
            )
    except IntegrityError:  # made meanwhile by another transaction
        return ResultDocument.objects.get(dossier=dossier)
    audit.record(
        REQUESTED,
        result,
        by or actor,
        f"{dossier.code}: {result.number}/{year}",
        dossier=dossier.code,
        agency=agency.code,
        number=result.number,
        year=year,
    )
    if schedule_signing:
        pk = result.pk
        transaction.on_commit(lambda: schedule(pk))
    return result


def schedule(result_id: int, run_after: datetime | None = None):
    """Queue the signing task (after a commit). A later run is queued only when the task
    backend can defer (django-tasks-db); otherwise `motcua results sign --pending` retries."""
    from motcua.results import tasks

    task = tasks.sign_result
    try:
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return None
            task = task.using(run_after=run_after)
        return task.enqueue(result_id)
    except Exception:  # the row is safe; the command signs it
        log.exception("results: could not queue the signing of result %s", result_id)
        return None


# --- Signing ------------------------------------------------------------------------------


def _loaded(result_id: int) -> ResultDocument:
    return ResultDocument.objects.select_related(
        "dossier__procedure",
        "dossier__applicant",
        "agency__parent",
        "agency__admin_unit",
    ).get(pk=result_id)


def sign(result_id: int, now: datetime | None = None, *, force: bool = False) -> str:
    """Sign the result if it is pending and due (`force`: due now); its status after."""
    now = now or timezone.now()
    result = _loaded(result_id)
    if result.status != Status.PENDING:
        return result.status
    if not force and result.next_attempt_at is not None and result.next_attempt_at > now:
        return result.status
    try:
        signed = signing.produce(result)
    except Exception as exc:  # kept on the row and retried, never lost
        return _failed(result, exc, now)
    return _store(result, signed)


def _store(result: ResultDocument, signed: signing.Signed) -> str:
    stored = None
    try:
        with transaction.atomic():
            locked = ResultDocument.objects.select_for_update().get(pk=result.pk)
            if locked.status != Status.PENDING:
                return locked.status  # another run finished first: its file stands
            check = signed.check
            locked.file.save(f"{result.dossier.code}.pdf", ContentFile(signed.pdf), save=False)
            stored = locked.file.name
            locked.sha256 = verification.digest(signed.pdf)
            locked.size = len(signed.pdf)
            locked.certificate_subject = check.subject[:1000]
            locked.certificate_issuer = check.issuer[:1000]
            locked.certificate_serial = check.serial[:80]
            locked.signed_at = check.signed_at
            locked.timestamped = check.timestamped
            locked.status = Status.SIGNED
            locked.next_attempt_at = None
            locked.last_error = ""
            locked.save()
            audit.record(
                SIGNED,
                locked,
                None,
                f"{result.dossier.code}: {check.common_name}",
                dossier=result.dossier.code,
                sha256=locked.sha256,
                certificate_serial=locked.certificate_serial,
                timestamped=locked.timestamped,
                attempts=locked.attempts + 1,
            )
            _tell_applicant(locked, result.dossier)
            store.keep_result(locked)  # into the applicant's personal data store
            _return_electronically(result.dossier)
    except BaseException:
        if stored:
            locked.file.storage.delete(stored)
        raise
    log.info("results: result %s of %s signed", result.pk, result.dossier.code)
    return Status.SIGNED


def backoff(attempts: int) -> timedelta:
    base, cap = config("RETRY_BASE_SECONDS"), config("RETRY_MAX_SECONDS")
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 32), cap))


def _failed(result: ResultDocument, exc: Exception, now: datetime) -> str:
    error = f"{type(exc).__name__}: {exc}"[:500]
    with transaction.atomic():
        locked = ResultDocument.objects.select_for_update().get(pk=result.pk)
        if locked.status != Status.PENDING:
            return locked.status
        locked.attempts += 1
        locked.last_error = error
        final = locked.attempts >= config("MAX_ATTEMPTS")
        if final:
            locked.status = Status.FAILED
            locked.next_attempt_at = None
            audit.record(
                SIGN_FAILED,
                locked,
                None,
                f"{result.dossier.code}: {error}",
                dossier=result.dossier.code,
                attempts=locked.attempts,
                error=error,
            )
        else:
            locked.next_attempt_at = now + backoff(locked.attempts)
            pk, run_after = locked.pk, locked.next_attempt_at
            transaction.on_commit(lambda: schedule(pk, run_after=run_after))
        locked.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    if final:
        log.error("results: result %s could not be signed (%s); given up", result.pk, error)
    else:
        log.warning(
            "results: result %s: signing attempt %s failed (%s)", result.pk, locked.attempts, error
        )
    return locked.status


def due(now: datetime):
    """Pending results whose (next) attempt is due."""
    return ResultDocument.objects.filter(status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def sign_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Sign the pending results that are due (the sweep after an outage); counts by outcome."""
    now = now or timezone.now()
    outcomes: dict[str, int] = {}
    for pk in due(now).order_by("requested_at", "pk").values_list("pk", flat=True)[:limit]:
        status = sign(pk, now)
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


@transaction.atomic
def retry(result: ResultDocument, actor=None) -> ResultDocument:
    """A failed result is pending again with a full set of attempts."""
    locked = ResultDocument.objects.select_for_update().get(pk=result.pk)
    if locked.status != Status.FAILED:
        return locked
    previous = locked.attempts
    locked.status, locked.attempts, locked.next_attempt_at = Status.PENDING, 0, None
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit.record(RETRIED, locked, actor, locked.last_error, previous_attempts=previous)
    return locked


def sign_dossier(dossier, actor=None) -> ResultDocument:
    """`motcua results sign CODE`: make the dossier's electronic result now (signed by its
    performing agency, for the leader who completed it), or sign a pending or failed one."""
    from motcua.dossiers.models import DossierEvent
    from motcua.dossiers.workflow import Action
    from motcua.dossiers.workflow import Status as DossierStatus

    dossier.refresh_from_db()
    if dossier.status not in (DossierStatus.RESULT_READY, DossierStatus.RETURNED):
        raise ResultError(_("This dossier has no result to sign."))
    completed = (
        DossierEvent.objects.filter(dossier=dossier, action=Action.COMPLETE)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    result = request(
        dossier,
        actor=completed.actor if completed is not None else None,
        issued_at=dossier.finished_at,
        by=actor,
        schedule_signing=False,
    )
    if result.status == Status.FAILED:
        result = retry(result, actor)
    sign(result.pk, force=True)
    return _loaded(result.pk)


# --- Telling the applicant ------------------------------------------------------------------


def _return_electronically(dossier) -> None:
    """The applicant chose the result electronically and has an account: the signed result
    is issued to the account now, so the dossier is returned now (NĐ 45/2020/NĐ-CP as
    amended: an electronic result has the legal value of the paper one [check]); it does
    not wait at the desk. Through `dossiers.services.act`, by the system (no officer), in
    the signing transaction: the event, the fact table and the applicant's message follow."""
    from motcua.dossiers import services as dossier_services
    from motcua.dossiers.models import ResultDelivery
    from motcua.dossiers.workflow import Action
    from motcua.dossiers.workflow import Status as DossierStatus

    if (
        dossier.parent_id
        or dossier.result_delivery != ResultDelivery.ELECTRONIC
        or not dossier.applicant.user_id
    ):
        return
    if not type(dossier).objects.filter(pk=dossier.pk, status=DossierStatus.RESULT_READY).exists():
        return  # returned already, or not finished with a result
    dossier_services.act(
        dossier,
        Action.RETURN_RESULT,
        None,
        check_permission=False,
        comment=_("Electronic result issued to the applicant's account on the portal"),
    )


def download_url(code: str) -> str:
    base = settings.MOTCUA["PUBLIC_URL"].rstrip("/")
    return base + reverse("results:download", kwargs={"code": code})


def _tell_applicant(result: ResultDocument, dossier) -> None:
    """An outbox message, in the signing transaction, to an applicant who can download the
    result: one with an account and an e-mail address (a dossier's parts tell nobody)."""
    applicant = dossier.applicant
    if dossier.parent_id or not applicant.email or not applicant.user_id:
        return
    from motcua.outbox import services as outbox
    from motcua.outbox.models import Channel

    with translation.override(settings.LANGUAGE_CODE):  # the applicant's language
        subject = _("Dossier %(code)s: the electronic result is signed") % {"code": dossier.code}
        body = _(
            "The electronic result of your dossier for the procedure “%(procedure)s” was "
            "signed by %(agency)s. Sign in to the portal to download it: %(url)s"
        ) % {
            "procedure": dossier.procedure.name,
            "agency": result.agency.name,
            "url": download_url(dossier.code),
        }
    outbox.enqueue(
        channel=Channel.EMAIL,
        recipient=applicant.email,
        subject=subject,
        body=f"{body}\n\n{settings.MOTCUA['PORTAL_NAME']}",
        kind=NOTIFIED,
        about=result,
        context={"dossier": dossier.code},
        dedupe_key=f"results.resultdocument:{result.pk}:signed",
    )


# --- Verifying ----------------------------------------------------------------------------


@dataclass
class Examination:
    """What the verification page and `motcua verify` show about one file."""

    verdict: verification.Verdict
    issued: ResultDocument | None  # the result motcua issued with exactly these bytes
    stored_intact: bool | None = None  # for a QR link: the stored file is the one issued


def examine(data: bytes) -> Examination:
    verdict = verification.verify(
        data, keys.trust_roots(), fetch_revocation=config("FETCH_REVOCATION")
    )
    issued = (
        ResultDocument.objects.select_related("dossier__procedure", "dossier__applicant", "agency")
        .filter(status=Status.SIGNED, sha256=verdict.sha256)
        .first()
    )
    return Examination(verdict, issued)


def examine_issued(result: ResultDocument) -> Examination:
    """The stored file of a signed result, checked as an upload would be."""
    try:
        with result.file.open("rb") as handle:
            data = handle.read()
    except OSError:  # the stored file is gone: said so, never a 500
        log.error("results: the stored file of result %s cannot be read", result.pk)
        missing = verification.Verdict(verification.UNREADABLE, "", 0, reason="missing")
        return Examination(missing, None, stored_intact=False)
    examination = examine(data)
    examination.stored_intact = examination.verdict.sha256 == result.sha256
    examination.issued = result if examination.stored_intact else None
    return examination


def record_download(result: ResultDocument, actor) -> None:
    audit.record(DOWNLOADED, result, actor, result.dossier.code, dossier=result.dossier.code)
