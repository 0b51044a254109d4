"""Stored papers made the way the store gets them: dossiers received at the desk with their
papers scanned (dossiers.services.receive), under an applicant's ID number."""

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.dossiers.tests.factories import PDF
from motcua.org.constants import Role

ID_AN = "035085001234"  # the e-form tests' citizen (eforms.tests.factories.make_citizen)
ID_BINH = "001190009876"


def person(id_number: str = ID_AN, name: str = "Nguyễn Văn An", **extra) -> dict:
    return {
        "kind": "person",
        "full_name": name,
        "id_number": id_number,
        "phone": "0912345678",
        "address": "Phường Quang Trung, thành phố Phủ Lý",
        **extra,
    }


def scanned(province, name: str = "giay-to.pdf") -> list[dict]:
    """The procedure's papers, each with a scanned file."""
    return [
        {**doc, "file": SimpleUploadedFile(name, PDF, content_type="application/pdf")}
        for doc in province.documents()
    ]


def received_at_desk(province, applicant: dict | object, documents=None, **kwargs):
    """A dossier received at the Sở Tư pháp desk, its papers scanned."""
    officer = province.officer("justice", Role.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant=applicant,
        channel=Channel.COUNTER,
        actor=officer,
        desk=officer.posts.get().desk,
        documents=scanned(province) if documents is None else documents,
        **kwargs,
    )
