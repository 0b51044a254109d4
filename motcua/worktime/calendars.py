"""The working-time calendar in the project: settings + shipped data + database.

Public API for dossier code (the default calendar, or an agency's hours):

    due_at(received_at, amount, unit="days", *, pauses=(), restart_on_supplement=False,
           agency=None) -> datetime | None
    classify(received_at, amount, unit="days", *, now=None, finished_at=None, pauses=(),
             restart_on_supplement=False, agency=None, due_soon_fraction=None) -> Timeliness
    deadline(...) -> Deadline          (due instant, used time, status at any instant)
    get_calendar(agency=None) -> Calendar

Calendars are cached per process and rebuilt when a CalendarException or a
WorkingHoursProfile is saved or deleted, when the settings change, and at the latest
after WORKTIME["CACHE_SECONDS"]. Other processes learn of a change through the Django
cache (a generation key), immediately if the cache backend is shared.
"""

from __future__ import annotations

import threading
import time as clock
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from motcua.worktime import core, vn

DEFAULTS = {
    "HOURS": [("07:30", "11:30"), ("13:30", "17:30")],
    "CUTOFF": "15:00",
    "DUE_SOON_FRACTION": core.DEFAULT_DUE_SOON_FRACTION,
    "INCLUDE_CULTURE_DAY": True,
    "CACHE_SECONDS": 300,
}
GENERATION_KEY = "motcua.worktime.generation"

_calendars: dict[object, tuple[float, object, core.Calendar]] = {}
_lock = threading.Lock()


def config() -> dict:
    """WORKTIME settings (settings.MOTCUA["WORKTIME"]) over the defaults."""
    overrides = (getattr(settings, "MOTCUA", None) or {}).get("WORKTIME") or {}
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown MOTCUA['WORKTIME'] keys: {sorted(unknown)}")
    return {**DEFAULTS, **overrides}


def invalidate(**kwargs) -> None:
    """Forget the cached calendars, here and (through the cache) in other processes."""
    with _lock:
        _calendars.clear()
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _agency_key(agency):
    if agency is None:
        return None
    return getattr(agency, "pk", agency)


def get_calendar(agency=None) -> core.Calendar:
    """The calendar for an agency (instance or primary key), or the province's."""
    key = _agency_key(agency)
    generation = cache.get(GENERATION_KEY)
    now = clock.monotonic()
    hit = _calendars.get(key)
    if hit is not None and hit[0] > now and hit[1] == generation:
        return hit[2]
    calendar = build(key)
    with _lock:
        _calendars[key] = (now + config()["CACHE_SECONDS"], generation, calendar)
    return calendar


def build(agency_id=None) -> core.Calendar:
    """A fresh calendar from settings, the shipped data and the database."""
    from motcua.worktime.models import CalendarException, WorkingHoursProfile

    cfg = config()
    hours, cutoff = cfg["HOURS"], cfg["CUTOFF"]
    profiles = WorkingHoursProfile.objects.filter(active=True)
    profile = None
    if agency_id is not None:
        profile = profiles.filter(agency_id=agency_id).first()
    if profile is None:
        profile = profiles.filter(agency__isnull=True).first()
    if profile is not None:
        hours, cutoff = profile.periods(), profile.cutoff
    days_off, working_days = {}, {}
    for row in CalendarException.objects.filter(active=True):
        (days_off if row.kind == core.DAY_OFF else working_days)[row.date] = row.as_note()
    return vn.build_calendar(
        hours=hours,
        cutoff=cutoff,
        include_culture_day=cfg["INCLUDE_CULTURE_DAY"],
        days_off=days_off,
        working_days=working_days,
        due_soon_fraction=cfg["DUE_SOON_FRACTION"],
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def deadline(
    received_at: datetime,
    amount,
    unit: str = core.DAYS,
    *,
    pauses=(),
    restart_on_supplement: bool = False,
    agency=None,
) -> core.Deadline:
    return get_calendar(agency).deadline(
        received_at, amount, unit, pauses=pauses, restart_on_supplement=restart_on_supplement
    )


def due_at(
    received_at: datetime,
    amount,
    unit: str = core.DAYS,
    *,
    pauses=(),
    restart_on_supplement: bool = False,
    agency=None,
) -> datetime | None:
    """The due instant (ngày hẹn trả) of a dossier received at `received_at` with a time
    limit of `amount` working days ("days") or working hours ("hours"); None while a
    supplement pause is open."""
    return get_calendar(agency).due_at(
        received_at, amount, unit, pauses=pauses, restart_on_supplement=restart_on_supplement
    )


def classify(
    received_at: datetime,
    amount,
    unit: str = core.DAYS,
    *,
    now: datetime | None = None,
    finished_at: datetime | None = None,
    pauses=(),
    restart_on_supplement: bool = False,
    agency=None,
    due_soon_fraction: float | None = None,
) -> core.Timeliness:
    """Timeliness: early / on_time / late when `finished_at` is given, otherwise
    within_deadline / due_soon / overdue at `now` (default: the current time)."""
    calendar = get_calendar(agency)
    if finished_at is None and now is None:
        now = timezone.now()
    return calendar.classify(
        received_at,
        amount,
        unit,
        now=now,
        finished_at=finished_at,
        pauses=pauses,
        restart_on_supplement=restart_on_supplement,
        due_soon_fraction=due_soon_fraction,
    )
