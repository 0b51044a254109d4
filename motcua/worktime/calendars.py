"""The working-time calendar in the project: settings + shipped data + database.

Public API for dossier code (the default calendar, or an agency's hours):

    due_at(received_at, amount, unit="days", *, pauses=(), restart_on_supplement=True,
           cutoff=None, agency=None) -> datetime | None
    classify(received_at, amount, unit="days", *, now=None, finished_at=None, pauses=(),
             restart_on_supplement=True, cutoff=None, agency=None,
             due_soon_fraction=None) -> Timeliness
    deadline(...) -> Deadline          (due instant, used time, status at any instant)
    transfer_due(received_at, *, agency=None) -> datetime   (transfer cut-off rule)
    intake_cutoff(procedure_cutoff, channel) -> time | None (the `cutoff=` to pass)
    urgency(received_at, due_at, now, *, paused=False, agency=None) -> str
    get_calendar(agency=None) -> Calendar

Semantics: motcua/worktime/core.py (module docstring) and docs/worktime.md.

Calendars are cached per process and rebuilt when a CalendarException or a
WorkingHoursProfile is saved or deleted, when the settings change, and at the latest
after WORKTIME["CACHE_SECONDS"]. Other processes learn of a change through the Django
cache (a generation key), immediately if the cache backend is shared.
"""

from __future__ import annotations

import threading
import time as clock
import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from motcua.worktime import core, vn

DEFAULTS = {
    "HOURS": [("07:30", "11:30"), ("13:30", "17:30")],
    # Transfer to the processing unit: after this time, at the start of the next working
    # day (rules file, Life of a dossier 2). It does not move deadlines.
    "TRANSFER_CUTOFF": "15:00",
    # Online dossiers received on a working day after this time count from the next
    # working day (e.g. "17:00"); None: only the outside-working-hours rule applies.
    "ONLINE_CUTOFF": None,
    "DUE_SOON_FRACTION": core.DEFAULT_DUE_SOON_FRACTION,
    "INCLUDE_CULTURE_DAY": True,
    "CACHE_SECONDS": 300,
}
GENERATION_KEY = "motcua.worktime.generation"
ONLINE = "online"  # the dossiers' Channel.ONLINE value
# Renamed keys: refused with a pointer, because their meaning changed.
_RENAMED = {
    "CUTOFF": "CUTOFF was split: TRANSFER_CUTOFF is the transfer cut-off (it no longer "
    "moves deadlines), ONLINE_CUTOFF the online intake cut-off, and a same-day roll-over "
    "is set per procedure (Procedure.same_day_cutoff); see docs/worktime.md",
}

# Another process's change is looked up in the cache at most this often, so that a page
# calling get_calendar for every row (the work queue's urgency) asks the cache once.
GENERATION_POLL_SECONDS = 1.0

_calendars: dict[object, tuple[float, object, core.Calendar]] = {}
_generation: tuple[float, object] = (0.0, None)  # (checked until (monotonic), seen)
_lock = threading.Lock()


def config() -> dict:
    """WORKTIME settings (settings.MOTCUA["WORKTIME"]) over the defaults."""
    overrides = (getattr(settings, "MOTCUA", None) or {}).get("WORKTIME") or {}
    for key in overrides:
        if key in _RENAMED:
            raise ValueError(f"MOTCUA['WORKTIME']['{key}']: {_RENAMED[key]}")
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown MOTCUA['WORKTIME'] keys: {sorted(unknown)}")
    return {**DEFAULTS, **overrides}


def invalidate(**kwargs) -> None:
    """Forget the cached calendars, here and (through the cache) in other processes."""
    global _generation
    generation = uuid.uuid4().hex
    with _lock:
        _calendars.clear()
        _generation = (0.0, None)
    cache.set(GENERATION_KEY, generation, timeout=None)


def _current_generation(now: float):
    global _generation
    until, generation = _generation
    if now < until:
        return generation
    generation = cache.get(GENERATION_KEY)
    _generation = (now + GENERATION_POLL_SECONDS, generation)  # one assignment
    return generation


def _agency_key(agency):
    if agency is None:
        return None
    return getattr(agency, "pk", agency)


