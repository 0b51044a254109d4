"""What one dossier adds to the statistics' fact table, as a pure function. No Django.

A dossier is described by a `Snapshot` (its dimensions and its days, in local dates) and
contributes `Fact`s: counts on days. Flows are counted on the day they happened:

- `received` on the day of receipt;
- one outcome on the day processing finished: `early`, `on_time`, `late` (a result; a
  result without a recorded timeliness counts late) or `other` (withdrawn, stopped,
  refused, closed unsupplemented); result outcomes carry the handling time in seconds.

The one stock that is not a difference of flows, "overdue at the end of day d", is kept as
deltas: +1 on the day a dossier becomes overdue, -1 on the day it stops being overdue, so
that the number overdue at the end of day d is the sum of the deltas up to d. A dossier is
overdue at the end of day d when it is received by d and not finished by d, is not awaiting
a supplement requested after receipt, and the deadline in force at that moment falls on a
date before d (docs/statistics.md, "In progress"). The deadline in force is the one before
the first supplement request made after that day (the request keeps it), else the current
one: a later supplement never rewrites an earlier period's figures.

`diff` turns two contributions into the changes to apply to the table (the service keeps
each dossier's last contribution on its row and applies the difference in the same
transaction as the event).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

RECEIVED = "received"
EARLY = "early"
ON_TIME = "on_time"
LATE = "late"
OTHER = "other"
OVERDUE = "overdue"
RESULTS = (EARLY, ON_TIME, LATE)
FINISHED = (*RESULTS, OTHER)
# Marks on the day of receipt for the index's payment indicators: the dossier owes fees;
# it owes fees and paid them online. They move no stock.
CHARGED = "charged"
PAID_ONLINE = "paid_online"
MARKS = (CHARGED, PAID_ONLINE)
KINDS = (RECEIVED, *FINISHED, OVERDUE, *MARKS)


@dataclass(frozen=True)
class Request:
    """A supplement request made after receipt: the day it was made, the day it ended
    (answered or closed; None: still open) and the deadline date in force before it."""

    requested: date
    ended: date | None = None
    deadline_before: date | None = None


@dataclass(frozen=True)
class Snapshot:
    agency: int
    procedure: int
    channel: str
    part: bool = False  # a part of an inter-agency dossier (the province counts the parent)
    digitised: bool = False  # every paper of the dossier attached as a file
    multi: bool = False  # more than one supplement request after receipt (the index: late)
    received: date | None = None
    finished: date | None = None
    outcome: str | None = None  # one of FINISHED when finished
    seconds: int = 0  # handling time of a result, working seconds net of supplements
    deadline: date | None = None  # the date of the current legal deadline
    requests: tuple[Request, ...] = ()
    charged: bool = False  # owes fees (not exempted, not ended unpaid)
    paid_online: bool = False  # its fees were paid through a gateway or a bank transfer

    @property
    def dimensions(self) -> tuple:
        return (self.agency, self.procedure, self.channel, self.part, self.digitised, self.multi)


Key = tuple  # dimensions + (kind, day)


def deadline_at_end_of(s: Snapshot, day: date) -> date | None:
    """The deadline in force at the end of `day`: kept by the first request made later."""
    for request in s.requests:
        if request.requested > day:
            return request.deadline_before if request.deadline_before else s.deadline
    return s.deadline


def paused_at_end_of(s: Snapshot, day: date) -> bool:
    return any(r.requested <= day and (r.ended is None or r.ended > day) for r in s.requests)


def overdue_at_end_of(s: Snapshot, day: date) -> bool:
    if s.received is None or day < s.received:
        return False
    if s.finished is not None and s.finished <= day:
        return False
    if paused_at_end_of(s, day):
        return False
    deadline = deadline_at_end_of(s, day)
    return deadline is not None and deadline < day


def _change_days(s: Snapshot) -> list[date]:
    """Every day on which "overdue" may start or stop: it is constant in between."""
    days = {s.received}
    if s.finished is not None:
        days.add(s.finished)
    deadlines = {s.deadline}
    for r in s.requests:
        days.add(r.requested)
        if r.ended is not None:
            days.add(r.ended)
        deadlines.add(r.deadline_before)
    for deadline in deadlines:
        if deadline is not None and deadline < date.max:
            days.add(deadline + timedelta(days=1))
    return sorted(d for d in days if d is not None and d >= s.received)


def overdue_deltas(s: Snapshot) -> list[tuple[date, int]]:
    """(day, +1/-1) where the dossier becomes or stops being overdue."""
    if s.received is None:
        return []
    deltas, before = [], False
    for day in _change_days(s):
        now = overdue_at_end_of(s, day)
        if now != before:
            deltas.append((day, 1 if now else -1))
            before = now
    return deltas


def contribution(s: Snapshot | None) -> dict[Key, tuple[int, int]]:
    """The dossier's facts: {(dimensions…, kind, day): (count, seconds)}."""
    if s is None or s.received is None:
        return {}
    dims = s.dimensions
    out: dict[Key, tuple[int, int]] = {(*dims, RECEIVED, s.received): (1, 0)}
    if s.finished is not None and s.outcome in FINISHED:
        seconds = s.seconds if s.outcome in RESULTS else 0
        out[(*dims, s.outcome, s.finished)] = (1, seconds)
    for day, delta in overdue_deltas(s):
        out[(*dims, OVERDUE, day)] = (delta, 0)
    if s.charged:
        out[(*dims, CHARGED, s.received)] = (1, 0)
        if s.paid_online:
            out[(*dims, PAID_ONLINE, s.received)] = (1, 0)
    return out


