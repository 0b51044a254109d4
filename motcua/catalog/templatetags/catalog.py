from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from motcua.catalog.constants import DurationUnit
from motcua.core.numbers import format_vn
from motcua.org.constants import Level

register = template.Library()


@register.filter
def level_label(value: str) -> str:
    return Level(value).label if value in Level.values else value


def _amount(value) -> str:
    number = Decimal(str(value))
    return format_vn(int(number) if number == number.to_integral_value() else number.normalize())


@register.filter
def duration_label(text: dict) -> str:
    unit = (
        _("working hours")
        if text.get("duration_unit") == DurationUnit.WORKING_HOURS
        else _("working days")
    )
    local, statutory = (
        Decimal(str(text["local_duration"])),
        Decimal(str(text["statutory_duration"])),
    )
    if local < statutory:
        return _("%(local)s %(unit)s (statutory: %(statutory)s)") % {
            "local": _amount(local),
            "unit": unit,
            "statutory": _amount(statutory),
        }
    return f"{_amount(local)} {unit}"


@register.filter
def vnd(value) -> str:
    return f"{format_vn(int(value))} đồng" if value is not None else ""


@register.filter
def vn(value) -> str:
    return format_vn(value)
