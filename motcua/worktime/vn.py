"""Vietnam's public-service calendar data (pure Python: `holidays` + the shipped file).

Days off of a year, by increasing precedence (a later source wins for the same date):

1. `holidays.VN` with compensatory days (``observed``): the Labour Code holidays (Tết
   Dương lịch, 5 days of Tết Nguyên đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh 2/9 and
   its adjacent day, and from 2026 Ngày Văn hóa Việt Nam 24/11 unless switched off), and
   the swaps the package knows (with their make-up working Saturdays);
2. the shipped announcements, ``data/vn_exceptions.json``: the days off and make-up
   working days announced for public servants, each with its document;
3. overrides given by the caller (the database table, in the Django layer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import holidays

from motcua.worktime.core import (
    DAY_OFF,
    PUBLIC_HOLIDAY,
    WORKING_DAY,
    Calendar,
    DayNote,
)

DATA_FILE = Path(__file__).with_name("data") / "vn_exceptions.json"
CULTURE_DAY_NAME = "Ngày Văn hóa Việt Nam"
# Names holidays.VN gives (language "vi") to the swapped days it knows.
_PACKAGE_SWAP_PREFIX = "Ngày nghỉ (thay cho"


@dataclass(frozen=True)
class Announcement:
    """One shipped exception: a day off or a make-up working day, with its document."""

    date: date
    kind: str  # DAY_OFF or WORKING_DAY
    reason: str
    document: str
    document_date: date | None
    issuer: str
    confirmed: bool
    swap_with: date | None = None
    note: str = ""

    def as_note(self) -> DayNote:
        return DayNote(
            name=self.reason,
            kind=self.kind,
            document=self.document,
            document_date=self.document_date,
            confirmed=self.confirmed,
            source="shipped",
        )


def _date(value):
    return date.fromisoformat(value) if value else None


@lru_cache(maxsize=1)
def load_announcements(path: Path = DATA_FILE) -> tuple[Announcement, ...]:
    """The shipped exceptions, checked: one per date, kinds valid, swaps paired."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    items = []
    seen = set()
    for entry in raw["exceptions"]:
        item = Announcement(
            date=date.fromisoformat(entry["date"]),
            kind=entry["kind"],
            reason=entry["reason"],
            document=entry["document"],
            document_date=_date(entry.get("document_date")),
            issuer=entry.get("issuer", ""),
            confirmed=bool(entry.get("confirmed", False)),
            swap_with=_date(entry.get("swap_with")),
            note=entry.get("note", ""),
        )
        if item.kind not in (DAY_OFF, WORKING_DAY):
            raise ValueError(f"{item.date}: unknown kind {item.kind!r}")
        if item.date in seen:
            raise ValueError(f"{item.date}: listed twice")
        seen.add(item.date)
        items.append(item)
    return tuple(sorted(items, key=lambda a: a.date))


@lru_cache(maxsize=64)
def package_days(year: int, include_culture_day: bool = True):
    """What `holidays.VN` says about one year: (days off, make-up working days)."""
    # Swaps may cross a year boundary (a make-up Saturday in December for a day off in
    # January), so the neighbouring years are asked too and filtered by date.
    vn = holidays.country_holidays("VN", years=range(year - 1, year + 2), language="vi")
    off: dict[date, DayNote] = {}
    for day, name in sorted(vn.items()):
        if day.year != year:
            continue
        if not include_culture_day and CULTURE_DAY_NAME in name:
            continue
        kind = DAY_OFF if name.startswith(_PACKAGE_SWAP_PREFIX) else PUBLIC_HOLIDAY
        off[day] = DayNote(name=name, kind=kind, source="holidays")
    work = {
        day: DayNote(name="Ngày làm bù", kind=WORKING_DAY, source="holidays")
        for day in sorted(vn.weekend_workdays)
        if day.year == year and day not in off
    }
    return off, work


def year_days(year: int, include_culture_day: bool = True, announcements=None):
    """Package days overridden by the shipped announcements, for one year."""
    p_off, p_work = package_days(year, include_culture_day)
    off, work = dict(p_off), dict(p_work)
    for item in load_announcements() if announcements is None else announcements:
        if item.date.year != year:
            continue
        off.pop(item.date, None)
        work.pop(item.date, None)
        (off if item.kind == DAY_OFF else work)[item.date] = item.as_note()
    return off, work


def provider(include_culture_day: bool = True):
    """A Calendar provider: year -> (days off, working days)."""

    def days(year: int):
        return year_days(year, include_culture_day)

    return days


def build_calendar(
    *,
    hours=None,
    transfer_cutoff="15:00",
    cutoff=None,
    include_culture_day: bool = True,
    days_off=None,
    working_days=None,
    due_soon_fraction: float = 0.8,
    tz=None,
) -> Calendar:
    """A calendar of Vietnam's public service with the shipped data. `transfer_cutoff`:
    the transfer cut-off (15:00); `cutoff`: a default same-day roll-over (none)."""
    kwargs = {}
    if hours is not None:
        kwargs["hours"] = hours
    if tz is not None:
        kwargs["tz"] = tz
    return Calendar(
        transfer_cutoff=transfer_cutoff,
        cutoff=cutoff,
        provider=provider(include_culture_day),
        days_off=days_off,
        working_days=working_days,
        due_soon_fraction=due_soon_fraction,
        **kwargs,
    )
