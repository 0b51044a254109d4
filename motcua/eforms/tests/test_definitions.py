# ruff: noqa: E501 - tables of messages, one case a line
"""Supervisors edit a procedure's form: refused when it makes no form, audited when saved,
used by the next application while earlier dossiers keep theirs."""

import json
import re

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier
from motcua.eforms import services
from motcua.eforms.models import FormDefinition, FormRecord
from motcua.eforms.tests.factories import pdf
from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.org.models import User

NEW_SCHEMA = {
    "type": "object",
    "properties": {
        "purpose": {"type": "string", "title": "Mục đích sử dụng Phiếu", "maxLength": 300},
        "copies": {"type": "integer", "title": "Số lượng Phiếu", "minimum": 1, "maximum": 10},
        "kind": {"type": "string", "title": "Loại Phiếu", "enum": ["1", "2"]},
    },
    "required": ["purpose", "copies", "kind"],
}
NEW_UI = {"fields": {"kind": {"widget": "radio", "labels": {"1": "Phiếu số 1", "2": "Phiếu số 2"}}}}


def edit_url(procedure) -> str:
    return f"/office/eforms/{procedure.code}/"


@pytest.fixture
def supervisor(province):
    return province.officer("center", Role.SUPERVISOR)


def test_a_supervisor_finds_the_online_procedures_and_starts_from_the_built_in_form(
    english, province, supervisor
):
    procedure_page = province.procedure.get_absolute_url()
    assert 'id="edit-eform"' not in english.get(procedure_page).content.decode()
    english.force_login(supervisor)
    assert f'href="{edit_url(province.procedure)}"' in english.get(procedure_page).content.decode()
    page = english.get("/office/eforms/", {"q": "lý lịch"}).content.decode()
    assert province.procedure.code in page and "built-in" in page
    response = english.get(edit_url(province.procedure))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&quot;applicant_name&quot;" in page  # the built-in schema, to start from
    assert 'name="request"' in page  # its preview


