"""Dossiers (hồ sơ), their applicants, documents and immutable event history; the internal
processes and inter-agency chains they follow. Only `services.py` writes these tables; the
status moves only through `workflow.transition`.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from motcua.core.models import AppendOnlyQuerySet, append_only_triggers
from motcua.dossiers.workflow import OPEN, Action, Status
from motcua.org.constants import Role


class Channel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online")
    POST = "post", _("By public postal service")


class ResultDelivery(models.TextChoices):
    """Where the applicant asked to receive the result (an online application chooses)."""

    DESK = "desk", _("At the one-stop desk")
    POST = "post", _("By public postal service")
    ELECTRONIC = "electronic", _("Electronically, on the portal")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


STATUS_CHOICES = [
    (Status.SUBMITTED, _("Submitted, awaiting check")),
    (Status.INCOMPLETE, _("Incomplete, awaiting completion")),
    (Status.RECEIVED, _("Received")),
    (Status.PROCESSING, _("Processing")),
    (Status.AWAITING_SUPPLEMENT, _("Awaiting supplement")),
    (Status.RESULT_READY, _("Result ready")),
    (Status.RETURNED, _("Result returned")),
    (Status.REFUSED, _("Refused")),
    (Status.WITHDRAWN, _("Stopped at the applicant's request")),
    (Status.CLOSED, _("Closed, not supplemented")),
]
TRANSFER = "transfer"
ACTION_CHOICES = [
    (Action.SUBMIT, _("Submit")),
    (Action.RECEIVE, _("Receive")),
    (Action.FORWARD, _("Forward")),
    (Action.APPROVE, _("Approve")),
    (Action.REQUEST_SUPPLEMENT, _("Request supplement")),
    (Action.SUPPLEMENT, _("Supplement")),
    (Action.COMPLETE, _("Sign the result (processing finished)")),
    (Action.RETURN_RESULT, _("Return result")),
    (Action.REFUSE, _("Refuse")),
    (Action.WITHDRAW, _("Stop at the applicant's request")),
    (Action.APOLOGISE, _("Apologise with a new date")),
    (Action.HAND_OVER, _("Hand over to another agency")),
    (Action.HAND_BACK, _("Hand back")),
    (Action.CLOSE, _("Close, not supplemented")),
    # Not an officer's action and no move of status: the reorganisation's transfer of an
    # open dossier to its agency's successor (dossiers.services.transfer_to_successor).
    (TRANSFER, _("Transferred to the successor agency")),
]


class Applicant(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=ApplicantKind.choices)
    full_name = models.CharField(_("name"), max_length=300)
    name_folded = models.CharField(
        max_length=300, blank=True, db_index=True, help_text="full_name folded for search"
    )
    id_number = models.CharField(_("ID number"), max_length=12, blank=True, db_index=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    # How an applicant without an account wants to hear about the dossier, as the desk
    # recorded it (an account holder's choice is on the account): e-mail to the address
    # given; text messages to the mobile number given (None: not asked, SMS["WITHOUT_ACCOUNT"]
    # decides). Database defaults, so that bulk inserts (the demo's writer) get them too.
    notify_email = models.BooleanField(_("e-mail notifications"), default=True, db_default=True)
    notify_sms = models.BooleanField(
        _("text message notifications"), null=True, blank=True, default=None
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applicants",
    )

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")

    def __str__(self) -> str:
        return self.full_name


class Process(models.Model):
    """The internal process (quy trình nội bộ) of a procedure: the steps a dossier follows."""

    procedure = models.ForeignKey(
        "catalog.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="processes",
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="processes",
        help_text=_("Empty: the process of every agency that performs the procedure."),
    )
    name = models.CharField(_("name"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("internal process")
        verbose_name_plural = _("internal processes")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "agency"],
                condition=Q(is_active=True),
                name="one_active_process_per_agency",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    class Performer(models.TextChoices):
        RECEIVING_DESK = "receiving_desk", _("The desk that received the dossier")
        PERFORMING_AGENCY = "performing_agency", _("The performing agency")
        AGENCY = "agency", _("A named agency")

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("step"), max_length=300)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    performer = models.CharField(
        _("performed by"),
        max_length=20,
        choices=Performer.choices,
        default=Performer.PERFORMING_AGENCY,
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    allotted_hours = models.DecimalField(
        _("allotted working hours"), max_digits=7, decimal_places=2
    )

    class Meta:
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        ordering = ["process", "position"]
        constraints = [
            models.UniqueConstraint(fields=["process", "position"], name="step_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class InterAgencyChain(models.Model):
    """Một cửa liên thông: procedures of several agencies done on one dossier."""

    name = models.CharField(_("name"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inter-agency chain")
        verbose_name_plural = _("inter-agency chains")

    def __str__(self) -> str:
        return self.name


class ChainLink(models.Model):
    chain = models.ForeignKey(
        InterAgencyChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="links"
    )
    position = models.PositiveSmallIntegerField(
        _("position"), help_text=_("Links with the same position run in parallel.")
    )
    procedure = models.ForeignKey(
        "catalog.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="chain_links",
    )
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the agency of the dossier's area for that level."),
    )

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")
        ordering = ["chain", "position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.procedure}"


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=40, unique=True)
    secret = models.CharField(_("lookup password"), max_length=12)
    procedure = models.ForeignKey(
        "catalog.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        verbose_name=_("procedure text"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.ForeignKey(
        Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="dossiers"
    )
    # The applicant's name folded (Applicant.name_folded; an applicant row is never changed),
    # kept on the dossier so the work queue's name search reads no other table per row.
    applicant_name_folded = models.CharField(max_length=300, blank=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=STATUS_CHOICES)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inter-agency dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
    )
    chain = models.ForeignKey(
        InterAgencyChain,
        verbose_name=_("inter-agency chain"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    chain_position = models.PositiveSmallIntegerField(null=True, blank=True)
    received_desk = models.ForeignKey(
        "org.Desk",
        verbose_name=_("received at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    return_desk = models.ForeignKey(
        "org.Desk",
        verbose_name=_("result returned at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returning_dossiers",
    )
    performing_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("performing agency"),
        on_delete=models.PROTECT,
        related_name="performed_dossiers",
    )
    current_agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("at agency"),
        on_delete=models.PROTECT,
        related_name="current_dossiers",
    )
    current_step = models.ForeignKey(
        ProcessStep,
        verbose_name=_("current step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    check_due_at = models.DateTimeField(
        _("check due by"),
        null=True,
        blank=True,
        help_text=_(
            "For an online or postal dossier: when the desk must receive it or ask for a "
            "supplement."
        ),
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    transfer_due_at = models.DateTimeField(
        _("transfer due by"),
        null=True,
        blank=True,
        help_text=_("When a received dossier must reach the processing unit."),
    )
    due_at = models.DateTimeField(
        _("appointment"),
        null=True,
        blank=True,
        help_text=_("The appointment given to the applicant; an apology may move it."),
    )
    deadline_at = models.DateTimeField(
        _("legal deadline"),
        null=True,
        blank=True,
        help_text=_(
            "Receipt plus the time limit, moved only by supplement pauses; "
            "timeliness is judged against it."
        ),
    )
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    supplement_count = models.PositiveSmallIntegerField(
        _("supplement requests after receipt"), default=0
    )
    apologised_at = models.DateTimeField(_("apology issued at"), null=True, blank=True)
    finished_at = models.DateTimeField(
        _("processing finished at"),
        null=True,
        blank=True,
        help_text=_(
            "Result signed and ready, or the dossier refused, stopped or closed; timeliness "
            "is judged on it."
        ),
    )
    returned_at = models.DateTimeField(
        _("result returned at"),
        null=True,
        blank=True,
        help_text=_("The result handed over or sent to the applicant."),
    )
    timeliness = models.CharField(
        _("timeliness"), max_length=10, choices=Timeliness.choices, blank=True
    )
    result = models.TextField(_("result"), blank=True)
    facts = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="What the dossier adds to the statistics' fact table (stats.facts).",
    )
    fee_amount = models.PositiveBigIntegerField(_("fees (VND)"), default=0)
    fee_paid = models.BooleanField(_("fees paid"), default=False)
    result_delivery = models.CharField(
        _("result returned"),
        max_length=10,
        choices=ResultDelivery.choices,
        blank=True,
        help_text=_("Empty: at the desk that received the dossier."),
    )
    result_address = models.CharField(
        _("postal address for the result"), max_length=500, blank=True
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    idempotency_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # When the last thing was entered on the dossier: its events' latest entry time (an
    # event's `recorded_at`, else its `at`), kept by services._event. The work queue's stale
    # block and the reconciliation report read it on the row instead of each open dossier's
    # events.
    last_entered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        _open = Q(status__in=sorted(s.value for s in OPEN))  # the queue's partial indexes
        indexes = [
            models.Index(fields=["current_agency", "status", "due_at"], name="dossier_queue"),
            models.Index(fields=["status", "due_at"], name="dossier_status_due"),
            models.Index(fields=["performing_agency", "received_at"], name="dossier_agency_day"),
            models.Index(fields=["assignee", "status"], name="dossier_assignee"),
            models.Index(fields=["status", "check_due_at"], name="dossier_check_due"),
            # The work queue reads open dossiers only (about 2 % of them after a few years):
            # partial indexes in its order, one per visibility column (permissions), so a
            # page is read from the index, never by sorting an agency's whole history.
            models.Index(fields=["due_at", "id"], name="dossier_open_due", condition=_open),
            models.Index(
                fields=["current_agency", "due_at", "id"],
                name="dossier_open_current",
                condition=_open,
            ),
            models.Index(
                fields=["performing_agency", "due_at", "id"],
                name="dossier_open_performing",
                condition=_open,
            ),
            models.Index(
                fields=["received_desk", "due_at", "id"],
                name="dossier_open_desk",
                condition=_open,
            ),
            # The queue's search by procedure (views.matching): the open dossiers of the
            # procedures found, not every dossier they ever had.
            models.Index(fields=["procedure"], name="dossier_open_procedure", condition=_open),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        # A new dossier takes its applicant's folded name (the applicant object in hand: the
        # services create both together; the demo's bulk rows set it themselves).
        if not self.applicant_name_folded and Dossier.applicant.is_cached(self):
            self.applicant_name_folded = self.applicant.name_folded
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("dossiers:detail", args=[self.code])

    @property
    def result_ready_at(self):
        """When the result was ready: processing finished with a result."""
        has_result = self.status in (Status.RESULT_READY, Status.RETURNED)
        return self.finished_at if has_result else None


class DossierDocument(models.Model):
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="documents"
    )
    required_document = models.ForeignKey(
        "catalog.RequiredDocument",
        verbose_name=_("required document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("document"), max_length=1000)
    originals = models.PositiveSmallIntegerField(_("originals"), default=0)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    file = models.FileField(_("file"), upload_to="dossiers/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # The personal data store's item this file was taken from (the index's "reused" flag).
    reused_from = models.ForeignKey(
        "store.StoreItem",
        verbose_name=_("reused from the personal data store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reused_in",
    )

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")

    def __str__(self) -> str:
        return self.name


# Before any dossier: the lower bound of `since_arrival` for a dossier that has not arrived.
BEFORE_ANY = datetime(1, 1, 1, tzinfo=UTC)


def since_arrival(dossier=None) -> Q:
    """The condition on events that keeps those of a dossier's lifetime: dated at or after
    its arrival (submitted online, else received). `services.act` dates no action earlier,
    so it drops nothing; it lets PostgreSQL skip the event partitions of earlier years
    (events are partitioned by year: dossiers/partitions.py) when one dossier's events are
    read, in a subquery (`dossier` None: the outer dossier) or for a dossier in hand."""
    if dossier is None:
        arrival = Coalesce(OuterRef("submitted_at"), OuterRef("received_at"), Value(BEFORE_ANY))
        return Q(at__gte=arrival)
    return Q(at__gte=dossier.submitted_at or dossier.received_at or BEFORE_ANY)


class DossierEvent(models.Model):
    """One immutable line of a dossier's history: who did what, when, from which status."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=ACTION_CHOICES)
    from_status = models.CharField(_("from"), max_length=20, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=STATUS_CHOICES)
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    step = models.ForeignKey(
        ProcessStep,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    working_seconds = models.PositiveIntegerField(_("working time used (s)"), default=0)
    data = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(
        _("recorded at"),
        null=True,
        blank=True,
        help_text=_("When the event was entered; empty: when it happened (`at`)."),
    )
    late_entry = models.BooleanField(
        _("entered late"),
        default=False,
        help_text=_("Entered more than the allowed time after it happened; the reason is kept."),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        triggers = append_only_triggers()  # PostgreSQL refuses UPDATE/DELETE/TRUNCATE
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier", "at", "id"]
        indexes = [
            # A period's finishes and returns (stats.reconciliation: a leader's figure on
            # every queue page, the reconciliation report) without reading the year's events.
            models.Index(fields=["action", "at"], name="dossier_event_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Dossier events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Dossier events are never deleted")


class SupplementRequest(models.Model):
    """One request to supplement or correct a dossier, and when it was answered.

    Before receipt (an online or postal dossier the desk found incomplete) nothing runs;
    after receipt the time limit stops until the complete dossier comes back. The national
    index subtracts each interval and counts a dossier with more than one request after
    receipt as late, so every request is kept."""

    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="supplement_requests",
    )
    after_receipt = models.BooleanField(_("after receipt"))
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    items = models.TextField(_("what to supplement and why"))
    reason = models.TextField(
        _("reason for a late or repeated request"),
        blank=True,
        help_text=_("Required for a second request, or one made after the window."),
    )
    restarts_clock = models.BooleanField(
        _("time limit restarts"),
        default=True,
        help_text=_("False: the procedure pauses the clock instead of restarting it."),
    )
    supplemented_at = models.DateTimeField(_("supplemented at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed unsupplemented at"), null=True, blank=True)
    deadline_before = models.DateTimeField(
        _("deadline before the request"),
        null=True,
        blank=True,
        help_text=_("The legal deadline in force when the request was made (statistics)."),
    )

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["dossier", "requested_at", "id"]
        indexes = [
            models.Index(fields=["supplemented_at", "closed_at", "requested_at"], name="supp_open")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%Y-%m-%d}"


class DossierCounter(models.Model):
    """Last sequence number given to an agency's dossiers on a day (locked when used)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="counter_per_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.last}"


class Delegation(models.Model):
    """A leader's approval and signing delegated to a deputy for a period (ủy quyền)."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    agency = models.ForeignKey("org.Agency", verbose_name=_("agency"), on_delete=models.PROTECT)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self) -> str:
        return f"{self.leader} → {self.deputy}"
