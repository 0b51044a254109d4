"""Request and response shapes (they are also the OpenAPI document's schemas).

Every input is bounded (docs/decisions/0008-input-bounds.md): strings by `max_length`,
integers by the database's range, pages by MAX_PAGE, dates and times by the window
EARLIEST..LATEST; a value outside answers 422 naming the field, never a 500.
"""

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema

from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Level

# --- Bounds ----------------------------------------------------------------------------------

MAX_PAGE = 10_000
MAX_ID = 2**63 - 1  # the largest primary key the database stores
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
WINDOW = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def _day_in_window(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be {WINDOW}")
    return value


def _moment_in_window(value: datetime) -> datetime:
    # The offset may move a moment across midnight: compare the wall-clock day given.
    if (
        not datetime.combine(EARLIEST, time.min)
        <= value.replace(tzinfo=None)
        < datetime.combine(LATEST, time.max)
    ):
        raise ValueError(f"must be {WINDOW}")
    return value


# Any text is read (an unknown action is a 400 naming `action`); the document lists the
# actions, so that clients and schemathesis see them.
ActionName = Annotated[str, WithJsonSchema({"type": "string", "enum": [a.value for a in Action]})]
Day = Annotated[date, AfterValidator(_day_in_window)]
Moment = Annotated[datetime, AfterValidator(_moment_in_window)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# --- Errors ----------------------------------------------------------------------------------

ERROR_CODES = (
    "not_allowed",
    "illegal_transition",
    "incomplete",
    "invalid",
    "invalid_characters",
    "not_found",
    "unauthorized",
    "conflict",
    "too_large",
)


class ErrorDetail(Schema):
    code: Literal[ERROR_CODES] = Field(description='Stable; see docs/api.md, "Errors".')
    message: str = Field(description="For a person, in the request's language.")
    fields: dict[str, str] = Field(
        default_factory=dict, description='Field → "required" or "invalid".'
    )
    field_messages: dict[str, str] = Field(
        default_factory=dict, description="Field → localized message."
    )
    missing: list[str] = Field(
        default_factory=list, description="Names of the mandatory documents the dossier lacks."
    )


class ErrorOut(Schema):
    error: ErrorDetail


# --- Procedures ------------------------------------------------------------------------------


class ProcedureFilters(Schema):
    q: str = Field("", max_length=200, description="Search; diacritics and case are ignored.")
    level: Level | None = None
    agency: str | None = Field(None, max_length=40, description="Code of the department.")
    sector: str | None = Field(None, max_length=20, description="Sector code.")
    online_level: int | None = Field(None, ge=1, le=4)
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=100)


class SectorOut(Schema):
    code: str
    name: str


class ProcedureItem(Schema):
    code: str
    name: str
    level: str
    sector: SectorOut
    agency: str = Field(description="Code of the performing department; empty below province.")
    performing_agency: str
    channel_counter: bool
    channel_online: bool
    channel_post: bool
    duration_unit: str
    statutory_duration: str
    local_duration: str
    online_level: int
    online_scope: str


class ProcedurePage(Schema):
    count: int
    page: int
    page_size: int
    has_next: bool
    items: list[ProcedureItem]


class RequiredDocumentOut(Schema):
    id: int | None = Field(description="Give it as `required_document` when creating a dossier.")
    name: str
    originals: int
    copies: int
    mandatory: bool
    form: str


class FeeOut(Schema):
    name: str
    amount: int | None
    note: str


class ProcedureDetail(Schema):
    code: str
    status: str
    version: int | None
    valid_from: date | None
    name: str
    level: str
    sector: SectorOut
    agency: str
    performing_agency: str
    applicants: str
    steps: str
    where_to_apply: str
    channel_counter: bool
    channel_online: bool
    channel_post: bool
    duration_unit: str
    statutory_duration: str
    local_duration: str
    duration_note: str
    fee_text: str
    result: str
    legal_basis: str
    conditions: str
    online_level: int
    online_scope: str
    one_stop: bool
    inter_agency: bool
    restart_on_supplement: bool
    documents: list[RequiredDocumentOut]
    fees: list[FeeOut]


# --- Dossiers --------------------------------------------------------------------------------


class DossierFilters(Schema):
    status: Status | None = None
    procedure: str | None = Field(None, max_length=40, description="Procedure code.")
    received_from: Day | None = Field(
        None, description=f"Received on or after this day ({WINDOW})."
    )
    received_to: Day | None = Field(None, description=f"Received on or before this day ({WINDOW}).")
    overdue: bool = Field(False, description="Open dossiers whose appointment has passed.")
    agency: str | None = Field(
        None, max_length=40, description="Agency code: dossiers performed by or now at it."
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=100)


class ApplicantIn(Schema):
    kind: Literal["person", "organisation"] = "person"
    full_name: str = Field("", max_length=300)
    id_number: str = Field("", max_length=20, description="CCCD (12 digits) or CMND (9).")
    tax_code: str = Field("", max_length=20, description="Required for organisations.")
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=500)


