"""Admin-editable parts of the working-time calendar.

CalendarException: a day off or a make-up working day announced for public servants.
A row overrides, for its date, the shipped data (data/vn_exceptions.json) and the
`holidays` package; supervisors add next year's announcements here.

WorkingHoursProfile: the clock times of the working day and the transfer cut-off,
province-wide (no agency) or for one agency; it overrides the WORKTIME settings (HOURS,
TRANSFER_CUTOFF).
"""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.worktime import core


class CalendarException(models.Model):
    class Kind(models.TextChoices):
        DAY_OFF = core.DAY_OFF, _("Day off")
        WORKING_DAY = core.WORKING_DAY, _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reason = models.CharField(
        _("reason"),
        max_length=300,
        help_text=_("e.g. Nghỉ hoán đổi dịp Quốc khánh (làm bù thứ Bảy 22/8)."),
    )
    document_number = models.CharField(
        _("document number"),
        max_length=100,
        blank=True,
        help_text=_("Number of the announcing document, e.g. Thông báo 9441/TB-BNV."),
    )
    document_date = models.DateField(_("document date"), null=True, blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive rows are ignored: the shipped data applies to that date again."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"

    def as_note(self) -> core.DayNote:
        return core.DayNote(
            name=self.reason,
            kind=self.kind,
            document=self.document_number,
            document_date=self.document_date,
            source="override",
        )


class WorkingHoursProfile(models.Model):
    agency = models.OneToOneField(
        "org.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="working_hours",
        help_text=_("Leave empty for the profile that applies to the whole province."),
    )
    morning_start = models.TimeField(_("morning starts"), default=time(7, 30))
    morning_end = models.TimeField(_("morning ends"), default=time(11, 30))
    afternoon_start = models.TimeField(
        _("afternoon starts"), null=True, blank=True, default=time(13, 30)
    )
    afternoon_end = models.TimeField(
        _("afternoon ends"), null=True, blank=True, default=time(17, 30)
    )
    # The transfer cut-off (rules file, Life of a dossier 2): it never moves a deadline.
    cutoff = models.TimeField(
        _("transfer cut-off"),
        null=True,
        blank=True,
        default=time(15, 0),
        help_text=_(
            "A dossier received after this time of a working day is transferred to the "
            "processing unit at the start of the next working day; it does not move the "
            "deadline. Leave empty for no cut-off."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working hours profile")
        verbose_name_plural = _("working hours profiles")
        ordering = ["agency__name"]

    def __str__(self) -> str:
        where = str(self.agency) if self.agency_id else _("Whole province")
        try:
            return f"{where}: {self.working_hours()}"
        except ValueError:
            return str(where)

    def periods(self) -> list[tuple]:
        periods = [(self.morning_start, self.morning_end)]
        if self.afternoon_start is not None or self.afternoon_end is not None:
            periods.append((self.afternoon_start, self.afternoon_end))
        return periods

    def working_hours(self) -> core.WorkingHours:
        return core.WorkingHours.parse(self.periods())

    def clean(self):
        super().clean()
        if (self.afternoon_start is None) != (self.afternoon_end is None):
            raise ValidationError(
                _("Give both the start and the end of the afternoon, or neither.")
            )
        try:
            self.working_hours()
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                _("The working periods must be in order and must not overlap.")
            ) from exc
        if self.active and self.agency_id is None:
            others = WorkingHoursProfile.objects.filter(agency__isnull=True, active=True)
            if others.exclude(pk=self.pk).exists():
                raise ValidationError(
                    _("There is already an active profile for the whole province.")
                )
