"""The province's organisation: administrative units, agencies, one-stop desks, officers.

Administrative units are versioned rows: a unit that is renamed, reclassified or moved
gets a new row with the same official code; the old row is closed (valid_to). So the
province can be shown as it stood on any date, and the 2025 reorganisation is recorded
as dated changes rather than overwrites.
"""

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.org.constants import AgencyKind, Level, Role


class ValidOnQuerySet(models.QuerySet):
    def valid_on(self, day: date):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )

    def current(self):
        return self.valid_on(date.today())


class AdminUnit(models.Model):
    """An administrative unit (tỉnh, huyện, xã …) as it stood from valid_from until valid_to."""

    code = models.CharField(_("official code"), max_length=10, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(_("type"), max_length=50, help_text=_("e.g. Tỉnh, Huyện, Xã"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("First day it no longer applies.")
    )

    objects = ValidOnQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="adminunit_code_from"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="adminunit_one_open"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AdminUnitChange(models.Model):
    """A dated change of administrative units (merge, reclassification, rename, move)."""

    class Kind(models.TextChoices):
        ESTABLISH = "establish", _("Established")
        MERGE = "merge", _("Merged")
        RECLASSIFY = "reclassify", _("Reclassified")
        RENAME = "rename", _("Renamed")
        MOVE = "move", _("Moved to another parent")
        DISSOLVE = "dissolve", _("Dissolved")

    effective_on = models.DateField(_("effective on"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    instrument = models.CharField(_("legal instrument"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    before = models.ManyToManyField(AdminUnit, verbose_name=_("units before"), related_name="+")
    after = models.ManyToManyField(AdminUnit, verbose_name=_("units after"), related_name="+")

    class Meta:
        verbose_name = _("administrative unit change")
        verbose_name_plural = _("administrative unit changes")
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.get_kind_display()}"


class Agency(models.Model):
    """A government body: department, People's Committee, specialist unit, service center."""

    code = models.CharField(
        _("electronic ID code"),
        max_length=40,
        unique=True,
        help_text=_("Agency code under QCVN 102:2016/BTTTT, used in dossier codes."),
    )
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    admin_unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("administrative unit served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    objects = ValidOnQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["level", "name"]
        indexes = [models.Index(fields=["kind", "level"])]

    def __str__(self) -> str:
        return self.name


class AgencySuccession(models.Model):
    """An agency closed and another took over its work (a merger, the 2025 reorganisation).

    The chain of these rows is an agency's history: its predecessors and successors."""

    predecessor = models.ForeignKey(
        Agency,
        verbose_name=_("predecessor"),
        on_delete=models.PROTECT,
        related_name="successions",
    )
    successor = models.ForeignKey(
        Agency,
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        related_name="successions_from",
    )
    effective_on = models.DateField(_("effective on"))
    instrument = models.CharField(_("legal instrument"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("agency succession")
        verbose_name_plural = _("agency successions")
        ordering = ["effective_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "effective_on"], name="agency_one_successor_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on})"


class Desk(models.Model):
    """A one-stop desk (Bộ phận một cửa) of an agency, possibly hosted at the Service Center."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="desks"
    )
    host = models.ForeignKey(
        Agency,
        verbose_name=_("hosted at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_desks",
        help_text=_("The public administrative service center where the desk sits, if any."),
    )
    name = models.CharField(_("name"), max_length=300)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("one-stop desk")
        verbose_name_plural = _("one-stop desks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: officers (with Officer posts) and, later, citizens."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Officer(models.Model):
    """An officer's post: a user holding a role in an agency for a period."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="posts"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="officers"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("desk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    objects = ValidOnQuerySet.as_manager()

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["agency", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                condition=Q(valid_to__isnull=True),
                name="officer_one_open_post",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency}"
