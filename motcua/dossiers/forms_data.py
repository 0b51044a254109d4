"""The printed forms by name, and how each legal instrument numbers them. No Django.

Forms are known everywhere by their name (`receipt`, `apology`, …): URLs, templates,
code. A form's number ("Mẫu số 04") belongs to the instrument that prescribes it, and
instruments change: Thông tư 01/2018/TT-VPCP numbered six forms (art. 9); Thông tư
03/2025/TT-VPCP, in force since 1 July 2025, replaced it with a new set that adds the stop
notice, and its numbering could not be confirmed. So the numbering is data, here: a form
prints the number and legal basis of the instrument in force on the date it bears (or the
one `settings.MOTCUA["FORMS_INSTRUMENT"]` names). See docs/printing.md and
docs/decisions/0003-forms-by-name.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

RECEIPT = "receipt"
SUPPLEMENT_REQUEST = "supplement-request"
REFUSAL = "refusal"
APOLOGY = "apology"
CONTROL_SLIP = "control-slip"
STOP_NOTICE = "stop-notice"
TRACKING_BOOK = "tracking-book"
FORM_NAMES = (
    RECEIPT,
    SUPPLEMENT_REQUEST,
    REFUSAL,
    APOLOGY,
    CONTROL_SLIP,
    STOP_NOTICE,
    TRACKING_BOOK,
)

TITLES = MappingProxyType(
    {
        RECEIPT: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        SUPPLEMENT_REQUEST: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        REFUSAL: "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        APOLOGY: "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        CONTROL_SLIP: "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        STOP_NOTICE: "Thông báo dừng giải quyết hồ sơ",
        TRACKING_BOOK: "Sổ theo dõi hồ sơ",
    }
)
"""The official Vietnamese title of each form (legal text: printed as is, not translated)."""


@dataclass(frozen=True)
class Instrument:
    """A legal instrument that prescribes printed forms, and its number for each.

    `numbers` holds the names of the forms the instrument prescribes; a number of None
    means the form belongs to the instrument but its number is not confirmed. A name
    missing from `numbers` is not a form of that instrument. `valid_to` is the last day
    in force (inclusive), None while in force."""

    id: str
    title: str
    valid_from: date
    valid_to: date | None
    numbers: Mapping[str, str | None]

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def prescribes(self, name: str) -> bool:
        return name in self.numbers

    def number(self, name: str) -> str | None:
        return self.numbers.get(name)


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        id="tt01-2018",
        title="Thông tư 01/2018/TT-VPCP",
        valid_from=date(2019, 1, 8),  # [check] in force 45 days after its signature (23/11/2018)
        valid_to=date(2025, 6, 30),
        numbers=MappingProxyType(  # art. 9
            {
                RECEIPT: "01",
                SUPPLEMENT_REQUEST: "02",
                REFUSAL: "03",
                APOLOGY: "04",
                CONTROL_SLIP: "05",
                TRACKING_BOOK: "06",
            }
        ),
    ),
    Instrument(
        id="tt03-2025",
        title="Thông tư 03/2025/TT-VPCP",
        valid_from=date(2025, 7, 1),
        valid_to=None,
        # [check] the set is known by name; its numbering could not be confirmed.
        numbers=MappingProxyType(dict.fromkeys(FORM_NAMES)),
    ),
)


@dataclass(frozen=True)
class FormRef:
    """A form as printed on one day: its name, and the instrument (and number) it follows.
    Without an instrument (a day before any in the table, or a form the instrument in force
    does not prescribe), the form prints no legal basis."""

    name: str
    instrument: Instrument | None = None
    number: str | None = None

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def basis(self) -> str:
        return self.instrument.title if self.instrument is not None else ""


def instrument_on(day: date, instruments=None) -> Instrument | None:
    """The instrument in force on `day`, or None before the first one."""
    return next((i for i in instruments or INSTRUMENTS if i.in_force_on(day)), None)


def instrument_by_id(instrument_id: str, instruments=None) -> Instrument:
    instruments = instruments or INSTRUMENTS
    for instrument in instruments:
        if instrument.id == instrument_id:
            return instrument
    known = ", ".join(i.id for i in instruments)
    raise LookupError(f"unknown forms instrument {instrument_id!r} (known: {known})")


def form_ref(name: str, day: date, instrument_id: str | None = None, instruments=None) -> FormRef:
    """Form `name` dated `day`: the instrument in force that day (or `instrument_id`, when
    given) and its number there."""
    if name not in TITLES:
        raise LookupError(f"unknown form {name!r}")
    if instrument_id:
        instrument = instrument_by_id(instrument_id, instruments)
    else:
        instrument = instrument_on(day, instruments)
    if instrument is None or not instrument.prescribes(name):
        return FormRef(name)
    return FormRef(name, instrument, instrument.number(name))
