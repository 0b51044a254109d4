"""The personal electronic data store (kho quản lý dữ liệu điện tử của tổ chức, cá nhân;
Nghị định 45/2020 as amended by Nghị định 118/2025): each person's and organisation's
earlier results and digitised papers, kept so that nobody supplies the same paper twice.

A `StoreItem` points at the file it stands for (a dossier's document or its signed
electronic result) rather than holding a copy: the dossier keeps its own file for ever, the
item only says whose it is, where it came from and whether its owner hid it. Owners are
keyed by identity (a person's ID number, an organisation's tax code), so that a dossier
filed at the counter under an ID number is in the store of the citizen who later signs in
with that identity verified; and by account, for applicants known only by their account.
`CorrectionRequest` is a data subject's request to correct their data (Luật 91/2025/QH15).
Only `services.py` writes these tables (docs/store.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RESULT = "result", _("Result")
    PAPER = "paper", _("Digitised paper")


class OwnerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class StoreItem(models.Model):
    owner_kind = models.CharField(_("owner"), max_length=12, choices=OwnerKind.choices)
    owner_number = models.CharField(
        _("owner's ID number or tax code"),
        max_length=14,
        blank=True,
        help_text=_("A person's ID number, an organisation's tax code; empty when not known."),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="store_items",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=1000)
    # What it stands for in a later dossier: the folded name of the paper (a required
    # document's name, or the result a procedure issues), compared with required documents.
    match_key = models.CharField(max_length=1000, blank=True, editable=False)
    document = models.OneToOneField(
        "dossiers.DossierDocument",
        verbose_name=_("dossier document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="store_item",
    )
    result = models.OneToOneField(
        "results.ResultDocument",
        verbose_name=_("electronic result"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="store_item",
    )
    required_document = models.ForeignKey(
        "catalog.RequiredDocument",
        verbose_name=_("required document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("from dossier"),
        on_delete=models.PROTECT,
        related_name="store_items",
    )
    agency = models.ForeignKey(
        "org.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    obtained_at = models.DateTimeField(
        _("dated"), help_text=_("When the paper was received or the result issued.")
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("deleted by the owner at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored item")
        verbose_name_plural = _("stored items")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="paper", document__isnull=False, result__isnull=True)
                | Q(kind="result", result__isnull=False, document__isnull=True),
                name="store_item_has_one_source",
            )
        ]
        indexes = [
            models.Index(fields=["owner_kind", "owner_number"], name="store_owner_number"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def file(self):
        """The stored file this item stands for (the dossier's own)."""
        return self.document.file if self.kind == Kind.PAPER else self.result.file


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    CORRECTED = "corrected", _("Corrected")
    REFUSED = "refused", _("Not corrected")


class CorrectionRequest(models.Model):
    """A data subject's request to correct their personal data (Luật 91/2025/QH15,
    Nghị định 356/2025/NĐ-CP), answered by a supervisor."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="correction_requests",
    )
    what_is_wrong = models.TextField(_("what is wrong"))
    should_be = models.TextField(_("what it should be"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    response = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("answer due by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        indexes = [models.Index(fields=["status", "due_at"], name="correction_open_due")]

    def __str__(self) -> str:
        return f"{self.pk} {self.created_at:%Y-%m-%d}"
