"""The printed forms of the one-stop mechanism, as PDFs, keyed by name.

Each `*_context` function builds what one form shows from a dossier and its events: it
reads and never writes. The legal wording lives in the templates (`dossiers/print/`);
contexts carry facts, Vietnamese-formatted dates and codes (timeliness, remarks) that the
templates word. `render_pdf` lays a form out with WeasyPrint. A form's number and legal
basis come from `forms_data` (the instrument in force on the form's date).

- receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả), with a QR code of the public lookup
  link;
- supplement request, refusal, apology, stop notice: from the event they document;
- control slip: one row per hand-over, each step judged early / on time / late by the
  working-time calendar against the step's allotted time;
- tracking book of one desk for a period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.numbers import format_vn
from motcua.dossiers import forms_data as forms
from motcua.dossiers.models import ProcessStep
from motcua.dossiers.workflow import RUNNING, Action, Status
from motcua.org.constants import Role
from motcua.worktime import core as worktime

TEMPLATES = {name: f"dossiers/print/{name.replace('-', '_')}.html" for name in forms.FORM_NAMES}
LABELS = {
    forms.RECEIPT: _("Receipt and appointment"),
    forms.SUPPLEMENT_REQUEST: _("Supplement request"),
    forms.REFUSAL: _("Refusal"),
    forms.APOLOGY: _("Apology and new appointment"),
    forms.CONTROL_SLIP: _("Process control slip"),
    forms.STOP_NOTICE: _("Stop notice"),
    forms.TRACKING_BOOK: _("Tracking book"),
}
"""What the back office calls each form (the printed title is `forms_data.TITLES`)."""
EVENT_FORMS = {
    Action.REQUEST_SUPPLEMENT: forms.SUPPLEMENT_REQUEST,
    Action.REFUSE: forms.REFUSAL,
    Action.APOLOGISE: forms.APOLOGY,
    Action.WITHDRAW: forms.STOP_NOTICE,
}
"""The forms that document one event, by the event's action."""
UNIT_TYPES = ("Thành phố", "Thị xã", "Thị trấn", "Tỉnh", "Huyện", "Quận", "Phường", "Xã")
HAND_OVERS = frozenset(
    {
        Action.FORWARD,
        Action.APPROVE,
        Action.HAND_OVER,
        Action.HAND_BACK,
        Action.REQUEST_SUPPLEMENT,
        Action.SUPPLEMENT,
        Action.COMPLETE,
        Action.RETURN_RESULT,
    }
)
"""Actions that pass the dossier from one holder to another (rows of the control slip)."""
TO_THE_DESK = frozenset({Action.RECEIVE, Action.REQUEST_SUPPLEMENT, Action.COMPLETE})
"""Actions after which the dossier is at the one-stop desk that received it."""
TRANSFERS = frozenset({Action.FORWARD, Action.APPROVE, Action.HAND_OVER})
ENDINGS = frozenset({Action.REFUSE, Action.WITHDRAW})
"""Actions that end a dossier without a result (a remark of the tracking book)."""


# --- Vietnamese dates --------------------------------------------------------------------------


def _local(value: datetime) -> datetime:
    """Local wall-clock time. An instant too close to the ends of the calendar to convert
    (31/12/9999 23:00 UTC is in year 10000 in Hà Nội) is printed as the end it reaches."""
    if not timezone.is_aware(value):
        return value
    try:
        return timezone.localtime(value)
    except OverflowError:
        return datetime.max if value.year > 1 else datetime.min


def local_day(value: datetime) -> date:
    return _local(value).date()


