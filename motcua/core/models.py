import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(ValueError):
    """Raised on any attempt to change or remove a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    """For tables that only grow (the audit trail, dossier events): bulk updates and deletes
    raise in Python, as save() of an existing row and delete() of one row do. On PostgreSQL
    the database refuses them as well (`append_only_triggers`)."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows are never updated")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.label} rows are never updated")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} rows are never deleted")

    delete.queryset_only = True


class TruncateGuard(pgtrigger.Trigger):
    """Refuses TRUNCATE to every role but the table's owner (and superusers).

    The application's role (docs/security.md) is not the owner. The owner may truncate: it
    could drop the trigger anyway, and Django's test flush needs it."""

    level = pgtrigger.Statement
    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    func = (
        "IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),"
        " 'USAGE') THEN RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;"
        " END IF; RETURN NULL;"
    )


def append_only_triggers() -> list[pgtrigger.Trigger]:
    """The PostgreSQL triggers of an append-only table (no-ops on SQLite): no UPDATE, no
    DELETE, by anyone; no TRUNCATE but by the owner."""
    return [
        pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        TruncateGuard(name="no_truncate"),
    ]


class AuditEvent(models.Model):
    """One immutable line of the audit trail: who changed what, when.

    Written by the services in the same transaction as the change it records.
    Never updated or deleted.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        triggers = append_only_triggers()
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are never deleted")
