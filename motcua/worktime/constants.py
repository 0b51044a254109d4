"""Display labels of the timeliness statuses (values are those of motcua.worktime.core)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.worktime import core


class TimelinessStatus(models.TextChoices):
    EARLY = core.EARLY, _("Early")
    ON_TIME = core.ON_TIME, _("On time")
    LATE = core.LATE, _("Late")
    WITHIN_DEADLINE = core.WITHIN_DEADLINE, _("Within deadline")
    DUE_SOON = core.DUE_SOON, _("Due soon")
    OVERDUE = core.OVERDUE, _("Overdue")