def vn_date(value: date | datetime | None) -> str:
    """03/03/2025."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    """09 giờ 00 phút, ngày 03/03/2025."""
    if value is None:
        return ""
    value = _local(value)
    return f"{value:%H} giờ {value:%M} phút, ngày {value:%d/%m/%Y}"


def vn_short(value: datetime | None) -> str:
    """09:00 03/03/2025 (table cells)."""
    return "" if value is None else f"{_local(value):%H:%M %d/%m/%Y}"


def date_line(place: str, day: date) -> str:
    """ "Hà Nam, ngày 03 tháng 3 năm 2025": days below 10 and the months 1 and 2 take a
    leading zero (Nghị định 30/2020/NĐ-CP, appendix I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def hours_text(value: Decimal | float | timedelta | None) -> str:
    """A number of hours the Vietnamese way: 4, 1,5."""
    if value is None:
        return ""
    if isinstance(value, timedelta):
        value = value.total_seconds() / 3600
    value = Decimal(str(round(float(value), 2)))
    return format_vn(int(value) if value == int(value) else value.normalize())


# --- Letterhead --------------------------------------------------------------------------------


def place_name(unit_name: str, unit_type: str = "") -> str:
    """The place of the date line: the unit's name without its type ("Thành phố Phủ Lý" →
    "Phủ Lý"); a unit named by a number keeps its full name ("Phường 1")."""
    for prefix in (unit_type, *UNIT_TYPES):
        if prefix and unit_name.startswith(prefix + " "):
            rest = unit_name[len(prefix) + 1 :].strip()
            return unit_name if rest.isdigit() else rest
    return unit_name


def agency_place(agency, day: date) -> str:
    """The place of the agency's administrative unit, under the name the unit bore on
    `day` (units are versioned rows sharing an official code)."""
    unit = getattr(agency, "admin_unit", None)
    if unit is None:
        return place_name(settings.MOTCUA["PROVINCE_NAME"])
    from motcua.org.models import AdminUnit

    unit = AdminUnit.objects.valid_on(day).filter(code=unit.code).first() or unit
    return place_name(unit.name, unit.unit_type)


@dataclass(frozen=True)
class Letterhead:
    """The top of every form: the agency on the left, the national motto on the right."""

    parent: str
    agency: str
    place: str
    day: date

    @property
    def date_line(self) -> str:
        return date_line(self.place, self.day)


def letterhead(agency, day: date) -> Letterhead:
    parent = getattr(agency, "parent", None)
    return Letterhead(
        parent=parent.name.upper() if parent else "",
        agency=agency.name.upper() if agency else settings.MOTCUA["PROVINCE_NAME"].upper(),
        place=agency_place(agency, day),
        day=day,
    )


# --- Shared pieces -----------------------------------------------------------------------------


def person(user) -> str:
    return str(user) if user is not None else ""


def desk_agency(dossier):
    """The agency of the desk that received the dossier (it issues forms 01–03)."""
    desk = dossier.received_desk
    return desk.agency if desk is not None else dossier.performing_agency


def applicant_facts(dossier) -> dict:
    a = dossier.applicant
    return {
        "name": a.full_name,
        "kind": a.kind,
        "id_number": a.id_number,
        "tax_code": a.tax_code,
        "address": a.address,
        "phone": a.phone,
        "email": a.email,
    }


def duration_facts(procedure) -> dict:
    return {
        "amount": hours_text(procedure.local_duration),
        "unit": procedure.duration_unit,  # "days" or "hours": the template words it
    }


def latest(events, action: Action, event_id: int | None = None):
    """The event of `action` with `event_id`, or the latest one; None if there is none."""
    chosen = [e for e in events if e.action == action]
    if event_id is not None:
        chosen = [e for e in chosen if e.pk == event_id]
    return chosen[-1] if chosen else None


def _from_iso(value) -> datetime | None:
    """A date-time stored in an event's data; None when missing or unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def form_ref(name: str, day: date) -> forms.FormRef:
    """Form `name` dated `day`, with the number and legal basis of the instrument in force
    that day, or of the one `MOTCUA["FORMS_INSTRUMENT"]` names."""
    chosen = settings.MOTCUA.get("FORMS_INSTRUMENT")
    try:
        return forms.form_ref(name, day, chosen)
    except LookupError as exc:
        raise ImproperlyConfigured(f'MOTCUA["FORMS_INSTRUMENT"]: {exc}') from exc


def lookup_qr(url: str) -> str:
    """An SVG data URI of the QR code of `url` (error correction M, scalable)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(
        border=2, omitsize=True, dark="#000", light="#fff"
    )


def _base(dossier, agency, day: date, name: str) -> dict:
    return {
        "form": form_ref(name, day),
        "letterhead": letterhead(agency, day),
        "dossier": dossier,
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "applicant": applicant_facts(dossier),
        "agency_name": agency.name if agency else "",
        "desk_name": dossier.received_desk.name if dossier.received_desk_id else "",
    }


# --- 01 Receipt --------------------------------------------------------------------------------


def receipt_context(dossier, events, lookup_url: str, lookup_page: str = "") -> dict:
    """Receipt: what was received, when, and when and where the result will be ready.
    `lookup_url` is the QR code's signed link; `lookup_page` the lookup form's address, printed
    for those who type the code and the password."""
    received = next((e for e in events if e.action == Action.RECEIVE), None)
    agency = desk_agency(dossier)
    return_desk = dossier.return_desk or dossier.received_desk
    return {
        **_base(dossier, agency, local_day(dossier.received_at), forms.RECEIPT),
        "documents": [
            {"name": d.name, "originals": d.originals, "copies": d.copies}
            for d in dossier.documents.all()
        ],
        "duration": duration_facts(dossier.procedure),
        "received_at": vn_datetime(dossier.received_at),
        "due_at": vn_datetime(dossier.due_at),
        "return_place": (
            ", ".join(x for x in (return_desk.name, return_desk.address) if x)
            if return_desk is not None
            else ""
        ),
        "channel": dossier.channel,
        "result_delivery": dossier.result_delivery,  # the applicant's choice, online
        "result_address": dossier.result_address,
        "fee": format_vn(dossier.fee_amount) if dossier.fee_amount else "",
        "officer": person(received.actor) if received else "",
        "lookup_url": lookup_url,
        "lookup_page": lookup_page or lookup_url,
        "lookup_secret": dossier.secret,
        "qr": lookup_qr(lookup_url),
    }


# --- Supplement request, refusal, apology, stop notice: from their event ----------------------


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


def supplement_context(dossier, event) -> dict:
    """Supplement request: what the applicant must add or correct, and why (the event's
    comment)."""
    agency = desk_agency(dossier)
    officer = event.actor
    return {
        **_base(dossier, agency, local_day(event.at), forms.SUPPLEMENT_REQUEST),
        "requested_at": vn_datetime(event.at),
        "items": _lines(event.comment),
        "officer": person(officer),
        "officer_phone": getattr(officer, "phone", "") or (agency.phone if agency else ""),
    }


def refusal_context(dossier, event, signer_roles: set[str] = frozenset()) -> dict:
    """Refusal: the reasons the dossier is not received or not resolved; signed by the
    head of the agency when a leader refused it, else by the receiving officer."""
    agency = desk_agency(dossier)
    return {
        **_base(dossier, agency, local_day(event.at), forms.REFUSAL),
        "refused_at": vn_datetime(event.at),
        "reasons": _lines(event.comment),
        "officer": person(event.actor),
        "signed_as_head": Role.LEADER in signer_roles,
    }


def apology_context(dossier, event) -> dict:
    """Apology: the original appointment, the reason of the delay, the new appointment."""
    agency = event.agency or dossier.performing_agency
    previous = _from_iso(event.data.get("previous_due_at"))
    new = _from_iso(event.data.get("new_due_at"))
    return {
        **_base(dossier, agency, local_day(event.at), forms.APOLOGY),
        "received_on": vn_date(dossier.received_at),
        "previous_due_at": vn_datetime(previous),
        "new_due_at": vn_datetime(new),
        "reason": "; ".join(_lines(event.comment)).rstrip(" .;"),
        "officer": person(event.actor),
    }


def stop_notice_context(dossier, event) -> dict:
    """Stop notice (Thông báo dừng giải quyết hồ sơ): the desk stops handling the dossier
    at the applicant's request (the withdraw event; its comment is the request)."""
    agency = desk_agency(dossier)
    arrived = dossier.received_at or dossier.submitted_at
    return {
        **_base(dossier, agency, local_day(event.at), forms.STOP_NOTICE),
        "received": dossier.received_at is not None,
        "arrived_on": vn_date(arrived),
        "stopped_at": vn_datetime(event.at),
        "reason": "; ".join(_lines(event.comment)).rstrip(" .;"),
        "officer": person(event.actor),
    }


# --- Control slip ---------------------------------------------------------------------------


@dataclass
class SlipRow:
    """One hand-over: who gave the dossier to whom, when, and how the step went."""

    at: datetime
    action: str
    from_unit: str
    from_person: str
    to_unit: str
    to_person: str
    result: str = ""  # early / on_time / late; empty when no clock ran for the giver
    step: str = ""
    allotted_hours: str = ""
    used_hours: str = ""
    comment: str = ""
    part_code: str = ""
    to_applicant: bool = False

    @property
    def when(self) -> str:
        return vn_datetime(self.at)


def step_result(calendar, handed_at: datetime, used: timedelta, allotted: timedelta) -> str:
    """Early / on time / late of a step handed over at `handed_at` after `used` working
    time of its `allotted` time, with the rule for dossiers (worktime.classify_finished):
    late after the step's due instant, early when handed over on a date before it."""
    if used > allotted:
        return worktime.LATE
    remaining = allotted - used
    if remaining <= timedelta(0):
        return worktime.ON_TIME
    due = calendar.add(handed_at, remaining, worktime.HOURS)
    return calendar.classify_finished(due, handed_at)


def _unit(dossier, event) -> str:
    """Where the dossier is after `event`: the receiving desk, or the event's agency."""
    desk = dossier.received_desk
    at_desk = event.action in TO_THE_DESK or (
        event.step is not None and event.step.performer == ProcessStep.Performer.RECEIVING_DESK
    )
    if desk is not None and at_desk and event.agency_id == desk.agency_id:
        return desk.name
    return event.agency.name if event.agency is not None else ""


def control_rows(dossier, events, calendar) -> list[SlipRow]:
    """The hand-overs of a dossier after its receipt, each judged against the allotted
    time of the step the giver was doing (time awaiting a supplement does not count)."""
    rows: list[SlipRow] = []
    holder = None  # (unit, assignee id) of whoever has the dossier
    step = None
    used = timedelta(0)
    previous = None
    for event in events:
        if previous is None:
            if event.to_status != Status.RECEIVED:
                continue  # before receipt: no clock, nothing handed over yet
            holder, step, previous = (_unit(dossier, event), event.assignee_id), event.step, event
            continue
        if previous.to_status in RUNNING:
            used += calendar.elapsed(previous.at, event.at)
        to_person = None if event.action == Action.REQUEST_SUPPLEMENT else event.assignee
        to = (_unit(dossier, event), to_person.pk if to_person else None)
        if event.action in HAND_OVERS and (to != holder or event.action == Action.RETURN_RESULT):
            rows.append(
                _slip_row(dossier, event, holder, to_person, step, used, previous, calendar)
            )
        if event.step_id != getattr(step, "pk", None):
            step, used = event.step, timedelta(0)
        holder, previous = to, event
    return rows


def _slip_row(dossier, event, holder, to_person, step, used, previous, calendar) -> SlipRow:
    row = SlipRow(
        at=event.at,
        action=event.action,
        from_unit=holder[0],
        from_person=person(event.actor),
        to_unit=_unit(dossier, event),
        to_person=person(to_person),
        comment=event.comment,
    )
    if event.action == Action.RETURN_RESULT:
        row.result = event.data.get("timeliness") or dossier.timeliness
        if dossier.parent_id:  # a part's result goes back to the desk of the whole dossier
            parent_desk = dossier.parent.received_desk
            row.to_unit = parent_desk.name if parent_desk else dossier.parent.current_agency.name
        else:
            row.to_unit, row.to_applicant = dossier.applicant.full_name, True
            row.to_person = dossier.applicant.full_name
        return row
    if step is not None:
        allotted = timedelta(hours=float(step.allotted_hours))
        row.step = step.name
        row.allotted_hours = hours_text(allotted)
        row.used_hours = hours_text(used)
        if previous.to_status in RUNNING:
            row.result = step_result(calendar, event.at, used, allotted)
    return row


def part_rows(dossier, parts) -> list[SlipRow]:
    """Inter-agency: each part handed to its agency and its result handed back."""
    desk = dossier.received_desk
    desk_name = desk.name if desk else dossier.current_agency.name
    rows = []
    for part in parts:
        agency = part.performing_agency.name
        for event in part.events.all():
            if event.action == Action.RECEIVE:
                rows.append(
                    SlipRow(event.at, event.action, desk_name, "", agency, "", part_code=part.code)
                )
            elif event.action == Action.RETURN_RESULT:
                rows.append(
                    SlipRow(
                        event.at,
                        event.action,
                        agency,
                        person(event.actor),
                        desk_name,
                        "",
                        result=event.data.get("timeliness") or part.timeliness,
                        part_code=part.code,
                    )
                )
    return rows


def control_context(dossier, events, calendar, parts=()) -> dict:
    """Control slip (phiếu kiểm soát quá trình giải quyết hồ sơ) of the dossier's
    processing."""
    agency = desk_agency(dossier)
    if dossier.chain_id and dossier.parent_id is None:
        own = [r for r in control_rows(dossier, events, calendar) if r.to_applicant]
        rows = sorted([*part_rows(dossier, parts), *own], key=lambda r: r.at)
    else:
        rows = control_rows(dossier, events, calendar)
    partners = [p.performing_agency.name for p in parts]
    partners += [
        e.agency.name
        for e in events
        if e.action == Action.HAND_OVER and e.agency and e.agency_id != dossier.performing_agency_id
    ]
    return {
        **_base(dossier, agency, local_day(dossier.received_at), forms.CONTROL_SLIP),
        "performing_agency": dossier.performing_agency.name,
        "partners": list(dict.fromkeys(partners)),
        "received_at": vn_datetime(dossier.received_at),
        "due_at": vn_datetime(dossier.due_at),
        "rows": rows,
    }


# --- Tracking book --------------------------------------------------------------------------


@dataclass
class BookRow:
    number: int
    code: str
    procedure: str
    applicant: str
    address: str
    phone: str
    performing_agency: str
    received_at: str
    due_at: str
    transferred: list[str] = field(default_factory=list)
    result_at: str = ""
    returned_at: str = ""
    remarks: list[tuple[str, str]] = field(default_factory=list)  # (code, detail)


def returned_at(dossier) -> datetime | None:
    """When the result was handed to the applicant: `returned_at` where the model has it,
    else the end of a returned dossier (`finished_at` meant "returned" before)."""
    if hasattr(dossier, "returned_at"):
        return dossier.returned_at
    return dossier.finished_at if dossier.status == Status.RETURNED else None


def book_row(number: int, dossier, events, parts=()) -> BookRow:
    """One line of the tracking book; `events` are the dossier's events (any subset that
    holds its transfers, supplement requests and apologies), `parts` its inter-agency
    parts."""
    if parts:
        transferred = [f"{p.performing_agency.name} ({vn_date(p.received_at)})" for p in parts]
    else:
        first = next((e for e in events if e.action in TRANSFERS and e.agency), None)
        transferred = []
        if first is not None:
            to = " – ".join(x for x in (first.agency.name, person(first.assignee)) if x)
            transferred.append(f"{to} ({vn_date(first.at)})")
    remarks: list[tuple[str, str]] = []
    if dossier.channel != "counter":
        remarks.append((dossier.channel, ""))
    supplements = [e for e in events if e.action == Action.REQUEST_SUPPLEMENT]
    if supplements:
        remarks.append(("supplement", vn_date(supplements[-1].at)))
    for e in events:
        if e.action == Action.APOLOGISE:
            remarks.append(("apology", vn_date(_from_iso(e.data.get("new_due_at")))))
    if dossier.status in (Status.REFUSED, Status.WITHDRAWN):
        ending = next((e for e in events if e.action in ENDINGS), None)
        remarks.append((dossier.status, vn_date(ending.at if ending else dossier.finished_at)))
    if dossier.timeliness:
        remarks.append((dossier.timeliness, ""))
    a = dossier.applicant
    return BookRow(
        number=number,
        code=dossier.code,
        procedure=dossier.procedure.name,
        applicant=a.full_name,
        address=a.address,
        phone=a.phone,
        performing_agency=dossier.performing_agency.name,
        received_at=vn_short(dossier.received_at),
        due_at=vn_short(dossier.due_at),
        transferred=transferred,
        result_at=vn_short(dossier.result_ready_at),
        returned_at=vn_short(returned_at(dossier)),
        remarks=remarks,
    )


def book_context(desk, start: date, end: date, rows: list[BookRow], today: date, officer) -> dict:
    """Tracking book of `desk` for the days `start`..`end` (inclusive), dated `today`."""
    return {
        "form": form_ref(forms.TRACKING_BOOK, today),
        "letterhead": letterhead(desk.agency, today),
        "desk": desk,
        "desk_name": desk.name,
        "agency_name": desk.agency.name,
        "start": vn_date(start),
        "end": vn_date(end),
        "rows": rows,
        "officer": person(officer),
    }


# --- The dossier page's list of forms ---------------------------------------------------------


@dataclass(frozen=True)
class PrintedForm:
    """One form the dossier page links: which, its number and basis, its URL and date."""

    form: forms.FormRef
    url: str
    date: str = ""  # of the event it documents

    @property
    def label(self) -> str:
        return LABELS[self.form.name]


def url_name(name: str) -> str:
    """The URL name of form `name`: dossiers:form_<name with underscores>."""
    return f"dossiers:form_{name.replace('-', '_')}"


def printed_forms(dossier, events) -> list[PrintedForm]:
    """The forms that exist for `dossier`: the receipt and the control slip once it is
    received, then one form per supplement request, refusal, apology and withdrawal, in
    the order of the events."""
    found = []

    def add(name, day, event=None):
        url = reverse(url_name(name), args=[dossier.code])
        if event is not None:
            url += f"?event={event.pk}"
        found.append(PrintedForm(form_ref(name, day), url, vn_date(event.at) if event else ""))

    if dossier.received_at:
        if not dossier.parent_id:  # a part's applicant holds the whole dossier's receipt
            add(forms.RECEIPT, local_day(dossier.received_at))
        add(forms.CONTROL_SLIP, local_day(dossier.received_at))
    for event in events:
        name = EVENT_FORMS.get(event.action)
        if name is not None:
            add(name, local_day(event.at), event)
    return found


# --- Rendering ---------------------------------------------------------------------------------


def _url_fetcher():
    """Forms embed everything (CSS, QR code): only data: URLs are ever fetched."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before URLFetcher: a fetcher is a function
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if not url.startswith("data:"):
                raise ValueError("printed forms fetch nothing but data: URLs")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols={"data"})


def render_html(template: str, context: dict) -> str:
    return render_to_string(template, context)


def render_document(template: str, context: dict):
    """The laid-out WeasyPrint document (pages and boxes) of a form."""
    from weasyprint import HTML

    html = HTML(string=render_html(template, context), url_fetcher=_url_fetcher())
    return html.render()


def render_pdf(template: str, context: dict) -> bytes:
    return render_document(template, context).write_pdf()
