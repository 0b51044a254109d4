from django.db import models
from django.utils.translation import gettext_lazy as _


class DurationUnit(models.TextChoices):
    WORKING_DAYS = "days", _("working days")
    WORKING_HOURS = "hours", _("working hours")


class OnlineScope(models.TextChoices):
    """Classification of Nghị định 42/2022: the whole procedure online, or part of it."""

    NONE = "", _("Not online")
    FULL = "full", _("Full (toàn trình)")
    PARTIAL = "partial", _("Partial (một phần)")


class OnlineLevel(models.IntegerChoices):
    """Levels of Nghị định 43/2011, still used by the province's reports."""

    LEVEL_1 = 1, _("Level 1")
    LEVEL_2 = 2, _("Level 2")
    LEVEL_3 = 3, _("Level 3")
    LEVEL_4 = 4, _("Level 4")


class Status(models.TextChoices):
    ACTIVE = "active", _("In force")
    ABOLISHED = "abolished", _("Abolished")
    REPLACED = "replaced", _("Replaced")


class Change(models.TextChoices):
    """What a publication decision does to a procedure."""

    NEW = "new", _("Newly issued")
    AMENDED = "amended", _("Amended")
    REPLACED = "replaced", _("Replacing")
    ABOLISHED = "abolished", _("Abolished")
