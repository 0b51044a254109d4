"""The procedure catalogue: sectors, procedures, their documents and fees, and the
publication decisions that create, amend, replace and abolish them.

A `Procedure` row holds the text in force now (denormalised for search and filters);
every change also writes a `ProcedureVersion` holding a full snapshot, so the text can
be shown as it stood on any date. Only `services.py` writes these tables.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from motcua.catalog.constants import Change, DurationUnit, OnlineLevel, OnlineScope, Status
from motcua.org.constants import Level


class Sector(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    code = models.CharField(_("procedure code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=1000)
    name_folded = models.CharField(max_length=1000, editable=False, db_index=True)
    search_text = models.TextField(editable=False, default="")
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("performing agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
        help_text=_("The provincial department; empty for district and commune procedures."),
    )
    performing_agency = models.CharField(
        _("performing agency (as published)"), max_length=300, blank=True
    )
    applicants = models.CharField(_("applicants"), max_length=200, blank=True)
    steps = models.TextField(_("steps"), blank=True)
    where_to_apply = models.TextField(_("where to apply"), blank=True)
    channel_counter = models.BooleanField(_("at the counter"), default=True)
    channel_online = models.BooleanField(_("online"), default=False)
    channel_post = models.BooleanField(_("by post"), default=False)
    duration_unit = models.CharField(
        _("duration unit"),
        max_length=5,
        choices=DurationUnit.choices,
        default=DurationUnit.WORKING_DAYS,
    )
    statutory_duration = models.DecimalField(
        _("statutory duration"), max_digits=7, decimal_places=2
    )
    local_duration = models.DecimalField(
        _("local duration"),
        max_digits=7,
        decimal_places=2,
        help_text=_("The province's reduced time limit; equal to the statutory one if not cut."),
    )
    duration_note = models.CharField(_("duration note"), max_length=500, blank=True)
    fee_text = models.TextField(_("fees and charges"), blank=True)
    result = models.TextField(_("result"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    online_level = models.PositiveSmallIntegerField(
        _("online service level"), choices=OnlineLevel.choices, default=OnlineLevel.LEVEL_2
    )
    online_scope = models.CharField(
        _("online scope"), max_length=10, choices=OnlineScope.choices, blank=True
    )
    one_stop = models.BooleanField(_("one-stop"), default=True)
    inter_agency = models.BooleanField(_("inter-agency"), default=False)
    restart_on_supplement = models.BooleanField(
        _("restart the clock on supplement"),
        default=True,
        help_text=_(
            "The time limit restarts when the complete dossier comes back after a supplement "
            "request (the rule since Nghị định 118/2025). Untick for procedures whose sector "
            "law only pauses the clock for the supplement."
        ),
    )
    same_day_cutoff = models.TimeField(
        _("same-day roll-over time"),
        null=True,
        blank=True,
        help_text=_(
            "A dossier of this procedure received after this time of a working day counts "
            "from the next working day."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    valid_to = models.DateField(_("in force until"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["name", "code"]
        indexes = [
            models.Index(fields=["status", "level", "online_level"]),
            models.Index(fields=["status", "agency"]),
            models.Index(fields=["status", "sector"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:procedure", args=[self.code])

    @property
    def time_cut(self) -> bool:
        return self.local_duration < self.statutory_duration


class RequiredDocument(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="documents", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("document"), max_length=1000)
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    form = models.CharField(_("form template"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["procedure", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="fees", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("fee"), max_length=300)
    amount = models.PositiveBigIntegerField(
        _("amount (VND)"), null=True, blank=True, help_text=_("Empty when it varies.")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        ordering = ["procedure", "position", "id"]

    def __str__(self) -> str:
        return self.name


class PublicationDecision(models.Model):
    """Quyết định công bố: a decision publishing changes to the catalogue."""

    number = models.CharField(_("number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=1000)
    signed_on = models.DateField(_("signed on"))
    effective_on = models.DateField(_("effective on"))
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    agency = models.ForeignKey(
        "org.Agency",
        verbose_name=_("proposing agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("publication decision")
        verbose_name_plural = _("publication decisions")
        ordering = ["-signed_on", "number"]

    def __str__(self) -> str:
        return self.number


class PublicationItem(models.Model):
    """One procedure listed in a decision, with the change and the time limits it published."""

    decision = models.ForeignKey(
        PublicationDecision,
        verbose_name=_("decision"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    replaces = models.ManyToManyField(
        Procedure, verbose_name=_("replaces"), blank=True, related_name="replaced_by_items"
    )
    duration_unit = models.CharField(
        _("duration unit"), max_length=5, choices=DurationUnit.choices, blank=True
    )
    statutory_duration = models.DecimalField(
        _("statutory duration"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    local_duration = models.DecimalField(
        _("local duration"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("published procedure")
        verbose_name_plural = _("published procedures")
        ordering = ["decision", "id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "procedure"], name="item_once_per_decision")
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.get_change_display()} {self.procedure.code}"


class ProcedureVersion(models.Model):
    """A full snapshot of a procedure's text, in force from valid_from until valid_to."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    valid_from = models.DateField(_("in force from"))
    valid_to = models.DateField(_("in force until"), null=True, blank=True)
    decision = models.ForeignKey(
        PublicationDecision,
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(_("text"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        "org.User",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"


class SearchPhrase(models.Model):
    """How people say it, and what the catalogue calls it: "làm sổ đỏ" means "cấp Giấy chứng
    nhận quyền sử dụng đất". A phrase with no meaning is a filler word ("làm", "xin"), left
    out of what a search must match. Used by search.py through phrases.py; changed only by
    services.save_search_phrase (docs/catalogue.md, "Search")."""

    phrase = models.CharField(
        _("what people write"),
        max_length=200,
        help_text=_(
            "A phrase as citizens type it, e.g. “làm sổ đỏ”. Diacritics and case do not matter."
        ),
    )
    phrase_key = models.CharField(max_length=200, unique=True, editable=False)
    means = models.TextField(
        _("wording in the catalogue"),
        blank=True,
        help_text=_(
            "One per line: words as they stand in procedure names, e.g. “cấp giấy chứng "
            "nhận quyền sử dụng đất”. Procedures with the first line rank first. Leave empty "
            "for a filler word (“làm”, “xin”) that a search should ignore."
        ),
    )
    means_folded = models.JSONField(default=list, editable=False)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("search phrase")
        verbose_name_plural = _("search phrases")
        ordering = ["phrase_key"]

    def __str__(self) -> str:
        return self.phrase
