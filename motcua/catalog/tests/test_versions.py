from datetime import date

import pytest

from motcua.catalog import services
from motcua.catalog.constants import Change, Status
from motcua.catalog.models import Procedure, PublicationItem
from motcua.catalog.tests.factories import make_procedure, procedure_data
from motcua.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def decision(number, day):
    return services.create_decision(number, f"Quyết định {number}", day, day)


def test_text_is_shown_as_it_stood_on_a_date():
    d1, d2 = decision("1/QĐ-UBND", date(2018, 3, 1)), decision("2/QĐ-UBND", date(2019, 6, 1))
    procedure = make_procedure(effective_on=date(2018, 3, 1), decision=d1, local_duration="8")
    services.amend_procedure(
        procedure,
        procedure_data(local_duration="4", legal_basis="Nghị định mới"),
        effective_on=date(2019, 6, 1),
        decision=d2,
    )
    before = services.version_on(procedure, date(2019, 5, 31))
    after = services.version_on(procedure, date(2019, 6, 1))
    assert before.number == 1 and before.data["local_duration"] == "8.00"
    assert after.number == 2 and after.data["local_duration"] == "4.00"
    assert after.data["legal_basis"] == "Nghị định mới"
    assert services.version_on(procedure, date(2018, 2, 28)) is None
    assert before.valid_to == date(2019, 6, 1) and after.valid_to is None


def test_abolished_procedure_has_no_text_in_force_after_abolition():
    procedure = make_procedure(effective_on=date(2018, 1, 1))
    services.abolish_procedure(
        procedure, effective_on=date(2020, 1, 1), decision=decision("9/QĐ-UBND", date(2020, 1, 1))
    )
    procedure.refresh_from_db()
    assert procedure.status == Status.ABOLISHED and procedure.valid_to == date(2020, 1, 1)
    assert services.version_on(procedure, date(2019, 12, 31)) is not None
    assert services.version_on(procedure, date(2020, 1, 1)) is None
    with pytest.raises(ValueError):
        services.amend_procedure(procedure, procedure_data(), effective_on=date(2020, 2, 1))


def test_replacement_links_new_to_old_and_ends_the_old():
    day = date(2019, 1, 1)
    d = decision("3/QĐ-UBND", day)
    old1, old2 = make_procedure(), make_procedure()
    new = services.replace_procedures([old1, old2], procedure_data(), effective_on=day, decision=d)
    item = PublicationItem.objects.get(procedure=new)
    assert item.change == Change.REPLACED
    assert set(item.replaces.all()) == {old1, old2}
    assert set(Procedure.objects.filter(status=Status.REPLACED)) == {old1, old2}


def test_every_change_writes_an_audit_event():
    procedure = make_procedure()
    services.amend_procedure(procedure, procedure_data(), effective_on=date(2021, 1, 1))
    actions = list(
        AuditEvent.objects.filter(object_id=str(procedure.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["procedure.amended", "procedure.new"]


def test_admin_edit_records_a_version(admin_client):
    procedure = make_procedure()
    url = f"/admin/catalog/procedure/{procedure.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": "Tên mới của thủ tục",
            "sector": procedure.sector.pk,
            "agency": "",
            "statutory_duration": "10",
            "local_duration": "3",
        }
    )
    for prefix, n in (("documents", 2), ("fees", 1), ("versions", 1)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(n),
                f"{prefix}-INITIAL_FORMS": str(n),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for i, doc in enumerate(procedure.documents.all()):
        data.update(
            {
                f"documents-{i}-id": doc.pk,
                f"documents-{i}-procedure": procedure.pk,
                f"documents-{i}-name": doc.name,
                f"documents-{i}-position": doc.position,
                f"documents-{i}-originals": doc.originals,
                f"documents-{i}-copies": doc.copies,
            }
        )
    fee = procedure.fees.get()
    data.update(
        {
            "fees-0-id": fee.pk,
            "fees-0-procedure": procedure.pk,
            "fees-0-name": fee.name,
            "fees-0-position": 0,
            "fees-0-amount": fee.amount,
        }
    )
    version = procedure.versions.get()
    data.update({"versions-0-id": version.pk, "versions-0-procedure": procedure.pk})
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    procedure.refresh_from_db()
    assert procedure.version == 2
    assert procedure.name_folded == "ten moi cua thu tuc"
    assert procedure.versions.get(number=2).data["local_duration"] == "3.00"