@pytest.mark.parametrize(
    ("schema", "ui", "message"),
    [
        (
            "{not json",
            "{}",
            "The schema is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2).",
        ),
        (
            '{"type": "object", "properties": {"a": {"type": "strng", "title": "A"}}}',
            "{}",
            "The schema is not a valid JSON Schema",
        ),
        (
            '{"type": "object", "properties": {"a": {"type": "string"}}}',
            "{}",
            "Field “a”: The field needs a &quot;title&quot;",
        ),
        (
            json.dumps(NEW_SCHEMA),
            '{"fields": {"kind": {"widget": "textarea"}}}',
            "Field “kind”: The widget &quot;textarea&quot; does not fit",
        ),
        ("x" * 100_000, "{}", "The schema is not valid JSON"),
        (
            '{"type": "object", "properties": {"a\\u0000": {"type": "string", "title": "A"}}}',
            "{}",
            "The definition holds invisible control characters",
        ),
        (
            '{"type": "object", "properties": {"a": {"type": "string", "title": "A"}}}',
            '{"fields": {"a": {"help": "\\u0000"}}}',
            "The definition holds invisible control characters",
        ),
    ],
)
def test_a_form_that_is_not_valid_is_refused_with_a_clear_message(
    english, province, supervisor, schema, ui, message
):
    english.force_login(supervisor)
    response = english.post(
        edit_url(province.procedure), {"schema": schema, "ui": ui, "note": "", "do": "save"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FormDefinition.objects.exists()
    assert not AuditEvent.objects.filter(action="eform.saved").exists()


def test_a_preview_saves_nothing(english, province, supervisor):
    english.force_login(supervisor)
    response = english.post(
        edit_url(province.procedure),
        {"schema": json.dumps(NEW_SCHEMA), "ui": json.dumps(NEW_UI), "do": "preview"},
    )
    assert response.status_code == 200
    assert 'name="purpose"' in response.content.decode()
    assert not FormDefinition.objects.exists()


def apply(client, citizen, procedure, **answers) -> Dossier:
    client.force_login(citizen.user)
    page = client.get(f"/procedures/{procedure.code}/apply/").content.decode()
    token = re.search(r'name="_token" value="([^"]+)"', page)[1]
    doc = procedure.documents.order_by("position").first()
    response = client.post(
        f"/procedures/{procedure.code}/apply/",
        {"_token": token, "_delivery": "desk", f"file-{doc.pk}": pdf(), **answers},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Dossier.objects.latest("pk")


def test_a_saved_form_is_audited_used_next_and_old_dossiers_keep_theirs(
    client, province, supervisor, citizen, media
):
    procedure = province.procedure
    old = apply(
        client,
        citizen,
        procedure,
        applicant_name="Nguyễn Văn An",
        address="Phủ Lý",
        request="Cấp Phiếu số 1",
        declaration="on",
    )
    client.force_login(supervisor)
    response = client.post(
        edit_url(procedure),
        {
            "schema": json.dumps(NEW_SCHEMA, ensure_ascii=False),
            "ui": json.dumps(NEW_UI, ensure_ascii=False),
            "note": "Theo mẫu tờ khai mới",
            "do": "save",
        },
    )
    assert response.status_code == 302
    definition = FormDefinition.objects.get()
    assert (definition.revision, definition.schema, definition.ui) == (1, NEW_SCHEMA, NEW_UI)
    assert definition.created_by == supervisor and definition.note == "Theo mẫu tờ khai mới"
    assert definition.procedure_version == procedure.versions.get()
    event = AuditEvent.objects.get(action="eform.saved")
    assert event.actor == supervisor and event.data["revision"] == 1

    # The next application fills in the new form …
    page = client.get(f"/procedures/{procedure.code}/apply/")
    assert page.status_code == 403  # (a supervisor is no citizen)
    new = apply(client, citizen, procedure, purpose="Xin việc", copies="2", kind="1")
    record = new.eforms.get()
    assert record.definition == definition
    assert record.data == {"purpose": "Xin việc", "copies": 2, "kind": "1"}
    # … and the earlier dossier keeps its answers, shown with the labels it was filled in under.
    assert old.eforms.get().data["request"] == "Cấp Phiếu số 1"
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    page = client.get(old.get_absolute_url()).content.decode()
    assert "Cấp Phiếu số 1" in page and "Mục đích sử dụng Phiếu" not in page
    page = client.get(new.get_absolute_url()).content.decode()
    assert "Mục đích sử dụng Phiếu" in page and "Phiếu số 1" in page

    # A second revision; the first stays as it was.
    client.force_login(supervisor)
    schema = {**NEW_SCHEMA, "required": ["purpose"]}
    client.post(edit_url(procedure), {"schema": json.dumps(schema), "ui": "{}", "do": "save"})
    assert list(FormDefinition.objects.values_list("revision", flat=True)) == [2, 1]
    assert FormDefinition.objects.get(revision=1).schema == NEW_SCHEMA
    assert FormRecord.objects.count() == 2
    page = client.get(edit_url(procedure), {"revision": "1"}).content.decode()
    assert "Theo mẫu tờ khai mới" in page


def test_only_the_procedures_supervisors_edit_its_form(client, province):
    procedure = province.procedure  # Sở Tư pháp's
    for officer in (
        province.officer("justice", Role.DESK_OFFICER),
        province.officer("justice", Role.LEADER),
    ):
        client.force_login(officer)
        assert client.get(edit_url(procedure)).status_code == 404
        response = client.post(
            edit_url(procedure), {"schema": json.dumps(NEW_SCHEMA), "ui": "{}", "do": "save"}
        )
        assert response.status_code == 404
        assert AuditEvent.objects.filter(action="permission.refused", actor=officer).exists()
    health = User.objects.create_user("health.supervisor", password="pw-not-used-123")
    org_services.appoint(health, province.health, Role.SUPERVISOR)
    client.force_login(health)
    assert client.get(edit_url(procedure)).status_code == 404
    justice = User.objects.create_user("justice.supervisor", password="pw-not-used-123")
    org_services.appoint(justice, province.justice, Role.SUPERVISOR)
    client.force_login(justice)
    assert client.get(edit_url(procedure)).status_code == 200
    assert not FormDefinition.objects.exists()
    with pytest.raises(services.NotAllowed):
        services.save_definition(procedure, json.dumps(NEW_SCHEMA), "{}", health)


def test_the_demo_forms_are_loaded_for_the_procedures_they_name(db):
    from datetime import date

    from motcua.catalog.tests.factories import make_procedure
    from motcua.eforms import demo

    birth = make_procedure(name="Đăng ký khai sinh", level="commune")
    make_procedure(name="Đăng ký khai sinh", level="district")  # another tier: not this form
    household = make_procedure(name="Đăng ký thành lập hộ kinh doanh", level="district")
    assert demo.load() == 2
    form = services.form_of(services.definition_for(birth))
    assert {"child_name", "child_birth_date", "child_birth_place", "mother_name"} <= set(
        form.by_name
    )
    form = services.form_of(services.definition_for(household))
    assert {"business_name", "business_address", "capital", "sector"} <= set(form.by_name)
    data, problems = form.parse(
        {
            "owner_name": "Trần Văn Bình",
            "owner_id": "035090001234",
            "owner_address": "Phủ Lý",
            "business_name": "Hộ kinh doanh Hoa Mai",
            "business_address": "Số 3 Biên Hòa, Phủ Lý",
            "sector": "an_uong",
            "sector_detail": "Quán ăn",
            "capital": "150.000.000",
            "members-0-name": "Trần Thị Hoa",
            "members-0-id_number": "035190004321",
            "declaration": "on",
        },
        date(2025, 3, 3),
    )
    assert problems == [] and data["capital"] == 150_000_000
    _, problems = form.parse({"business_name": "Quán Hoa Mai"}, date(2025, 3, 3))
    assert any(p.field == "business_name" and p.code == "pattern" for p in problems)


def test_revisions_and_records_are_never_changed(province, supervisor):
    from motcua.core.models import AppendOnlyError

    definition = services.save_definition(
        province.procedure, json.dumps(NEW_SCHEMA), "{}", supervisor
    )
    definition.note = "changed"
    with pytest.raises(ValueError):
        definition.save()
    with pytest.raises(ValueError):
        definition.delete()
    with pytest.raises(AppendOnlyError):
        FormDefinition.objects.filter(pk=definition.pk).update(note="changed")
    with pytest.raises(AppendOnlyError):
        FormRecord.objects.all().delete()
    assert FormDefinition.objects.get().note == ""


def test_the_admin_shows_revisions_and_records_read_only(admin_client, province):
    services.save_definition(
        province.procedure, json.dumps(NEW_SCHEMA), "{}", None, check_permission=False
    )
    page = admin_client.get("/admin/eforms/formdefinition/")
    assert page.status_code == 200 and edit_url(province.procedure) in page.content.decode()
    assert admin_client.get("/admin/eforms/formrecord/").status_code == 200
    assert admin_client.get("/admin/eforms/formdefinition/add/").status_code == 403
