"""Profile `ninhbinh-2026`: today's Ninh Bình (code 37), two tiers, built the way a province
got there: Hà Nam as in 2020 with its year of dossiers (profile hanam-2020's), Nam Định and
Ninh Bình as they stood on 30/06/2025, then the real reorganisation plan of the three,
applied through `reorg.services.apply` (NQ 202/2025/QH15: the three provinces became Ninh
Bình on 01/07/2025; districts abolished, communes merged), then the dossiers since 1/7/2025
on the new map, the last working days still open.

The plan is the one `motcua reorganise plan --province 35,36,37 --on 2025-07-01` builds,
applied without a supervisor's edits: its review points are listed by the seed and in
docs/reorganisation.md. Nam Định's and Ninh Bình's units come from vietnamadminunits'
snapshot of 30/06/2025 (their earlier history is not in it, so their units have no start
date) and their agencies follow Hà Nam's 2020 pattern (19 departments, district People's
Committees with their offices, commune People's Committees), with demo identifiers H41 and
H42; they have no dossiers before the change.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from motcua.org import demo as org_demo
from motcua.worktime.calendars import get_calendar

PROFILE = "ninhbinh-2026"
EFFECTIVE_ON = date(2025, 7, 1)
OLD_PROVINCES = (org_demo.HANAM, org_demo.NAMDINH, org_demo.NINHBINH)
NEIGHBOURS = (org_demo.NAMDINH, org_demo.NINHBINH)
HISTORY_SHARE = 0.3  # of the dossiers: Hà Nam's 2020; the rest since the change


@transaction.atomic
def load_neighbours() -> tuple[int, int]:
    """Nam Định's and Ninh Bình's units and agencies as on 30/06/2025: (units, agencies)."""
    from motcua.reorg import build

    units_made = agencies_made = 0
    for province in NEIGHBOURS:
        units = org_demo.load_units(data=build.legacy_units(province.unit))
        agencies = org_demo.load_agencies(units, province_of=province)
        units_made += len(units)
        agencies_made += len(agencies)
    return units_made, agencies_made


def reorganise(today: date | None = None):
    """Build the plan of the three old provinces and apply it (one transaction); returns
    the plan and `reorg.services.Outcome`."""
    from motcua.reorg import build, plan, services

    data = build.build_plan([p.unit for p in OLD_PROVINCES], EFFECTIVE_ON)
    checked = plan.check(data)
    return data, services.apply(checked, data, today=today)


def new_map_days(now: datetime) -> list[date]:
    """Working days from the change up to the recent days the traffic adds itself."""
    from motcua.demo.traffic import recent_days, working_days

    cal = get_calendar(None)
    return working_days(cal, EFFECTIVE_ON, recent_days(cal, now)[0])


def split(n: int) -> tuple[int, int]:
    """Dossiers of 2020 (old map) and since the change (new map)."""
    history = round(n * HISTORY_SHARE)
    return history, n - history
