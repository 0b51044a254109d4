from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Tier of government (cấp): also the level of a procedure."""

    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class AgencyKind(models.TextChoices):
    PROVINCIAL_PC = "provincial_pc", _("Provincial People's Committee")
    DEPARTMENT = "department", _("Provincial department")
    SERVICE_CENTER = "service_center", _("Public administrative service center")
    DISTRICT_PC = "district_pc", _("District People's Committee")
    COMMUNE_PC = "commune_pc", _("Commune People's Committee")
    SPECIALIST_UNIT = "specialist_unit", _("Specialist unit")
    OTHER = "other", _("Other body")


class Role(models.TextChoices):
    DESK_OFFICER = "desk_officer", _("One-stop desk officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
