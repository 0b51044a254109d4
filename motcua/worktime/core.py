"""Working-time calendar: the pure core (standard library only, no Django).

Exact semantics (the rules: /work/shared/domain/vn-one-stop-rules.md, "Counting time" and
"Life of a dossier"; the choices: docs/decisions/0002-deadline-cutoffs-and-supplement-restart.md)
=========================================================================================

Working time
    A *working day* is a date that is Monday–Friday and not a day off, or any date
    explicitly declared a working day (a make-up Saturday). Days off are the public
    holidays of the Labour Code (with their compensatory days) plus the extra days off
    the government announces for public servants. Explicit declarations win: a date
    declared a working day is one even if it is a Saturday or a holiday.

    On every working day the *working periods* are the same: by default 07:30–11:30 and
    13:30–17:30. A period is half-open, ``[start, end)``: 11:30 itself is already the
    lunch break, 13:30 is working time.

    *One working day* is the length of that calendar's working hours (8 hours by
    default); *N working days* are ``N × that length`` of working time. *Working hours*
    are hours of working time.

Instants
    All instants are aware datetimes; a naive datetime is read as local time of the
    calendar's time zone (Asia/Ho_Chi_Minh). Results are in the calendar's time zone.

``add(start, amount, unit)``
    The instant at which ``amount`` of working time, counted from ``start``, has
    elapsed. If that moment is the boundary between two periods (the end of one period
    is the same working moment as the start of the next), the *end of the earlier
    period* is reported: a result never falls at the start of a working period, so a
    one-day task begun Monday 07:30 is due Monday 17:30, not Tuesday 07:30.

``elapsed(a, b)``
    The working time between two instants (negative if ``b`` is before ``a``).
    ``elapsed(start, add(start, d)) == d`` for every instant and duration.

Three cut-offs, three different rules
    1. The *transfer* cut-off (``transfer_cutoff``, default 15:00) decides when the desk
       must hand a dossier to the processing unit (``transfer_due``); it never moves the
       deadline. An ordinary dossier received at 16:00 with N working days is due at
       16:00 N working days later.
    2. A *same-day roll-over* (``cutoff=`` of ``counting_start``/``deadline``/``due_at``/
       ``classify``, fed by the procedure's setting): a dossier received on a working day
       after that time of day counts from the start of the next working day's first
       period. Without it (the default, ``cutoff=None``, unless the calendar was built
       with a default ``cutoff``) the time of day does not matter.
    3. *Outside working periods* (night, lunch break, weekend, holiday; online dossiers
       mostly) a receipt counts from the start of the next working period. An earlier
       cut-off for online dossiers (e.g. 17:00) is rule 2 with that time, chosen by the
       caller (``calendars.intake_cutoff``).

Intake rule (``counting_start(received_at, cutoff=None)``)
    * received on a working day after ``cutoff`` (when one is given): the start of the
      first working period of the next working day;
    * otherwise received inside a working period: the moment of receipt;
    * otherwise (outside working periods): the start of the next working period (13:30
      for a receipt at lunch).

``transfer_due(received_at)``
    When the transfer to the processing unit is due (rules file, Life of a dossier 2):

    * received inside a working period at or before the transfer cut-off: the end of
      that working day's last period ("at once, the same working day");
    * received inside a working period after the cut-off, or outside working time when
      the next working period is the first of its day (night, before work, weekend,
      holiday): the end of the first period of the next working day ("at the start of
      the next working day");
    * received at a break between two periods of one working day (lunch): as if received
      at the start of the next period, so a receipt at 12:00 is due that day (17:30), not
      later than one at 14:00. Without a transfer cut-off (``None``) every receipt in
      working time is due the same day.

``deadline(received_at, amount, unit, pauses, restart_on_supplement, cutoff)``
    The due instant is ``add(counting_start(received_at, cutoff), amount)``. So a dossier
    received inside working hours and given N working days is due at the same time of
    day N working days later.

    Pauses are ``(paused_at, resumed_at)`` intervals, in order and not overlapping;
    ``resumed_at`` may be ``None`` for a pause still open (then there is no due instant
    until the supplement arrives). While paused the clock stops. The resumption is a
    receipt too: counting restarts at ``counting_start(resumed_at, cutoff)``.

    * default, ``restart_on_supplement=True`` (rules file, Life of a dossier 4): the whole
      time limit runs again from the restart;
    * ``restart_on_supplement=False`` (a per-procedure exception, "pause"): the working
      time already used is kept and only the remaining time runs from the restart.

    A pause that starts when the allotted time has already run out (at or after the
    due instant reached so far) changes nothing: a late dossier stays late.

Timeliness
    Finished dossier (``classify_finished``), on the calendar's local *dates* (rules file,
    Counting time, last bullet):

    * ``early`` (trước hạn): finished on a date before the date of the due instant;
    * ``on_time`` (đúng hạn): finished on the due date, even after the due instant;
    * ``late`` (quá hạn): finished on a later date.

    Open dossier (``classify_open``) at instant ``now``:

    * ``overdue`` (quá hạn): ``now`` is after the due instant;
    * ``due_soon`` (sắp đến hạn): not overdue, and the working time used is at least
      ``due_soon_fraction`` (default 0.8) of the allotted time;
    * ``within_deadline`` (trong hạn): otherwise.

    While a pause is open there is no due instant and the clock is stopped: the dossier
    is not overdue (it was paused before its time ran out, or the pause would have been
    ignored), ``due_soon`` still applies, and one finished while paused is on time.

    ``urgency(received_at, due_at, now, paused=...)`` is the same open rule from three
    stored instants, for the work queue: ``overdue`` after ``due_at`` unless paused;
    ``due_soon`` when ``elapsed(received_at, now)`` (up to the pause start while paused)
    is at least ``due_soon_fraction × elapsed(received_at, due_at)``; else
    ``within_deadline``; ``within_deadline`` when there is no due instant.

Speed
    Working periods are laid out in an index (arrays of period starts, ends and the
    working time elapsed before each, in integer microseconds), built per year and
    extended lazily in both directions. An instant is turned into a position on the
    working-time axis by one bisection, and a position back into an instant by
    another, so the cost of an operation does not depend on the length of the duration.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Units of a duration, the same codes as the catalogue's DurationUnit.
DAYS = "days"
HOURS = "hours"
UNITS = (DAYS, HOURS)

# Kinds of day notes.
PUBLIC_HOLIDAY = "public_holiday"  # Labour Code holiday or its compensatory day
DAY_OFF = "day_off"  # extra day off announced for public servants
WORKING_DAY = "working_day"  # a day worked although it would not be (make-up Saturday)

# Timeliness.
EARLY = "early"
ON_TIME = "on_time"
LATE = "late"
WITHIN_DEADLINE = "within_deadline"
DUE_SOON = "due_soon"
OVERDUE = "overdue"

DEFAULT_PERIODS = (("07:30", "11:30"), ("13:30", "17:30"))
DEFAULT_TRANSFER_CUTOFF = time(15, 0)  # rules file, Life of a dossier 2
DEFAULT_DUE_SOON_FRACTION = 0.8

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_HOUR_US = 3_600_000_000
_MAX_EXTENSION_YEARS = 400
_MIN_YEAR, _MAX_YEAR = 2, 9997  # the index looks a year beyond each side of an instant
# The longest duration counted: far beyond any legal time limit, and short enough that
# the index it needs stays within _MAX_EXTENSION_YEARS.
MAX_WORKING_DAYS = 36_600
_MIN_WORKING_DAYS_PER_YEAR = 200  # to guess how far to extend the index at once


def _parse_time(value: time | str) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("working-hour times must be naive times of day")
        return value
    return time.fromisoformat(str(value).strip())


def parse_cutoff(value: time | str | None) -> time | None:
    """A cut-off time of day from a time, "HH:MM[:SS]" or None/"" (no cut-off)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _parse_time(value)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of a working day, e.g. 07:30–11:30 and 13:30–17:30."""

    periods: tuple[tuple[time, time], ...]

    def __post_init__(self):
        periods = tuple((_parse_time(s), _parse_time(e)) for s, e in self.periods)
        if not periods:
            raise ValueError("working hours need at least one period")
        previous_end = None
        for start, end in periods:
            if not start < end:
                raise ValueError(f"a working period must end after it starts: {start}–{end}")
            if previous_end is not None and start < previous_end:
                raise ValueError("working periods must be in order and must not overlap")
            previous_end = end
        object.__setattr__(self, "periods", periods)

    @classmethod
    def parse(cls, spec: WorkingHours | str | Iterable) -> WorkingHours:
        """From "07:30-11:30,13:30-17:30" or [("07:30", "11:30"), ("13:30", "17:30")]."""
        if isinstance(spec, WorkingHours):
            return spec
        if isinstance(spec, str):
            pairs = []
            for part in spec.split(","):
                start, sep, end = part.strip().replace("–", "-").partition("-")
                if not sep:
                    raise ValueError(f"not a period: {part!r}")
                pairs.append((start, end))
            return cls(tuple(pairs))
        return cls(tuple(tuple(pair) for pair in spec))

    @property
    def day(self) -> timedelta:
        """The length of one working day."""
        return timedelta(microseconds=self.day_us)

    @property
    def day_us(self) -> int:
        return sum(_time_us(e) - _time_us(s) for s, e in self.periods)

    def __str__(self) -> str:
        return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.periods)


DEFAULT_HOURS = WorkingHours.parse(DEFAULT_PERIODS)


@dataclass(frozen=True)
class DayNote:
    """Why a date is off (or, for WORKING_DAY, why it is worked)."""

    name: str
    kind: str = PUBLIC_HOLIDAY
    document: str = ""
    document_date: date | None = None
    confirmed: bool = True
    source: str = ""  # "holidays" (package), "shipped" (data file), "override" (database)


DayMap = Mapping[date, DayNote]
Provider = Callable[[int], tuple[DayMap, DayMap]]


@dataclass(frozen=True)
class ExplainedDay:
    """A day of an explained interval that is not an ordinary working day."""

    day: date
    working: bool
    weekend: bool
    note: DayNote | None


@dataclass(frozen=True)
class Timeliness:
    status: str
    due_at: datetime | None
    allotted: timedelta
    used: timedelta
    paused: bool = False

    @property
    def remaining(self) -> timedelta:
        return self.allotted - self.used


class _Index:
    """Working periods of the years [first_year, last_year], in epoch microseconds.

    Per period i: starts[i], ends[i], cum[i] (working time before it, on an axis that
    stays fixed when the index is extended), cum_end[i] and pday[i] (its working day).
    Per working day k: dmid[k] (local midnight), dend[k] (next midnight) and dfirst[k]
    (its first period; every working day has the same number of periods).
    """

    __slots__ = (
        "begin",
        "cum",
        "cum_end",
        "dend",
        "dfirst",
        "dmid",
        "end",
        "ends",
        "first_year",
        "last_year",
        "pday",
        "starts",
    )


def to_us(dt: datetime) -> int:
    """Epoch microseconds of an aware datetime."""
    return (dt - _EPOCH) // _US


class Calendar:
    """A working-time calendar: working days, working hours, cut-offs, and the index.

    ``provider(year)`` returns ``(days_off, working_days)`` for one year (dicts of date to
    DayNote); ``days_off`` and ``working_days`` given here override it date by date.
    ``transfer_cutoff`` is the transfer cut-off (``transfer_due``); ``cutoff`` is the
    same-day roll-over used when a call gives none (default None: no roll-over).
    """

    def __init__(
        self,
        *,
        hours: WorkingHours | str | Iterable = DEFAULT_HOURS,
        transfer_cutoff: time | str | None = DEFAULT_TRANSFER_CUTOFF,
        cutoff: time | str | None = None,
        days_off: DayMap | None = None,
        working_days: DayMap | None = None,
        provider: Provider | None = None,
        tz: ZoneInfo = VN_TZ,
        due_soon_fraction: float = DEFAULT_DUE_SOON_FRACTION,
    ):
        self.hours = WorkingHours.parse(hours)
        self.transfer_cutoff = parse_cutoff(transfer_cutoff)
        self.cutoff = parse_cutoff(cutoff)
        self.tz = tz
        if not 0 < due_soon_fraction <= 1:
            raise ValueError("due_soon_fraction must be in (0, 1]")
        self.due_soon_fraction = due_soon_fraction
        self._provider = provider
        self._days_off = dict(days_off or {})
        self._working_days = dict(working_days or {})
        both = self._days_off.keys() & self._working_days.keys()
        if both:
            raise ValueError(f"dates both off and working: {sorted(both)}")
        self._years: dict[int, tuple[dict[date, DayNote], dict[date, DayNote]]] = {}
        self._index: _Index | None = None
        self._lock = threading.Lock()
        self._day_us = self.hours.day_us
        self._n_periods = len(self.hours.periods)

    # --- days -------------------------------------------------------------------------

    def _year(self, year: int):
        cached = self._years.get(year)
        if cached is not None:
            return cached
        off: dict[date, DayNote] = {}
        work: dict[date, DayNote] = {}
        if self._provider is not None:
            p_off, p_work = self._provider(year)
            off.update((d, n) for d, n in p_off.items() if d.year == year)
            work.update((d, n) for d, n in p_work.items() if d.year == year and d not in off)
        for d, note in self._days_off.items():
            if d.year == year:
                work.pop(d, None)
                off[d] = note
        for d, note in self._working_days.items():
            if d.year == year:
                off.pop(d, None)
                work[d] = note
        self._years[year] = (off, work)
        return off, work

    def is_working_day(self, day: date) -> bool:
        off, work = self._year(day.year)
        if day in work:
            return True
        if day in off:
            return False
        return day.weekday() < 5

    def note(self, day: date) -> DayNote | None:
        """The day off or make-up working day declared for this date, if any."""
        off, work = self._year(day.year)
        return work.get(day) or off.get(day)

    def days_off(self, year: int) -> dict[date, DayNote]:
        return dict(self._year(year)[0])

    def working_days(self, year: int) -> dict[date, DayNote]:
        """Dates declared working days (make-up Saturdays, cancelled holidays)."""
        return dict(self._year(year)[1])

    def explain(self, start: datetime | date, end: datetime | date) -> list[ExplainedDay]:
        """Every day from start to end (inclusive, local dates) that is not an ordinary
        working day: weekends, holidays and announced days off (skipped), and make-up
        working days (counted)."""
        first = self._local(start).date() if isinstance(start, datetime) else start
        last = self._local(end).date() if isinstance(end, datetime) else end
        result = []
        day = first
        while day <= last:
            weekend = day.weekday() >= 5
            working = self.is_working_day(day)
            note = self.note(day)
            if not working or weekend or note is not None:
                result.append(ExplainedDay(day, working, weekend, note))
            day += timedelta(days=1)
        return result

    # --- instants ---------------------------------------------------------------------

    def _local(self, dt: datetime) -> datetime:
        if not isinstance(dt, datetime):
            raise TypeError(f"expected a datetime, got {type(dt).__name__}")
        if dt.tzinfo is None:
            return dt.replace(tzinfo=self.tz)
        return dt.astimezone(self.tz)

    def _aware(self, dt: datetime) -> datetime:
        if not isinstance(dt, datetime):
            raise TypeError(f"expected a datetime, got {type(dt).__name__}")
        return dt.replace(tzinfo=self.tz) if dt.tzinfo is None else dt

    def _us(self, dt: datetime) -> int:
        """Epoch microseconds of an instant (naive: local time)."""
        try:
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=self.tz)
            return (dt - _EPOCH) // _US
        except (AttributeError, TypeError):
            raise TypeError(f"expected a datetime, got {type(dt).__name__}") from None

    def _from_us(self, us: int) -> datetime:
        seconds, micro = divmod(us, 1_000_000)
        dt = datetime.fromtimestamp(seconds, self.tz)
        # Time-zone transitions fall on whole seconds: adding the fraction crosses none.
        return dt + timedelta(microseconds=micro) if micro else dt

    def _amount_us(self, amount, unit: str) -> int:
        if isinstance(amount, timedelta):
            value = amount // _US
        elif unit == DAYS:
            value = round(amount * self._day_us)
        elif unit == HOURS:
            value = round(amount * _HOUR_US)
        else:
            raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
        if value <= 0:
            raise ValueError("a duration must be positive")
        if value > MAX_WORKING_DAYS * self._day_us:
            raise ValueError(f"a duration must not exceed {MAX_WORKING_DAYS} working days")
        return value

    # --- index ------------------------------------------------------------------------

    def prepare(self, first_year: int, last_year: int) -> None:
        """Build the index for these years now rather than on first use."""
        ix = self._index
        if ix is not None:
            first_year, last_year = min(first_year, ix.first_year), max(last_year, ix.last_year)
        self._cover_years(first_year, last_year)

    def _build(self, first_year: int, last_year: int, old: _Index | None) -> _Index:
        tz = self.tz
        starts, ends, pday = [], [], []
        dmid, dend, dfirst = [], [], []
        day = date(first_year, 1, 1)
        stop = date(last_year + 1, 1, 1)
        one = timedelta(days=1)
        midnight = time(0)
        while day < stop:
            following = day + one
            if self.is_working_day(day):
                k = len(dmid)
                dmid.append(to_us(datetime.combine(day, midnight, tzinfo=tz)))
                dend.append(to_us(datetime.combine(following, midnight, tzinfo=tz)))
                dfirst.append(len(starts))
                for start, end in self.hours.periods:
                    starts.append(to_us(datetime.combine(day, start, tzinfo=tz)))
                    ends.append(to_us(datetime.combine(day, end, tzinfo=tz)))
                    pday.append(k)
            day = following
        if not starts:
            raise ValueError(f"no working day in {first_year}–{last_year}")
        cum, total = [], 0
        for start, end in zip(starts, ends, strict=True):
            cum.append(total)
            total += end - start
        if old is not None:
            # Keep the axis: the periods already indexed keep their positions.
            shift = old.cum[0] - cum[bisect.bisect_left(starts, old.starts[0])]
            cum = [c + shift for c in cum]
        ix = _Index()
        ix.first_year, ix.last_year = first_year, last_year
        ix.begin = to_us(datetime(first_year, 1, 1, tzinfo=tz))
        ix.end = to_us(datetime(last_year + 1, 1, 1, tzinfo=tz))
        ix.starts, ix.ends, ix.cum, ix.pday = starts, ends, cum, pday
        ix.cum_end = [c + (e - s) for c, s, e in zip(cum, starts, ends, strict=True)]
        ix.dmid, ix.dend, ix.dfirst = dmid, dend, dfirst
        return ix

    def _cover_years(self, first_year: int, last_year: int) -> _Index:
        with self._lock:
            old = self._index
            if old is not None:
                if old.first_year <= first_year and last_year <= old.last_year:
                    return old
                first_year = min(first_year, old.first_year)
                last_year = max(last_year, old.last_year)
            if (
                last_year - first_year > _MAX_EXTENSION_YEARS
                or first_year < _MIN_YEAR
                or last_year > _MAX_YEAR
            ):
                raise ValueError("working time out of the calendar's reach")
            ix = self._build(first_year, last_year, old)
            self._index = ix  # one assignment: readers see the old or the new index
            return ix

    def _covering(self, us: int) -> _Index:
        ix = self._index
        if ix is not None and ix.begin <= us < ix.end:
            return ix
        try:
            year = self._from_us(us).year
        except (OverflowError, OSError, ValueError):
            raise ValueError("working time out of the calendar's reach") from None
        if ix is None:
            return self._cover_years(year - 1, year + 1)
        return self._cover_years(min(year, ix.first_year), max(year + 1, ix.last_year))

    def _w(self, us: int) -> int:
        """Position of an instant on the working-time axis (working microseconds)."""
        ix = self._index
        if ix is None or not ix.begin <= us < ix.end:
            ix = self._covering(us)
        i = bisect.bisect_right(ix.starts, us) - 1
        if i < 0:
            return ix.cum[0]  # no working time between the start of the index and us
        if us >= ix.ends[i]:
            return ix.cum_end[i]
        return ix.cum[i] + (us - ix.starts[i])

    def _instant_us(self, w: int) -> int:
        """The instant at position w. Positions are contiguous (cum[i] == cum_end[i-1]),
        so bisecting the period ends returns, at a boundary between two periods, the end
        of the earlier one: a result never falls at the start of a period."""
        ix = self._index
        if ix is None:
            ix = self._covering(to_us(datetime.now(self.tz)))
        while True:
            if w > ix.cum_end[-1]:
                ix = self._cover_years(
                    ix.first_year, ix.last_year + self._years_for(w - ix.cum_end[-1])
                )
                continue
            i = bisect.bisect_left(ix.cum_end, w)
            if w > ix.cum[i]:
                return ix.starts[i] + (w - ix.cum[i])
            # i == 0: look earlier
            ix = self._cover_years(ix.first_year - self._years_for(ix.cum[0] - w), ix.last_year)

    def _years_for(self, short: int) -> int:
        """How many years to add to the index to find `short` more working time: a guess
        that is not far off, so that a long duration rebuilds the index a few times, not
        once per year."""
        return 2 + short // (self._day_us * _MIN_WORKING_DAYS_PER_YEAR)

    def _working_day_of(self, ix: _Index, us: int, i: int, j: int) -> int:
        """The working day (index k) instant us falls on, or -1; i/j: the periods just
        before (i = j - 1) and after us, as found by bisecting the period starts."""
        if i >= 0 and us < ix.dend[ix.pday[i]]:
            return ix.pday[i]
        if j < len(ix.starts) and ix.dmid[ix.pday[j]] <= us:
            return ix.pday[j]
        return -1

    def _after(self, us: int, cut: time) -> bool:
        """Is instant us later than the time of day `cut`, in local wall-clock time?"""
        return self._from_us(us).time() > cut

    def _intake(self, us: int, cut: time | None = None) -> tuple[int, int]:
        """Counting start (and its position) of something received at instant us, with
        the same-day roll-over time `cut` (None: none)."""
        while True:
            ix = self._index
            if ix is None or not ix.begin <= us < ix.end:
                ix = self._covering(us)
            starts = ix.starts
            j = bisect.bisect_right(starts, us)  # the first period starting after us
            i = j - 1
            k = self._working_day_of(ix, us, i, j) if cut is not None else -1
            if k >= 0 and self._after(us, cut):  # rolled over: the next working day
                if k + 1 < len(ix.dfirst):
                    p = ix.dfirst[k + 1]
                    return starts[p], ix.cum[p]
            elif i >= 0 and us < ix.ends[i]:  # inside a working period
                return us, ix.cum[i] + (us - starts[i])
            elif j < len(starts):  # outside working periods: the next one
                return starts[j], ix.cum[j]
            self._cover_years(ix.first_year, ix.last_year + 2)

    def _cut(self, cutoff: time | str | None) -> time | None:
        """The roll-over time of a call: the one given, else the calendar's default."""
        cut = parse_cutoff(cutoff)
        return self.cutoff if cut is None else cut

    # --- operations -------------------------------------------------------------------

    def is_working_time(self, dt: datetime) -> bool:
        us = to_us(self._aware(dt))
        ix = self._covering(us)
        i = bisect.bisect_right(ix.starts, us) - 1
        return i >= 0 and us < ix.ends[i]

    def counting_start(
        self, received_at: datetime, *, cutoff: time | str | None = None
    ) -> datetime:
        """When the clock starts for something received at this instant (intake rule;
        `cutoff`: the same-day roll-over time, None for the calendar's default)."""
        us = to_us(self._aware(received_at))
        return self._from_us(self._intake(us, self._cut(cutoff))[0])

    def transfer_due(self, received_at: datetime) -> datetime:
        """When the desk must have transferred a dossier received at this instant to the
        processing unit: the same working day if received in working time at or before
        the transfer cut-off, else by the end of the next working day's first period."""
        us = to_us(self._aware(received_at))
        cut = self.transfer_cutoff
        last = self._n_periods - 1
        while True:
            ix = self._index
            if ix is None or not ix.begin <= us < ix.end:
                ix = self._covering(us)
            j = bisect.bisect_right(ix.starts, us)
            i = j - 1
            if i >= 0 and us < ix.ends[i]:
                p, at = i, us  # inside a working period
            elif j < len(ix.starts):
                p, at = j, ix.starts[j]  # outside: the next working period
                if p == ix.dfirst[ix.pday[p]]:  # the first of its day: start of that day
                    return self._from_us(ix.ends[p])
            else:
                self._cover_years(ix.first_year, ix.last_year + 2)
                continue
            k = ix.pday[p]
            if cut is None or not self._after(at, cut):
                return self._from_us(ix.ends[ix.dfirst[k] + last])
            if k + 1 < len(ix.dfirst):
                return self._from_us(ix.ends[ix.dfirst[k + 1]])
            self._cover_years(ix.first_year, ix.last_year + 2)

    def add(self, start: datetime, amount, unit: str = DAYS) -> datetime:
        """The instant when `amount` working days/hours from `start` have elapsed."""
        w = self._w(self._us(start)) + self._amount_us(amount, unit)
        return self._from_us(self._instant_us(w))

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Working time between two instants."""
        return timedelta(microseconds=self._w(self._us(b)) - self._w(self._us(a)))

    def deadline(
        self,
        received_at: datetime,
        amount,
        unit: str = DAYS,
        *,
        pauses: Iterable[tuple[datetime, datetime | None]] = (),
        restart_on_supplement: bool = True,
        cutoff: time | str | None = None,
    ) -> Deadline:
        """The deadline of something received at `received_at` and given `amount`.
        By default a supplement restarts the whole time limit; `restart_on_supplement=
        False` keeps the time used before the pause. `cutoff`: same-day roll-over."""
        received = self._aware(received_at)
        cut = self._cut(cutoff)
        allotted = self._amount_us(amount, unit)
        start_us, cur = self._intake(to_us(received), cut)
        remaining = allotted
        segments: list[tuple[int, int | None, bool]] = []
        reset = False
        open_pause = False
        for paused_at, resumed_at in _normalise_pauses(pauses, received, self._aware):
            wp = max(self._w(to_us(paused_at)), cur)
            if wp >= cur + remaining:
                break  # the time had run out before this pause: it changes nothing
            segments.append((cur, wp, reset))
            remaining -= wp - cur
            if resumed_at is None:
                open_pause = True
                break
            restart = max(self._intake(to_us(resumed_at), cut)[1], wp)
            if restart_on_supplement:
                remaining = allotted
                reset = True
            else:
                reset = False
            cur = restart
        due = None
        if not open_pause:
            segments.append((cur, None, reset))
            due = self._from_us(self._instant_us(cur + remaining))
        return Deadline(
            calendar=self,
            received_at=received,
            counting_from=self._from_us(start_us),
            allotted=timedelta(microseconds=allotted),
            due_at=due,
            segments=tuple(segments),
        )

    def due_at(
        self,
        received_at: datetime,
        amount,
        unit: str = DAYS,
        *,
        pauses: Iterable[tuple[datetime, datetime | None]] = (),
        restart_on_supplement: bool = True,
        cutoff: time | str | None = None,
    ) -> datetime | None:
        """The due instant (None while a pause is open). See `deadline`."""
        if pauses:
            return self.deadline(
                received_at,
                amount,
                unit,
                pauses=pauses,
                restart_on_supplement=restart_on_supplement,
                cutoff=cutoff,
            ).due_at
        allotted = self._amount_us(amount, unit)
        w = self._intake(self._us(received_at), self._cut(cutoff))[1]
        return self._from_us(self._instant_us(w + allotted))

    def classify(
        self,
        received_at: datetime,
        amount,
        unit: str = DAYS,
        *,
        now: datetime | None = None,
        finished_at: datetime | None = None,
        pauses: Iterable[tuple[datetime, datetime | None]] = (),
        restart_on_supplement: bool = True,
        cutoff: time | str | None = None,
        due_soon_fraction: float | None = None,
    ) -> Timeliness:
        """Timeliness of a finished (`finished_at`) or open (at `now`) dossier."""
        deadline = self.deadline(
            received_at,
            amount,
            unit,
            pauses=pauses,
            restart_on_supplement=restart_on_supplement,
            cutoff=cutoff,
        )
        return deadline.status(
            now=now, finished_at=finished_at, due_soon_fraction=due_soon_fraction
        )

    def classify_finished(self, due_at: datetime, finished_at: datetime) -> str:
        return classify_finished(due_at, finished_at, self.tz)

    def urgency(
        self,
        received_at: datetime,
        due_at: datetime | None,
        now: datetime,
        *,
        paused: bool | datetime | None = False,
        due_soon_fraction: float | None = None,
    ) -> str:
        """Overdue / due soon / within deadline of an open dossier from stored instants.

        Due soon: the working time from `received_at` to `now` is at least the due-soon
        fraction of the working time from `received_at` to `due_at`. `paused` (True, or
        the instant the pause began, e.g. a dossier's `paused_at`) is never overdue and
        counts the time used up to the pause start (up to `now` if only True is given).
        No due instant: within deadline."""
        if due_at is None:
            return WITHIN_DEADLINE
        fraction = self.due_soon_fraction if due_soon_fraction is None else due_soon_fraction
        received, due, current = self._us(received_at), self._us(due_at), self._us(now)
        stop = current
        if paused:
            if isinstance(paused, datetime):
                stop = min(current, self._us(paused))
        elif current > due:
            return OVERDUE
        start = self._w(received)
        allotted = self._w(due) - start
        used = self._w(stop) - start
        if used >= allotted * fraction:
            return DUE_SOON
        return WITHIN_DEADLINE


@dataclass(frozen=True)
class Deadline:
    """A computed deadline; `status` classifies it at an instant."""

    calendar: Calendar = field(repr=False)
    received_at: datetime
    counting_from: datetime
    allotted: timedelta
    due_at: datetime | None
    segments: tuple[tuple[int, int | None, bool], ...] = field(repr=False)

    @property
    def paused(self) -> bool:
        """True while a pause is open (no due instant until the supplement arrives)."""
        return self.due_at is None

    def used(self, now: datetime) -> timedelta:
        """Working time counted against the allotment up to `now` (pauses excluded;
        with restart on supplement, only since the last restart)."""
        w = self.calendar._w(self.calendar._us(now))
        total = 0
        for start, end, reset in self.segments:
            if start >= w:
                break
            if reset:
                total = 0
            total += (w if end is None else min(end, w)) - start
        return timedelta(microseconds=total)

    def status(
        self,
        now: datetime | None = None,
        finished_at: datetime | None = None,
        due_soon_fraction: float | None = None,
    ) -> Timeliness:
        """Early / on time / late if `finished_at` is given, else within deadline /
        due soon / overdue at `now` (default: the current time)."""
        cal = self.calendar
        fraction = cal.due_soon_fraction if due_soon_fraction is None else due_soon_fraction
        at = finished_at if finished_at is not None else now
        if at is None:
            at = datetime.now(cal.tz)
        used = self.used(at)
        if finished_at is not None:
            if self.due_at is not None:
                state = classify_finished(self.due_at, finished_at, cal.tz)
            else:
                state = LATE if used > self.allotted else ON_TIME
        else:
            state = classify_open(self.due_at, at, used, self.allotted, fraction)
        return Timeliness(state, self.due_at, self.allotted, used, self.paused)


def _normalise_pauses(pauses, received: datetime, aware) -> list[tuple[datetime, datetime | None]]:
    result = []
    for pair in pauses:
        paused_at, resumed_at = pair
        paused_at = aware(paused_at)
        resumed_at = None if resumed_at is None else aware(resumed_at)
        if paused_at < received:
            raise ValueError("a pause cannot start before the receipt")
        if resumed_at is not None and resumed_at < paused_at:
            raise ValueError("a pause cannot end before it starts")
        result.append((paused_at, resumed_at))
    result.sort(key=lambda pair: pair[0])
    for (_, resumed), (next_paused, _) in itertools.pairwise(result):
        if resumed is None or next_paused < resumed:
            raise ValueError("pauses must not overlap, and only the last may be open")
    return result


def classify_finished(due_at: datetime, finished_at: datetime, tz: ZoneInfo = VN_TZ) -> str:
    """Timeliness by local date (rules file, Counting time): early if finished on a date
    before the due date, on_time on the due date (even after the due instant that day),
    late on a later date."""
    due = due_at.replace(tzinfo=tz) if due_at.tzinfo is None else due_at
    done = finished_at.replace(tzinfo=tz) if finished_at.tzinfo is None else finished_at
    due_day, done_day = due.astimezone(tz).date(), done.astimezone(tz).date()
    if done_day < due_day:
        return EARLY
    if done_day == due_day:
        return ON_TIME
    return LATE


def classify_open(
    due_at: datetime | None,
    now: datetime,
    used: timedelta,
    allotted: timedelta,
    due_soon_fraction: float = DEFAULT_DUE_SOON_FRACTION,
    tz: ZoneInfo = VN_TZ,
) -> str:
    """overdue: now is after the due instant (or, while paused, more than the allotted
    time was used); due_soon: at least `due_soon_fraction` of the allotted time used;
    within_deadline: otherwise."""
    if due_at is not None:
        due = due_at.replace(tzinfo=tz) if due_at.tzinfo is None else due_at
        current = now.replace(tzinfo=tz) if now.tzinfo is None else now
        if current > due:
            return OVERDUE
    elif used > allotted:
        return OVERDUE
    if used >= allotted * due_soon_fraction:
        return DUE_SOON
    return WITHIN_DEADLINE