def get_calendar(agency=None) -> core.Calendar:
    """The calendar for an agency (instance or primary key), or the province's."""
    key = _agency_key(agency)
    now = clock.monotonic()
    generation = _current_generation(now)
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
    hours, transfer_cutoff = cfg["HOURS"], cfg["TRANSFER_CUTOFF"]
    core.parse_cutoff(cfg["ONLINE_CUTOFF"])  # a wrong value fails here, not at intake
    profiles = WorkingHoursProfile.objects.filter(active=True)
    profile = None
    if agency_id is not None:
        profile = profiles.filter(agency_id=agency_id).first()
    if profile is None:
        profile = profiles.filter(agency__isnull=True).first()
    if profile is not None:
        hours, transfer_cutoff = profile.periods(), profile.cutoff
    days_off, working_days = {}, {}
    for row in CalendarException.objects.filter(active=True):
        (days_off if row.kind == core.DAY_OFF else working_days)[row.date] = row.as_note()
    return vn.build_calendar(
        hours=hours,
        transfer_cutoff=transfer_cutoff,
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
    restart_on_supplement: bool = True,
    cutoff: time | str | None = None,
    agency=None,
) -> core.Deadline:
    return get_calendar(agency).deadline(
        received_at,
        amount,
        unit,
        pauses=pauses,
        restart_on_supplement=restart_on_supplement,
        cutoff=cutoff,
    )


def due_at(
    received_at: datetime,
    amount,
    unit: str = core.DAYS,
    *,
    pauses=(),
    restart_on_supplement: bool = True,
    cutoff: time | str | None = None,
    agency=None,
) -> datetime | None:
    """The due instant (ngày hẹn trả) of a dossier received at `received_at` with a time
    limit of `amount` working days ("days") or working hours ("hours"); None while a
    supplement pause is open. A supplement restarts the time limit unless
    `restart_on_supplement=False` (pause: the time used is kept). `cutoff`: the same-day
    roll-over time (see `intake_cutoff`); None: the time of day does not matter."""
    return get_calendar(agency).due_at(
        received_at,
        amount,
        unit,
        pauses=pauses,
        restart_on_supplement=restart_on_supplement,
        cutoff=cutoff,
    )


def classify(
    received_at: datetime,
    amount,
    unit: str = core.DAYS,
    *,
    now: datetime | None = None,
    finished_at: datetime | None = None,
    pauses=(),
    restart_on_supplement: bool = True,
    cutoff: time | str | None = None,
    agency=None,
    due_soon_fraction: float | None = None,
) -> core.Timeliness:
    """Timeliness: early / on_time / late when `finished_at` is given (by date),
    otherwise within_deadline / due_soon / overdue at `now` (default: the current time)."""
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
        cutoff=cutoff,
        due_soon_fraction=due_soon_fraction,
    )


def transfer_due(received_at: datetime, *, agency=None) -> datetime:
    """When a dossier received at `received_at` must have been transferred to the
    processing unit (the transfer cut-off: TRANSFER_CUTOFF or the agency's profile)."""
    return get_calendar(agency).transfer_due(received_at)


def intake_cutoff(procedure_cutoff: time | str | None, channel: str | None) -> time | None:
    """The same-day roll-over time to pass as `cutoff=` for a dossier of a procedure
    (its `same_day_cutoff`) received through `channel`: the procedure's, and for online
    dossiers also ONLINE_CUTOFF; the earlier of those that apply, or None."""
    times = [core.parse_cutoff(procedure_cutoff)]
    if channel == ONLINE:
        times.append(core.parse_cutoff(config()["ONLINE_CUTOFF"]))
    times = [t for t in times if t is not None]
    return min(times) if times else None


def urgency(
    received_at: datetime,
    due_at: datetime | None,
    now: datetime,
    *,
    paused: bool | datetime | None = False,
    agency=None,
) -> str:
    """core.OVERDUE, core.DUE_SOON or core.WITHIN_DEADLINE for an open dossier, by the
    one DUE_SOON_FRACTION rule (see core.Calendar.urgency): due soon once the working time
    used since `received_at` is at least that fraction of the working time from
    `received_at` to `due_at`. Pass `paused=dossier.paused_at` (or True) while awaiting a
    supplement: never overdue then. No due instant: within deadline. Cheap: the calendar
    is cached; four bisections, no database query."""
    if due_at is None:
        return core.WITHIN_DEADLINE
    return get_calendar(agency).urgency(received_at, due_at, now, paused=paused)