def diff(old: dict[Key, tuple[int, int]], new: dict[Key, tuple[int, int]]) -> dict:
    """new - old, without the keys that do not change."""
    count, seconds = Counter(), Counter()
    for sign, facts in ((-1, old), (1, new)):
        for key, (n, s) in facts.items():
            count[key] += sign * n
            seconds[key] += sign * s
    return {
        key: (count[key], seconds[key])
        for key in count.keys() | seconds.keys()
        if count[key] or seconds[key]
    }


DAY, MONTH, YEAR = "D", "M", "Y"
GRAINS = (DAY, MONTH, YEAR)

# Opening balances: on 1 January of each year up to the one the table was opened through,
# the stocks at the start of that year per dimensions: `open` (received and not finished)
# and `overdue` (the sum of the overdue deltas). "Everything before a day" then reads one
# year's openings and that year's months and days, not every year since the beginning.
OPENING = "O"
OPEN = "open"
STOCKS = (OPEN, OVERDUE)


def stock_of(kind: str) -> tuple[str, int] | None:
    """The stock a flow of `kind` moves, and which way: a receipt opens a dossier, a finish
    closes it, an overdue delta moves the overdue count; an opening is its own stock; the
    payment marks move none (None)."""
    if kind in (RECEIVED, OPEN):
        return OPEN, 1
    if kind in FINISHED:
        return OPEN, -1
    if kind == OVERDUE:
        return OVERDUE, 1
    return None


def sign(kind: str) -> int:
    """+1 for what adds to the dossiers in progress, -1 for what ends one, else 0."""
    moved = stock_of(kind)
    return moved[1] if moved is not None and moved[0] == OPEN else 0


def openings_of(day: date, through: int | None) -> range:
    """The years whose opening balances a fact of `day` enters (those opened so far)."""
    if through is None:
        return range(0)
    return range(day.year + 1, through + 1)


def month_of(day: date) -> date:
    return day.replace(day=1)


def year_of(day: date) -> date:
    return day.replace(month=1, day=1)


def keys_of(day: date) -> tuple[tuple[str, date], ...]:
    """The rows a fact of `day` is stored on: its day, its month and its year."""
    return ((DAY, day), (MONTH, month_of(day)), (YEAR, year_of(day)))


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_starts(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months of [start, end], each cut to the period."""
    out, first = [], start.replace(day=1)
    while first <= end:
        nxt = month_end(first) + timedelta(days=1)
        out.append((max(first, start), min(nxt - timedelta(days=1), end)))
        first = nxt
    return out


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def stock_segments(hi: date, through: int | None) -> list[tuple[str, date | None, date]]:
    """Rows whose sums by stock give the stocks at the end of `hi`: the openings of the
    year after `hi`'s last whole year, when the table is opened through it, and the months
    and days from there to `hi`; else every flow from the beginning (`segments(None, hi)`)."""
    year = hi.year + 1 if (hi.month, hi.day) == (12, 31) else hi.year
    if through is None or year > through or year > date.max.year:
        return segments(None, hi)
    start = date(year, 1, 1)
    out = [(OPENING, start, start)]
    return out + segments(start, hi) if start <= hi else out


def segments(lo: date | None, hi: date, years: bool = True) -> list[tuple[str, date | None, date]]:
    """The fewest rows that cover the days lo..hi (lo None: from the very beginning):
    [(grain, first key, last key)], whole years by year rows (unless `years` is False, for
    counts by month), whole months by month rows, the rest by day rows. A range's keys are
    the days the rows are stored on."""
    out: list[list] = []

    def take(grain: str, key: date | None, last: date) -> None:
        if out and out[-1][0] == grain:
            out[-1][2] = last
        else:
            out.append([grain, key, last])

    if lo is None and not years:
        if month_end(hi) == hi or hi >= date(1, 2, 1):
            take(MONTH, None, hi.replace(day=1) if month_end(hi) == hi else _month_before(hi))
            lo = month_end(out[-1][2]) + timedelta(days=1)
            if lo > hi:
                return [tuple(x) for x in out]
        else:  # inside the first month there is: no whole month before it
            lo = date.min
    if lo is None:
        whole = hi.year if (hi.month, hi.day) == (12, 31) else hi.year - 1
        if whole < date.min.year:  # inside the first year there is: no whole year before
            lo = date.min
        else:
            take(YEAR, None, date(whole, 1, 1))
            if whole >= hi.year:
                return [tuple(x) for x in out]
            lo = date(whole + 1, 1, 1)
    day = lo
    while day <= hi:
        if years and (day.month, day.day) == (1, 1) and date(day.year, 12, 31) <= hi:
            take(YEAR, day, day)
            if day.year == date.max.year:
                break
            day = date(day.year + 1, 1, 1)
        elif day.day == 1 and month_end(day) <= hi:
            take(MONTH, day, day)
            end = month_end(day)
            if end == date.max:
                break
            day = end + timedelta(days=1)
        else:
            last = min(month_end(day), hi)
            take(DAY, day, last)
            if last == date.max:
                break
            day = last + timedelta(days=1)
    return [tuple(x) for x in out]


# --- stored form (the dossier row keeps its last contribution) -------------------------------


def dump(facts: dict[Key, tuple[int, int]]) -> list:
    """JSON-friendly: [[agency, procedure, channel, part, digitised, multi, kind, "day",
    count, seconds], …] sorted, so equal contributions store equal text."""
    return sorted([*key[:-1], key[-1].isoformat(), n, s] for key, (n, s) in facts.items())


def load(rows) -> dict[Key, tuple[int, int]]:
    out = {}
    for row in rows or ():
        *dims, kind, day, n, s = row
        out[(*dims, kind, date.fromisoformat(day))] = (n, s)
    return out
