"""Reusing a stored paper in the online application (eforms/reuse.py): offered under the
required document it can stand for, attached as the document's file through the same checks
as an upload, the document flagged reused; another person's item, or a forged value, refuses
the application and writes nothing (rules file, item 12: nobody supplies the same paper
twice)."""

import re

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.eforms.tests.factories import files_in, pdf
from motcua.store import services
from motcua.store.tests.factories import ID_AN, ID_BINH, person, received_at_desk

pytestmark = pytest.mark.django_db


def apply_url(procedure) -> str:
    return f"/procedures/{procedure.code}/apply/"


def documents(procedure):
    return list(procedure.documents.order_by("position"))


def start(client, account, procedure) -> str:
    client.force_login(account.user)
    response = client.get(apply_url(procedure))
    assert response.status_code == 200
    return re.search(r'name="_token" value="([^"]+)"', response.content.decode())[1]


def filled(procedure, token, **extra) -> dict:
    form = documents(procedure)[0]  # "Tờ khai (theo mẫu)", mandatory: uploaded
    return {
        "_token": token,
        "applicant_name": "Nguyễn Văn An",
        "address": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
        "request": "Đề nghị cấp Phiếu lý lịch tư pháp số 1.",
        "declaration": "on",
        "_delivery": "desk",
        f"file-{form.pk}": pdf(),
        **extra,
    }


def stored_id_paper(province, id_number):
    """The "Giấy tờ tùy thân" scanned at the desk in an earlier dossier."""
    dossier = received_at_desk(province, person(id_number))
    return dossier.store_items.get(title="Giấy tờ tùy thân")


def test_the_application_offers_the_stored_paper_under_its_document(client, province, citizen):
    item = stored_id_paper(province, ID_AN)
    id_paper = documents(province.procedure)[1]
    start(client, citizen, province.procedure)
    page = client.get(apply_url(province.procedure))
    html = page.content.decode()
    assert f'name="_reuse-{id_paper.pk}" value="{item.pk}"' in html
    assert item.dossier.code in html
    # Not under the other document ("Tờ khai" is offered its own stored copy only).
    form = documents(province.procedure)[0]
    offered = re.findall(rf'name="_reuse-{form.pk}" value="(\d+)"', html)
    assert str(item.pk) not in offered


def test_a_chosen_paper_is_attached_and_flagged_reused(client, province, citizen, media):
    item = stored_id_paper(province, ID_AN)
    id_paper = documents(province.procedure)[1]
    token = start(client, citizen, province.procedure)
    response = client.post(
        apply_url(province.procedure),
        filled(province.procedure, token, **{f"_reuse-{id_paper.pk}": str(item.pk)}),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(channel="online")
    reused = dossier.documents.get(required_document=id_paper)
    assert reused.reused_from == item and reused.content_type == "application/pdf"
    # Its own copy of the file: the earlier dossier's document is untouched.
    assert reused.file.name != item.document.file.name
    assert reused.file.read() == item.document.file.read()
    assert (
        dossier.documents.get(required_document=documents(province.procedure)[0]).reused_from
        is None
    )


def test_another_citizens_paper_cannot_be_chosen(client, province, citizen, other, media):
    client.cookies["django_language"] = "en"  # the message's msgid
    theirs = stored_id_paper(province, ID_BINH)
    id_paper = documents(province.procedure)[1]
    token = start(client, citizen, province.procedure)
    files_before = files_in(media)
    audit_before = AuditEvent.objects.count()
    response = client.post(
        apply_url(province.procedure),
        filled(province.procedure, token, **{f"_reuse-{id_paper.pk}": str(theirs.pk)}),
    )
    assert response.status_code == 400
    assert "The stored paper you chose is not available." in response.content.decode()
    assert not Dossier.objects.filter(channel="online").exists()
    assert files_in(media) == files_before  # the uploaded declaration was not kept either
    assert AuditEvent.objects.count() == audit_before
    assert DossierDocument.objects.filter(reused_from__isnull=False).count() == 0


@pytest.mark.parametrize(
    "value",
    ["abc", "1\x00", "9" * 30, "-1", "1 OR 1=1", "x" * 10_000, "99999999999"],
)
def test_forged_choices_are_refused(client, province, citizen, value):
    stored_id_paper(province, ID_AN)
    id_paper = documents(province.procedure)[1]
    token = start(client, citizen, province.procedure)
    response = client.post(
        apply_url(province.procedure),
        filled(province.procedure, token, **{f"_reuse-{id_paper.pk}": value}),
    )
    assert response.status_code == 400
    assert not Dossier.objects.filter(channel="online").exists()


def test_a_deleted_or_expired_paper_is_no_longer_offered(province, citizen):
    item = stored_id_paper(province, ID_AN)
    id_paper = documents(province.procedure)[1]
    assert [c.pk for c in services.candidates(citizen, id_paper)] == [item.pk]
    services.delete(citizen, item.pk, citizen.user)
    assert services.candidates(citizen, id_paper) == []
    with pytest.raises(services.NotAvailable):
        services.chosen(citizen, id_paper, [str(item.pk)])


def test_a_paper_of_the_same_name_stands_for_another_procedures_document(province, citizen):
    """Matching by name: a stored "Giấy tờ tùy thân" stands for a document of that name,
    or one whose name contains a long stored name; not for an unrelated one."""
    from motcua.catalog.models import RequiredDocument

    item = stored_id_paper(province, ID_AN)
    same = RequiredDocument(pk=10_001, name="GIẤY TỜ TÙY THÂN")
    other = RequiredDocument(pk=10_002, name="Bản sao giấy khai sinh")
    assert services.stands_for(item, same)
    assert not services.stands_for(item, other)
