"""Reads of personal data leave audit rows: printed forms and the tracking book."""

import pytest
from django.urls import reverse

from motcua.core.models import AuditEvent
from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def province():
    return make_province()


def test_a_printed_receipt_is_audited_against_the_dossier(client, province):
    dossier = receive_at_counter(province)
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    before = AuditEvent.objects.count()
    response = client.get(reverse("dossiers:form_receipt", args=[dossier.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    row = AuditEvent.objects.get(action="dossier.printed")
    assert (row.actor, row.object_type, row.object_id, row.summary) == (
        desk,
        "dossiers.dossier",
        str(dossier.pk),
        dossier.code,
    )
    assert row.data == {"form": "receipt"}
    assert AuditEvent.objects.count() == before + 1
    assert {"no-store", "private"} <= {v.strip() for v in response["Cache-Control"].split(",")}


def test_a_refused_print_writes_no_read(client, province):
    dossier = receive_at_counter(province)
    client.force_login(province.officer("health", Role.SPECIALIST))  # another agency
    assert client.get(reverse("dossiers:form_receipt", args=[dossier.code])).status_code == 404
    client.logout()
    assert client.get(reverse("dossiers:form_receipt", args=[dossier.code])).status_code == 302
    assert not AuditEvent.objects.filter(action="dossier.printed").exists()


def test_the_tracking_book_is_audited_against_the_desk_with_its_period(client, province):
    receive_at_counter(province)
    desk_officer = province.officer("justice", Role.DESK_OFFICER)
    desk = desk_officer.posts.get().desk
    client.force_login(desk_officer)
    url = reverse("dossiers:form_book", args=[desk.pk])
    response = client.get(url, {"from": "2020-01-01", "to": "2020-12-31"})
    assert response.status_code == 200
    row = AuditEvent.objects.get(action="desk.book_printed")
    assert (row.actor, row.object_type, row.object_id) == (desk_officer, "org.desk", str(desk.pk))
    assert row.data == {"start": "2020-01-01", "end": "2020-12-31"}
