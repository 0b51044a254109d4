"""Request and response shapes (they are also the OpenAPI document's schemas)."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from motcua.dossiers.workflow import Status
from motcua.org.constants import Level

# --- Errors ----------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code: Literal[
        "not_allowed",
        "illegal_transition",
        "incomplete",
        "invalid",
        "not_found",
        "unauthorized",
        "conflict",
    ]
    message: str
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
    page: int = Field(1, ge=1)
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
    received_from: date | None = Field(None, description="Received on or after this day.")
    received_to: date | None = Field(None, description="Received on or before this day.")
    overdue: bool = Field(False, description="Open dossiers whose appointment has passed.")
    agency: str | None = Field(
        None, max_length=40, description="Agency code: dossiers performed by or now at it."
    )
    page: int = Field(1, ge=1)
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
    required_document: int | None = Field(
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
    desk: int | None = Field(None, description="Id of the one-stop desk that receives it.")
    agency: str | None = Field(
        None, max_length=40, description="Code of the performing agency, when not the desk's."
    )
    documents: list[DocumentIn] = Field(default_factory=list, max_length=200)
    received_at: datetime | None = Field(
        None, description="When received (counter) or submitted (online, post); default now."
    )


class ActionIn(Schema):
    comment: str = Field("", max_length=5000)
    to_user: str | None = Field(None, max_length=150, description="Username of an officer.")
    to_agency: str | None = Field(None, max_length=40, description="Agency code.")
    new_due_at: datetime | None = Field(None, description="For `apologise`: the new date.")
    result: str = Field("", max_length=5000, description="For `complete`: the result.")
    documents: list[DocumentIn] = Field(
        default_factory=list,
        max_length=200,
        description="For `supplement` (or any action): documents and files added.",
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
