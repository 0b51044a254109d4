"""A small province for dossier tests: two departments with desks at a service center,
officers of every role in each, and a procedure with a four-step process."""

from dataclasses import dataclass
from decimal import Decimal

from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers.models import Process, ProcessStep
from motcua.org import services as org_services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, User

APPLICANT = {
    "kind": "person",
    "full_name": "Nguyễn Văn An",
    "id_number": "035090001234",
    "phone": "0912345678",
    "address": "Phường Quang Trung, thành phố Phủ Lý",
}

# The first bytes of real files, for upload tests, and an executable to refuse.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


@dataclass
class Province:
    center: Agency
    justice: Agency
    health: Agency
    procedure: object
    officers: dict  # (agency short, role) -> User

    def officer(self, agency: str, role: str) -> User:
        return self.officers[(agency, role)]

    def documents(self):
        return [
            {
                "required_document": d.pk,
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
            }
            for d in self.procedure.documents.all()
        ]


def make_province() -> Province:
    center = Agency.objects.create(
        code="000.00.99.H40",
        name="Trung tâm Phục vụ hành chính công",
        kind=AgencyKind.SERVICE_CENTER,
        level=Level.PROVINCE,
    )
    justice = Agency.objects.create(
        code="000.00.01.H40", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    health = Agency.objects.create(
        code="000.00.02.H40", name="Sở Y tế", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    officers = {}
    for short, agency in (("justice", justice), ("health", health)):
        desk = org_services.open_desk(agency, f"Quầy {agency.name}", host=center)
        for role in (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER):
            user = User.objects.create_user(f"{short}.{role}", password="pw-not-used-123")
            org_services.appoint(
                user, agency, role, desk=desk if role == Role.DESK_OFFICER else None
            )
            officers[(short, role)] = user
    supervisor = User.objects.create_user("center.supervisor", password="pw-not-used-123")
    org_services.appoint(supervisor, center, Role.SUPERVISOR)
    officers[("center", Role.SUPERVISOR)] = supervisor
    procedure = make_procedure(
        name="Cấp Phiếu lý lịch tư pháp",
        agency=justice.code,
        statutory_duration="10",
        local_duration="5",
    )
    process = Process.objects.create(
        procedure=procedure, agency=justice, name="Quy trình cấp Phiếu lý lịch tư pháp"
    )
    steps = [
        ("Tiếp nhận hồ sơ", Role.DESK_OFFICER, ProcessStep.Performer.RECEIVING_DESK, "4"),
        ("Thẩm định hồ sơ", Role.SPECIALIST, ProcessStep.Performer.PERFORMING_AGENCY, "24"),
        ("Phê duyệt, ký", Role.LEADER, ProcessStep.Performer.PERFORMING_AGENCY, "8"),
        ("Trả kết quả", Role.DESK_OFFICER, ProcessStep.Performer.RECEIVING_DESK, "4"),
    ]
    for position, (name, role, performer, hours) in enumerate(steps, start=1):
        ProcessStep.objects.create(
            process=process,
            position=position,
            name=name,
            role=role,
            performer=performer,
            allotted_hours=Decimal(hours),
        )
    return Province(center, justice, health, procedure, officers)


def receive_at_counter(province: Province, applicant: dict | None = None, **kwargs):
    """A complete dossier received at the Sở Tư pháp desk by its desk officer."""
    from motcua.dossiers import services
    from motcua.dossiers.models import Channel

    officer = province.officer("justice", Role.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant=applicant or dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=officer,
        desk=officer.posts.get().desk,
        documents=province.documents(),
        **kwargs,
    )


def submit_to_desk(province: Province, channel, **kwargs):
    """An online or postal dossier submitted to the Sở Tư pháp desk, still to be checked."""
    from motcua.dossiers import services

    officer = province.officer("justice", Role.DESK_OFFICER)
    return services.submit(
        procedure=province.procedure,
        applicant=dict(APPLICANT),
        channel=channel,
        actor=None,
        desk=officer.posts.get().desk,
        performing_agency=province.justice,
        documents=province.documents(),
        **kwargs,
    )


def desk_form(province: Province, **extra) -> tuple[str, dict]:
    """The desk screen's address for the province's procedure, and a filled-in form."""
    code = province.procedure.code
    form = {
        "procedure": code,
        "kind": "person",
        "full_name": "Trần Thị Bình",
        "id_number": "035190001111",
        "phone": "0987654321",
        "channel": "counter",
        **extra,
    }
    return f"/office/receive/?procedure={code}", form
