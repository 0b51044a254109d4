"""The owner's store pages (/my/store/): only one's own items, downloads served to the
owner alone, deletion where the rules allow it."""

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers.models import DossierDocument
from motcua.store import services
from motcua.store.models import Kind, StoreItem
from motcua.store.tests.factories import ID_AN, ID_BINH, person, received_at_desk

pytestmark = pytest.mark.django_db

# Who may delete what from their store, written out from the rules (docs/store.md):
# NĐ 45/2020 art. 16 as amended by NĐ 118/2025 keeps the results an agency issued in the
# data store [check]; a digitised paper is the owner's own copy, which they may withdraw
# (Luật 91/2025/QH15: the data subject's right to have their data deleted) — in either case
# the dossier keeps its document and its result (a dossier is never altered).
DELETE_RULES = [
    # (kind,   owner may delete)
    (Kind.PAPER, True),
    (Kind.RESULT, False),
]


@pytest.mark.parametrize("kind, allowed", DELETE_RULES)
def test_delete_rules(kind, allowed):
    assert services.may_delete(StoreItem(kind=kind)) is allowed


def test_the_rule_is_a_setting(settings):
    settings.STORE = {**settings.STORE, "OWNER_MAY_DELETE": ()}
    assert not services.may_delete(StoreItem(kind=Kind.PAPER))


@pytest.fixture
def stored(province, citizen, other):
    mine = received_at_desk(province, person(ID_AN))
    theirs = received_at_desk(province, person(ID_BINH, "Trần Thị Bình"))
    return {
        "mine": list(mine.store_items.order_by("pk")),
        "theirs": list(theirs.store_items.order_by("pk")),
    }


def test_the_list_shows_only_ones_own_items(client, citizen, stored):
    client.force_login(citizen.user)
    response = client.get("/my/store/")
    html = response.content.decode()
    assert response.status_code == 200
    assert stored["mine"][0].dossier.code in html
    assert stored["theirs"][0].dossier.code not in html
    assert f"/my/store/{stored['mine'][0].pk}/download/" in html


def test_download_is_for_the_owner_only(client, citizen, other, stored):
    mine, theirs = stored["mine"][0], stored["theirs"][0]
    client.force_login(citizen.user)
    response = client.get(f"/my/store/{mine.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=services.DOWNLOADED, object_id=str(mine.pk)).exists()
    assert client.get(f"/my/store/{theirs.pk}/download/").status_code == 404
    assert client.get("/my/store/999999999999/download/").status_code == 404
    assert client.get(f"/my/store/{'9' * 40}/download/").status_code == 404
    assert AuditEvent.objects.filter(action="permission.refused", summary="store.item").exists()


def test_anonymous_visitors_and_officers_are_turned_away(client, province, stored):
    response = client.get("/my/store/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    client.force_login(province.officer("justice", "desk_officer"))
    assert client.get(f"/my/store/{stored['mine'][0].pk}/download/").status_code == 403


def test_deleting_a_paper_hides_it_and_keeps_the_dossiers_document(client, citizen, stored):
    item = stored["mine"][0]
    client.force_login(citizen.user)
    assert client.get(f"/my/store/{item.pk}/delete/").status_code == 200
    # Without the confirmation: nothing happens.
    assert client.post(f"/my/store/{item.pk}/delete/").status_code == 400
    item.refresh_from_db()
    assert item.hidden_at is None
    response = client.post(f"/my/store/{item.pk}/delete/", {"confirm": "yes"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.hidden_at is not None and item.hidden_by == citizen.user
    assert DossierDocument.objects.filter(pk=item.document_id).exclude(file="").exists()
    assert AuditEvent.objects.filter(action=services.DELETED, object_id=str(item.pk)).exists()
    assert (
        item.dossier.code not in client.get("/my/store/").content.decode()
        or len(stored["mine"]) > 1
    )
    assert client.get(f"/my/store/{item.pk}/download/").status_code == 404


def test_a_result_cannot_be_deleted_by_its_owner(
    client, province, certs, django_capture_on_commit_callbacks
):
    from motcua.eforms.tests.factories import make_citizen
    from motcua.results.tests.conftest import at_leader, complete

    owner = make_citizen(id_number="035090001234")  # the results tests' applicant
    with django_capture_on_commit_callbacks(execute=True):
        complete(province, at_leader(province))
    [item] = StoreItem.objects.filter(kind=Kind.RESULT)
    client.force_login(owner.user)
    client.cookies["django_language"] = "en"
    page = client.get("/my/store/").content.decode()
    assert "Kept by law" in page and f"/my/store/{item.pk}/delete/" not in page
    response = client.post(f"/my/store/{item.pk}/delete/", {"confirm": "yes"})
    assert response.status_code == 400
    assert "kept by law" in response.content.decode()
    with pytest.raises(services.NotAllowed):
        services.delete(owner, item.pk, owner.user)
    item.refresh_from_db()
    assert item.hidden_at is None


def test_another_citizens_item_cannot_be_deleted(client, citizen, stored):
    theirs = stored["theirs"][0]
    client.force_login(citizen.user)
    assert client.post(f"/my/store/{theirs.pk}/delete/", {"confirm": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.hidden_at is None
    with pytest.raises(LookupError):
        services.delete(citizen, theirs.pk, citizen.user)


@pytest.mark.parametrize("query", ["?page=abc", "?page=99999999999999", "?page=0", "?page=-1"])
def test_hostile_page_numbers_show_the_first_page(client, citizen, stored, query):
    client.force_login(citizen.user)
    response = client.get(f"/my/store/{query}")
    assert response.status_code == 200
    assert stored["mine"][0].dossier.code in response.content.decode()


def test_hostile_item_ids_are_404(client, citizen, stored):
    client.force_login(citizen.user)
    for pk in ("0", "9" * 12, "9" * 40):
        assert client.get(f"/my/store/{pk}/delete/").status_code == 404
        assert client.post(f"/my/store/{pk}/delete/", {"confirm": "yes"}).status_code == 404
    assert client.post("/my/store/1x/delete/").status_code == 404
    assert StoreItem.objects.filter(hidden_at__isnull=False).count() == 0
