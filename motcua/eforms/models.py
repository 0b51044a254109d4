"""E-forms of online applications: each procedure's form as data, and what an applicant
filled in for a dossier.

A `FormDefinition` is one revision of a procedure's form (a JSON Schema and UI hints,
eforms/schema.py). Revisions are never changed nor deleted: a supervisor's edit adds the
next one, recorded against the procedure version in force when it was made, so a dossier
always shows its answers with the labels it was filled in under. A procedure without a
revision uses the built-in form (eforms/defaults.py).

A `FormRecord` is what the applicant submitted with a dossier: the typed answers, the
revision (or built-in form) they answer, and whether the identity provider had verified the
applicant's identity (the national index's VNeID flag). Also never changed: a later
correction of the answers would be a new record. Only `services.py` writes these tables.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import AppendOnlyQuerySet, append_only_triggers


class _Immutable(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(f"{self._meta.verbose_name} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} rows are never deleted")


class FormDefinition(_Immutable):
    procedure = models.ForeignKey(
        "catalog.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="eforms",
    )
    revision = models.PositiveIntegerField(_("revision"))
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        verbose_name=_("for procedure version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The procedure's text in force when the form was saved; later texts use it "
            "until the form is edited again."
        ),
    )
    schema = models.JSONField(_("JSON Schema"))
    ui = models.JSONField(_("UI hints"), default=dict, blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        triggers = append_only_triggers()
        verbose_name = _("e-form revision")
        verbose_name_plural = _("e-form revisions")
        ordering = ["procedure", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "revision"], name="eform_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} r{self.revision}"


class FormRecord(_Immutable):
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="eforms",
    )
    definition = models.ForeignKey(
        FormDefinition,
        verbose_name=_("e-form revision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    builtin = models.CharField(
        _("built-in form"),
        max_length=20,
        blank=True,
        help_text=_("The built-in form used when the procedure had no form of its own."),
    )
    data = models.JSONField(_("answers"))
    identity_verified = models.BooleanField(
        _("identity verified by the provider"),
        help_text=_(
            "The applicant signed in with an identity the provider had verified (VNeID level 2)."
        ),
    )
    identity_provider = models.CharField(_("identity provider"), max_length=255, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        triggers = append_only_triggers()
        verbose_name = _("e-form record")
        verbose_name_plural = _("e-form records")
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} e-form"
