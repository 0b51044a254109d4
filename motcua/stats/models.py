"""The stored monthly reports (docs/statistics.md, "Scheduled reports"): Biểu 06a and the
QĐ 766 index of the province for one calendar month, produced once on the 1st of the next
month by `motcua.stats.scheduled.produce_month` and never changed afterwards."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    FORM06A = "form06a", _("Form 06a")
    INDEX766 = "index766", _("Index (Decision 766)")


class MonthlyReport(models.Model):
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    # "" is the whole province (the only scope produced today).
    scope = models.CharField(_("scope"), max_length=64, blank=True, default="")
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder)
    xlsx = models.BinaryField(_("XLSX workbook"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "kind", "scope"], name="monthly_report_once_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%m/%Y}"


class Grain(models.TextChoices):
    DAY = "D", _("day")
    MONTH = "M", _("month")
    YEAR = "Y", _("year")
    OPENING = "O", _("opening balance")


class Fact(models.Model):
    """The statistics' fact table (docs/statistics.md, "Fact table"): counts per agency,
    procedure, day, channel and kind, kept by `stats.facts.follow` in the transaction of
    every dossier event and rebuilt by `motcua facts rebuild`. Each fact is stored three
    times: on its day (grain D), on the first day of its month (M) and of its year (Y), so
    that a long period, or everything before a date, sums a few rows per year and month
    instead of one per day."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()
    agency = models.ForeignKey(
        "org.Agency", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    channel = models.CharField(max_length=10)
    part = models.BooleanField(default=False)
    digitised = models.BooleanField(default=False)
    multi = models.BooleanField(default=False)
    kind = models.CharField(max_length=16)  # factcore.KINDS, OPEN
    count = models.IntegerField(default=0)
    seconds = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("statistics fact")
        verbose_name_plural = _("statistics facts")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "grain",
                    "day",
                    "agency",
                    "procedure",
                    "channel",
                    "part",
                    "digitised",
                    "multi",
                    "kind",
                ],
                name="fact_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.day} {self.agency_id} {self.kind} {self.count}"


class FactOpenings(models.Model):
    """How far the fact table's opening balances go (one row): every year up to `through`
    has its openings (grain O). The yearly roll (`stats.facts.open_years`) locks this row
    for update; an event that changes a fact of an earlier year locks it for share, so that
    a roll never misses a change made while it runs."""

    through = models.PositiveSmallIntegerField(null=True)

    class Meta:
        verbose_name = _("fact table openings")
        verbose_name_plural = _("fact table openings")

    def __str__(self) -> str:
        return str(self.through)