class DocumentIn(Schema):
    required_document: Id | None = Field(
        None, description="Id of one of the procedure's required documents."
    )
    name: str = Field("", max_length=1000, description="Default: the required document's name.")
    originals: int = Field(0, ge=0, le=99)
    copies: int = Field(0, ge=0, le=99)
    file_name: str | None = Field(
        None, max_length=255, description="The attached file's name, e.g. `to-khai.pdf`."
    )
    content_base64: str | None = Field(
        None,
        description="The attached file, base64-encoded (with `file_name`). Checked for type, "
        "real content and size like the desk's scans.",
    )


class DossierIn(Schema):
    procedure: str = Field(max_length=40, description="Procedure code.")
    applicant: ApplicantIn
    channel: Literal["counter", "online", "post"]
    desk: Id | None = Field(None, description="Id of the one-stop desk that receives it.")
    agency: str | None = Field(
        None, max_length=40, description="Code of the performing agency, when not the desk's."
    )
    documents: list[DocumentIn] = Field(default_factory=list, max_length=200)
    received_at: Moment | None = Field(
        None,
        description="When received (counter) or submitted (online, post); default now. At "
        "most MOTCUA['RECEIPT_BACKDATE_DAYS'] days back (default 30), not in the future, "
        "not before the procedure's version existed.",
    )


class ActionIn(Schema):
    comment: str = Field("", max_length=5000)
    to_user: str | None = Field(None, max_length=150, description="Username of an officer.")
    to_agency: str | None = Field(None, max_length=40, description="Agency code.")
    new_due_at: Moment | None = Field(
        None,
        description="For `apologise`: the new date, after the current appointment and at "
        "most MOTCUA['MAX_APPOINTMENT_DAYS'] days (default 365) after receipt.",
    )
    result: str = Field("", max_length=5000, description="For `complete`: the result.")
    documents: list[DocumentIn] = Field(
        default_factory=list,
        max_length=200,
        description="For `supplement` (or any action): documents and files added.",
    )
    at: Moment | None = Field(
        None,
        description="When the action happened, if earlier than now (e.g. a result handed "
        "over before it was entered): not before the dossier arrived, not in the future. "
        "More than MOTCUA['LATE_ENTRY_WORKING_DAYS'] working days (default 1) before now "
        "it needs a `reason` and is flagged as a late entry (docs/reconciliation.md).",
    )
    reason: str = Field(
        "",
        max_length=2000,
        description="Why a late entry, or a late or repeated supplement request or apology.",
    )


class AgencyOut(Schema):
    code: str
    name: str


class DeskOut(Schema):
    id: int
    name: str


class ProcedureRef(Schema):
    code: str
    name: str


class ApplicantOut(Schema):
    kind: str
    full_name: str
    id_number: str
    tax_code: str
    phone: str
    email: str
    address: str


class ApplicantMasked(Schema):
    full_name: str
    id_number: str = Field(description="Masked: only the last 3 digits are shown.")


class DossierDocumentOut(Schema):
    id: int
    required_document: int | None
    name: str
    originals: int
    copies: int
    file: str | None = Field(description="Path of the attached file under /api/v1, if any.")
    content_type: str
    size: int


class DossierItem(Schema):
    code: str
    status: str
    status_label: str
    channel: str
    procedure: ProcedureRef
    applicant: ApplicantMasked
    performing_agency: AgencyOut
    current_agency: AgencyOut
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    timeliness: str


class DossierPage(Schema):
    page: int
    page_size: int
    has_next: bool
    items: list[DossierItem]


class DossierOut(Schema):
    code: str
    lookup_secret: str = Field(description="The lookup password printed on the receipt.")
    status: str
    status_label: str
    channel: str
    procedure: ProcedureRef
    procedure_version: int | None
    applicant: ApplicantOut
    received_desk: DeskOut | None
    return_desk: DeskOut | None
    performing_agency: AgencyOut
    current_agency: AgencyOut
    current_step: str | None
    assignee: str | None = Field(description="Username of the officer it is assigned to.")
    parent: str | None = Field(description="Code of the inter-agency dossier it is part of.")
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None = Field(description="The appointment given to the applicant.")
    deadline_at: datetime | None = Field(description="The legal deadline.")
    paused_at: datetime | None
    result_ready_at: datetime | None
    finished_at: datetime | None
    timeliness: str
    result: str
    fee_amount: int
    fee_paid: bool
    documents: list[DossierDocumentOut]
    allowed_actions: list[str] = Field(description="What this token may do now.")


class EventOut(Schema):
    at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str | None
    agency: str | None
    step: str | None
    assignee: str | None
    comment: str
    working_seconds: int
    data: dict[str, Any]
