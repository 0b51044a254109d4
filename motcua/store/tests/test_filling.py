"""The store fills itself in the transaction of the event that makes the paper: papers
scanned at receipt, an online dossier's files once the desk received it, the signed result;
and `motcua store backfill` for dossiers made before (NĐ 45/2020 art. 16 as amended by
NĐ 118/2025: results and digitised papers are kept for reuse — rules file, item 12)."""

from io import StringIO

import pytest
from django.core.management import call_command

from motcua.accounts import services as account_services
from motcua.accounts.tests.factories import claims
from motcua.core.models import AuditEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, DossierDocument
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.results.tests.conftest import at_leader, complete
from motcua.store import services
from motcua.store.models import Kind, StoreItem
from motcua.store.tests.factories import ID_AN, ID_BINH, person, received_at_desk, scanned

pytestmark = pytest.mark.django_db


def test_papers_scanned_at_receipt_go_to_the_applicants_store(province):
    dossier = received_at_desk(province, person(ID_BINH, "Trần Thị Bình"))
    items = StoreItem.objects.filter(dossier=dossier).order_by("pk")
    assert [(i.kind, i.title, i.owner_kind, i.owner_number) for i in items] == [
        ("paper", "Tờ khai (theo mẫu)", "person", ID_BINH),
        ("paper", "Giấy tờ tùy thân", "person", ID_BINH),
    ]
    first = items[0]
    # Where it came from, and the file it stands for: the dossier's own document.
    assert first.document.dossier == dossier and first.file.name == first.document.file.name
    assert first.agency == province.justice and first.obtained_at == dossier.received_at
    assert first.owner_user is None  # filed at the counter: found by the ID number
    assert AuditEvent.objects.filter(action=services.FILLED, object_id=str(dossier.pk)).exists()


def test_papers_without_a_file_are_not_stored(province):
    dossier = received_at_desk(province, person(), documents=province.documents())
    assert not StoreItem.objects.filter(dossier=dossier).exists()


def test_a_receipt_that_fails_stores_nothing(province):
    # The procedure's mandatory paper missing: refused, nothing received, nothing stored.
    papers = scanned(province)[1:]
    with pytest.raises(dossier_services.Incomplete):
        received_at_desk(province, person(), documents=papers)
    assert not StoreItem.objects.exists()


def test_an_online_dossier_is_stored_when_the_desk_receives_it_not_when_submitted(province):
    desk = province.officer("justice", Role.DESK_OFFICER)
    dossier = dossier_services.submit(
        procedure=province.procedure,
        applicant=person(),
        channel=Channel.ONLINE,
        desk=desk.posts.get().desk,
        documents=scanned(province),
    )
    assert not StoreItem.objects.exists()  # not checked by the desk yet
    dossier_services.act(dossier, Action.RECEIVE, desk)
    assert StoreItem.objects.filter(dossier=dossier, kind=Kind.PAPER).count() == 2


def test_the_signed_result_goes_to_the_store(province, certs, django_capture_on_commit_callbacks):
    dossier = at_leader(province)  # received with papers that have no file
    assert not StoreItem.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, dossier)
    [item] = StoreItem.objects.filter(dossier=dossier)
    result = dossier.result_document
    assert item.kind == Kind.RESULT and item.result == result
    # The procedure issues "Giấy phép" (its result), numbered by the signing agency.
    assert item.title == f"Giấy phép ({result.number}/{result.year})"
    assert item.owner_number == "035090001234" and item.agency == result.agency
    assert item.file.name == result.file.name


def test_a_counter_dossier_is_in_the_store_of_the_citizen_who_signs_in_with_vneid(province):
    dossier = received_at_desk(province, person(ID_AN))
    account = account_services.sign_in_from_claims(
        "https://id.example.gov.vn/o", claims("vneid-an", identity_level=2)
    )
    assert account.identity_verified and account.id_number == ID_AN
    assert {i.dossier for i in services.items_of(account)} == {dossier}
    # The same number claimed without a verified identity shows nothing filed under it.
    unverified = account_services.sign_in_from_claims(
        "https://other.example/o", claims("other-an", identity_level=1)
    )
    assert not unverified.identity_verified
    assert not services.items_of(unverified).exists()


def test_backfill_stores_what_was_made_before_once(province):
    dossier = received_at_desk(province, person())
    StoreItem.objects.all().delete()  # as if the dossier was made before the store existed
    assert services.backfill() == {"papers": 2, "results": 0}
    assert StoreItem.objects.filter(dossier=dossier).count() == 2
    assert services.backfill() == {"papers": 0, "results": 0}
    out = StringIO()
    call_command("store", "backfill", stdout=out)
    assert "0 papers, 0 results" in out.getvalue()
    assert StoreItem.objects.count() == 2


def test_backfill_skips_unreceived_dossiers_and_reused_documents(province):
    desk = province.officer("justice", Role.DESK_OFFICER)
    dossier_services.submit(
        procedure=province.procedure,
        applicant=person(),
        channel=Channel.ONLINE,
        desk=desk.posts.get().desk,
        documents=scanned(province),
    )
    assert services.backfill() == {"papers": 0, "results": 0}
    assert DossierDocument.objects.exclude(file="").count() == 2
