"""Applying online at /procedures/<code>/apply/: who may, what is checked, what is made,
and the desk's check of the dossier that arrives."""

import json
import re

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Dossier, DossierDocument
from motcua.dossiers.workflow import Action, Status
from motcua.eforms import services
from motcua.eforms.models import FormRecord
from motcua.eforms.tests.factories import EXE, PNG, files_in, make_citizen, pdf, upload
from motcua.org import services as org_services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency
from motcua.outbox.models import Message

REQUEST = "Đề nghị cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc."


def apply_url(procedure) -> str:
    return f"/procedures/{procedure.code}/apply/"


def token_of(response) -> str:
    return re.search(r'name="_token" value="([^"]+)"', response.content.decode())[1]


def documents(procedure):
    return list(procedure.documents.order_by("position"))


def filled(procedure, token, **extra) -> dict:
    """A complete application under the built-in form, with the declaration attached."""
    form = documents(procedure)[0]
    return {
        "_token": token,
        "applicant_name": "Nguyễn Văn An",
        "address": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
        "request": REQUEST,
        "declaration": "on",
        "_delivery": "desk",
        f"file-{form.pk}": pdf(),
        **extra,
    }


def start(client, citizen, procedure) -> str:
    client.force_login(citizen.user)
    response = client.get(apply_url(procedure))
    assert response.status_code == 200
    return token_of(response)


def told(citizen, dossier, action) -> bool:
    """Was the applicant sent a message about the dossier's `action`?"""
    event = dossier.events.filter(action=action).latest("pk")
    return Message.objects.filter(recipient=citizen.email, context__event=event.pk).exists()


def nothing_written(media, before_events=None):
    assert not Dossier.objects.exists()
    assert not FormRecord.objects.exists()
    assert not DossierDocument.objects.exists()
    assert files_in(media) == []
    if before_events is not None:
        assert AuditEvent.objects.filter(action="eform.submitted").count() == before_events


# --- Who may apply, for what ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_written(client, province, media):
    url = apply_url(province.procedure)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/sign-in/?next={url.replace('/', '%2F')}"
    response = client.post(url, filled(province.procedure, "t" * 32))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    nothing_written(media)
    assert not AuditEvent.objects.filter(action__startswith="eform").exists()


def test_an_officer_signed_in_is_not_a_citizen(client, province, media):
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    assert client.get(apply_url(province.procedure)).status_code == 403
    nothing_written(media)


def test_every_online_procedure_links_to_its_application_and_no_offline_one(
    english, province, citizen, media
):
    page = english.get(province.procedure.get_absolute_url()).content.decode()
    assert f'href="{apply_url(province.procedure)}"' in page and "Apply online" in page
    procedure = province.procedure
    procedure.channel_online = False
    procedure.save()
    page = english.get(procedure.get_absolute_url()).content.decode()
    assert "/apply/" not in page and 'id="apply-online"' not in page
    # Its application address says so, to anyone; nobody can apply.
    response = english.get(apply_url(procedure))
    assert response.status_code == 404
    assert "This procedure is not offered online" in response.content.decode()
    english.force_login(citizen.user)
    response = english.post(apply_url(procedure), filled(procedure, "t" * 32))
    assert response.status_code == 404
    nothing_written(media)


def test_an_abolished_procedure_cannot_be_applied_for(english, province, citizen, media):
    from datetime import date

    from motcua.catalog import services as catalog_services

    catalog_services.abolish_procedure(province.procedure, effective_on=date(2024, 1, 1))
    english.force_login(citizen.user)
    response = english.post(apply_url(province.procedure), filled(province.procedure, "t" * 32))
    assert response.status_code == 404
    assert "no longer in force" in response.content.decode()
    nothing_written(media)


# --- The page ---------------------------------------------------------------------------------


def test_the_form_is_filled_in_from_the_account(client, province, citizen):
    client.force_login(citizen.user)
    page = client.get(apply_url(province.procedure)).content.decode()
    name = re.search(r'<input id="id_applicant_name"[^>]*>', page)[0]
    assert 'value="Nguyễn Văn An"' in name and "readonly" in name  # verified: locked
    assert re.search(r'id="id_birth_date"[^>]*value="1985-03-12"', page)
    phone = re.search(r'<input id="id_phone"[^>]*>', page)[0]
    assert 'value="0912345678"' in phone and "readonly" not in phone
    for doc in documents(province.procedure):
        assert f'name="file-{doc.pk}"' in page


def test_an_unverified_identity_can_be_corrected_in_the_form(client, province):
    citizen = make_citizen(verified=False)
    client.force_login(citizen.user)
    page = client.get(apply_url(province.procedure)).content.decode()
    name = re.search(r'<input id="id_applicant_name"[^>]*>', page)[0]
    assert "readonly" not in name


# --- A complete application -------------------------------------------------------------------


def test_a_complete_application_makes_one_dossier_awaiting_the_desks_check(
    client, province, citizen, media
):
    procedure = province.procedure
    token = start(client, citizen, procedure)
    response = client.post(apply_url(procedure), filled(procedure, token))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{apply_url(procedure)}sent/{dossier.code}/"
    assert dossier.status == Status.SUBMITTED and dossier.channel == Channel.ONLINE
    assert dossier.applicant.user == citizen.user
    assert dossier.applicant.id_number == "035085001234"
    assert dossier.performing_agency == province.justice
    assert dossier.received_desk.agency == province.justice
    assert dossier.received_at is None and dossier.due_at is None  # no clock before receipt
    # Rule 1: the desk receives it or asks for a supplement within 8 working hours.
    calendar = dossier_services.calendar(province.justice)
    assert dossier.check_due_at == calendar.due_at(dossier.submitted_at, 8, "hours")
    assert dossier.result_delivery == "desk" and dossier.return_desk == dossier.received_desk
    [document] = dossier.documents.all()
    assert document.required_document == documents(procedure)[0]
    assert document.content_type == "application/pdf" and document.file.read() == pdf().read()
    record = dossier.eforms.get()
    assert record.data["request"] == REQUEST and record.data["declaration"] is True
    assert record.data["applicant_name"] == "Nguyễn Văn An"
    assert record.builtin == "default-1" and record.definition is None
    assert record.identity_verified is True and record.identity_provider == citizen.provider
    assert record.submitted_by == citizen.user
    assert [e.action for e in dossier.events.all()] == [Action.SUBMIT]
    audit = AuditEvent.objects.get(action="eform.submitted")
    assert audit.actor == citizen.user and audit.data["identity_verified"] is True
    assert "035085001234" not in json.dumps(audit.data)  # no ID numbers in the audit trail
    # The applicant is told it arrived.
    assert told(citizen, dossier, Action.SUBMIT)

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert dossier.code in text and dossier.secret in text and REQUEST in text


def test_an_unverified_identity_is_recorded_as_such(client, province, media):
    citizen = make_citizen(verified=False)
    token = start(client, citizen, province.procedure)
    client.post(apply_url(province.procedure), filled(province.procedure, token))
    assert FormRecord.objects.get().identity_verified is False


def test_a_double_submit_makes_one_dossier(client, province, citizen, media):
    procedure = province.procedure
    token = start(client, citizen, procedure)
    first = client.post(apply_url(procedure), filled(procedure, token))
    second = client.post(apply_url(procedure), filled(procedure, token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Dossier.objects.count() == 1 and FormRecord.objects.count() == 1
    assert len(files_in(media)) == 1  # the second copy's file was not stored
    # Another form token is another application.
    client.post(apply_url(procedure), filled(procedure, start(client, citizen, procedure)))
    assert Dossier.objects.count() == 2


def test_the_confirmation_is_only_the_applicants(client, province, citizen, media):
    token = start(client, citizen, province.procedure)
    sent = client.post(apply_url(province.procedure), filled(province.procedure, token))["Location"]
    client.force_login(make_citizen(id_number="035192004567").user)
    assert client.get(sent).status_code == 404


# --- Refused: the form again, nothing written -------------------------------------------------


def test_a_missing_document_gives_the_form_again_and_writes_nothing(
    english, province, citizen, media
):
    procedure = province.procedure
    token = start(english, citizen, procedure)
    data = filled(procedure, token)
    del data[f"file-{documents(procedure)[0].pk}"]
    response = english.post(apply_url(procedure), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'id="err_doc-\d+"><li>Attach this document.</li>', page)
    assert REQUEST in page and token in page  # what was typed is kept, same form token
    nothing_written(media)


def test_an_invalid_field_gives_the_form_again_and_leaves_no_file(
    english, province, citizen, media
):
    procedure = province.procedure
    token = start(english, citizen, procedure)
    response = english.post(
        apply_url(procedure), filled(procedure, token, request="", phone="12", declaration="")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="err_request"><li>Fill in this field.</li>' in page
    assert 'id="err_phone"><li>Enter a phone number, e.g. 0912 345 678.</li>' in page
    assert 'id="err_declaration"><li>Tick this box to go on.</li>' in page
    assert "Choose the files again" in page
    nothing_written(media)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("to-khai.pdf", EXE, "is not a real .pdf file"),
        ("virus.exe", EXE, "this type of file is not accepted"),
        ("anh.png", PNG[:4], "is not a real .png file"),
    ],
)
def test_a_file_the_desk_would_refuse_is_refused(
    english, province, citizen, media, name, content, message
):
    procedure = province.procedure
    token = start(english, citizen, procedure)
    data = filled(procedure, token, **{f"file-{documents(procedure)[0].pk}": upload(name, content)})
    response = english.post(apply_url(procedure), data)
    assert response.status_code == 400 and message in response.content.decode()
    nothing_written(media)


def custom_form(procedure):
    """A form with a date, a number and a one-line text, for hostile answers."""
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "title": "Tên", "maxLength": 300},
            "born": {"type": "string", "format": "date", "title": "Ngày sinh"},
            "capital": {"type": "integer", "title": "Vốn", "minimum": 0},
        },
        "required": ["name"],
    }
    return services.save_definition(
        procedure, json.dumps(schema), "{}", None, check_permission=False
    )


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    [
        ({"name": "x" * 10_000}, "name", "Write at most 300 characters (this has 10.000)."),
        ({"born": "0001-01-01"}, "born", "Enter a date from 01/01/1900 on."),
        ({"born": "9999-12-31"}, "born", "Enter a date up to 31/12/2100."),
        ({"capital": "1" + "0" * 30}, "capital", "Enter at most 1.000.000.000.000.000."),
        ({"capital": "9" * 5000}, "capital", "Enter a number, e.g. 1.500.000 or 2,5."),
        ({"_agency": "9" * 40}, None, None),  # ignored: a department's procedure
        ({"_delivery": "drone"}, "_delivery", "Choose where the result is returned."),
        ({"_return_desk": "-1"}, None, None),  # ignored: the first desk
    ],
)
def test_hostile_answers_never_fail_and_never_write(
    english, province, citizen, media, answers, key, message
):
    procedure = province.procedure
    custom_form(procedure)
    token = start(english, citizen, procedure)
    data = {"_token": token, "name": "An", "_delivery": "desk", **answers}
    data[f"file-{documents(procedure)[0].pk}"] = pdf()
    response = english.post(apply_url(procedure), data)
    assert response.status_code < 500
    if key is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert f'id="err_{key}"><li>{message}</li>' in response.content.decode()
    nothing_written(media)


@pytest.mark.parametrize(
    "data",
    [
        {"request": "Đề nghị\x00 cấp"},  # refused at the edge, before any view
        {"_token": "x" * 5000},
        {"_token": "../../etc"},
        {"declaration": "on" * 5000},
    ],
)
def test_hostile_requests_get_an_answer_and_write_nothing(client, province, citizen, media, data):
    procedure = province.procedure
    token = start(client, citizen, procedure)
    response = client.post(apply_url(procedure), {**filled(procedure, token), **data})
    assert response.status_code == 400
    nothing_written(media)


# --- Where the result goes, where the dossier goes --------------------------------------------


def test_where_the_result_is_returned_follows_the_procedures_scope(
    english, province, citizen, media
):
    procedure = province.procedure  # partial scope, no postal service
    token = start(english, citizen, procedure)
    page = english.get(apply_url(procedure)).content.decode()
    assert 'value="electronic"' not in page and 'value="post"' not in page
    response = english.post(apply_url(procedure), filled(procedure, token, _delivery="electronic"))
    assert response.status_code == 400
    nothing_written(media)

    procedure.online_scope, procedure.channel_post = "full", True
    procedure.save()
    page = english.get(apply_url(procedure)).content.decode()
    assert 'value="electronic"' in page and 'value="post"' in page
    response = english.post(
        apply_url(procedure), filled(procedure, token, _delivery="post", _address="")
    )
    assert 'id="err__address"><li>Give the address the result is to be posted to.</li>' in (
        response.content.decode()
    )
    nothing_written(media)
    english.post(
        apply_url(procedure),
        filled(procedure, token, _delivery="post", _address="  Thôn  Đông,  xã Liêm Tiết "),
    )
    dossier = Dossier.objects.get()
    assert dossier.result_delivery == "post"
    assert dossier.result_address == "Thôn Đông, xã Liêm Tiết"
    english.post(
        apply_url(procedure),
        filled(procedure, start(english, citizen, procedure), _delivery="electronic", _address="x"),
    )
    assert Dossier.objects.latest("pk").result_delivery == "electronic"
    assert Dossier.objects.latest("pk").result_address == ""


def test_a_commune_procedure_goes_to_the_committee_the_applicant_chooses(
    english, province, citizen, media
):
    from motcua.catalog.tests.factories import make_procedure

    district = Agency.objects.create(
        code="H40.01",
        name="UBND thành phố Phủ Lý",
        kind=AgencyKind.DISTRICT_PC,
        level=Level.DISTRICT,
    )
    communes = [
        Agency.objects.create(
            code=f"H40.01.{n}",
            name=name,
            kind=AgencyKind.COMMUNE_PC,
            level=Level.COMMUNE,
            parent=district,
        )
        for n, name in enumerate(["UBND phường Quang Trung", "UBND xã Liêm Tiết"])
    ]
    desk = org_services.open_desk(communes[1], "Bộ phận một cửa xã Liêm Tiết")
    procedure = make_procedure(name="Đăng ký khai sinh", level=Level.COMMUNE)
    token = start(english, citizen, procedure)
    page = english.get(apply_url(procedure)).content.decode()
    assert "UBND xã Liêm Tiết" in page and 'optgroup label="UBND thành phố Phủ Lý"' in page
    response = english.post(apply_url(procedure), filled(procedure, token))
    assert response.status_code == 400
    assert "Choose the People&#x27;s Committee your dossier goes to." in response.content.decode()
    nothing_written(media)
    other = Agency.objects.create(
        code="X", name="Sở Y tế khác", kind=AgencyKind.DEPARTMENT, level=Level.PROVINCE
    )
    response = english.post(apply_url(procedure), filled(procedure, token, _agency=str(other.pk)))
    assert response.status_code == 400  # only a commune People's Committee
    english.post(apply_url(procedure), filled(procedure, token, _agency=str(communes[1].pk)))
    dossier = Dossier.objects.get()
    assert dossier.performing_agency == communes[1] and dossier.received_desk == desk


# --- Repeated groups --------------------------------------------------------------------------


def group_form(procedure):
    schema = {
        "type": "object",
        "properties": {
            "members": {
                "type": "array",
                "title": "Thành viên",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "title": "Họ tên"}},
                    "required": ["name"],
                },
            }
        },
        "required": ["members"],
    }
    return services.save_definition(
        procedure, json.dumps(schema), "{}", None, check_permission=False
    )


def test_a_repeated_group_gains_rows_with_or_without_scripts(client, province, citizen, media):
    procedure = province.procedure
    group_form(procedure)
    token = start(client, citizen, procedure)
    page = client.get(apply_url(procedure)).content.decode()
    assert 'name="members-0-name"' in page and 'name="members-1-name"' not in page
    # htmx asks for one row and moves the "add" button on.
    row = client.get(f"{apply_url(procedure)}row/", {"group": "members", "index": "1"})
    assert 'name="members-1-name"' in row.content.decode()
    assert 'hx-swap-oob="true"' in row.content.decode() and "index=2" in row.content.decode()
    assert (
        client.get(f"{apply_url(procedure)}row/", {"group": "nope", "index": "1"}).status_code
        == 404
    )
    # Without scripts the page comes back with a row more, and nothing is submitted.
    response = client.post(
        apply_url(procedure),
        {"_token": token, "members-0-name": "Lan", "_add": "members", "_delivery": "desk"},
    )
    page = response.content.decode()
    assert 'name="members-1-name"' in page and 'value="Lan"' in page
    assert not Dossier.objects.exists()
    response = client.post(
        apply_url(procedure),
        {"_token": token, "members-0-name": "Lan", "members-1-name": "Huệ", "_remove": "members-0"},
    )
    page = response.content.decode()
    assert 'value="Lan"' not in page and 'value="Huệ"' in page
    client.post(
        apply_url(procedure),
        {
            "_token": token,
            "members-0-name": "Lan",
            "members-3-name": "Huệ",
            "_delivery": "desk",
            f"file-{documents(procedure)[0].pk}": pdf(),
        },
    )
    assert FormRecord.objects.get().data == {"members": [{"name": "Lan"}, {"name": "Huệ"}]}


# --- The desk's check, end to end -------------------------------------------------------------


def submitted(client, province, citizen, **extra) -> Dossier:
    extra = {f"_{k}" if k in ("delivery", "address") else k: v for k, v in extra.items()}
    token = start(client, citizen, province.procedure)
    client.post(apply_url(province.procedure), filled(province.procedure, token, **extra))
    return Dossier.objects.latest("pk")


def test_the_desk_sees_the_form_and_receives_the_dossier(client, province, citizen, media):
    dossier = submitted(client, province, citizen)
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert 'id="eform"' in page and REQUEST in page and "Nguyễn Văn An" in page
    assert "Lê Hồng Phong" in page
    response = client.post(f"{dossier.get_absolute_url()}act/", {"action": "receive"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.received_at and dossier.due_at
    assert dossier.check_due_at is None
    assert told(citizen, dossier, Action.RECEIVE)
    from motcua.dossiers import printing

    context = printing.receipt_context(dossier, list(dossier.events.all()), "http://x/")
    assert context["result_delivery"] == "desk"


def test_the_desk_asks_once_for_a_supplement_and_the_applicant_completes_it_online(
    client, province, citizen, media
):
    dossier = submitted(client, province, citizen)
    desk = province.officer("justice", Role.DESK_OFFICER)
    client.force_login(desk)
    response = client.post(
        f"{dossier.get_absolute_url()}act/",
        {"action": "request_supplement", "comment": "Tờ khai chưa có chữ ký của người yêu cầu."},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.INCOMPLETE and dossier.received_at is None
    assert told(citizen, dossier, Action.REQUEST_SUPPLEMENT)
    # The applicant sends the signed form from their dossier page; the desk checks again.
    client.force_login(citizen.user)
    doc = documents(province.procedure)[0]
    response = client.post(
        f"/my/dossiers/{dossier.code}/supplement/", {f"file-{doc.pk}": pdf("ky.pdf")}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.check_due_at is not None
    dossier = dossier_services.act(dossier, Action.RECEIVE, desk)
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None
    assert dossier.code == Dossier.objects.get().code  # the same dossier throughout
    assert [e.action for e in dossier.events.all()] == [
        Action.SUBMIT,
        Action.REQUEST_SUPPLEMENT,
        Action.SUPPLEMENT,
        Action.RECEIVE,
    ]


def test_an_electronic_result_is_printed_on_the_receipt(client, province, citizen, media):
    province.procedure.online_scope = "full"
    province.procedure.save()
    dossier = submitted(client, province, citizen, _delivery="electronic")
    dossier = dossier_services.act(
        dossier, Action.RECEIVE, province.officer("justice", Role.DESK_OFFICER)
    )
    from django.template.loader import render_to_string

    from motcua.dossiers import printing

    context = printing.receipt_context(dossier, list(dossier.events.all()), "http://x/")
    html = render_to_string("dossiers/print/receipt.html", context)
    assert "6. Đăng ký nhận kết quả tại: trực tuyến, bản điện tử trên Cổng Dịch vụ công" in html


# --- The extension point for the personal data store -------------------------------------------


def test_a_document_reused_from_a_registered_store_counts_and_is_checked(
    client, province, citizen, media, monkeypatch
):
    from django.core.files.base import ContentFile

    from motcua.eforms import reuse
    from motcua.eforms.tests.factories import PDF

    class Store:  # what the personal data store will register (eforms/reuse.py)
        def candidates(self, account, required_document):
            return [reuse.Candidate("r1", "Tờ khai đã nộp", "kết quả hồ sơ trước")]

        def chosen(self, account, required_document, selection):
            assert account == citizen
            return [ContentFile(PDF, name="da-luu.pdf")] if "r1" in selection else []

    procedure = province.procedure
    form = documents(procedure)[0]
    token = start(client, citizen, procedure)
    data = filled(procedure, token)
    del data[f"file-{form.pk}"]
    assert client.post(apply_url(procedure), data).status_code == 400  # no store: missing
    monkeypatch.setattr(reuse, "_sources", [Store()])
    response = client.post(apply_url(procedure), {**data, f"_reuse-{form.pk}": "r1"})
    assert response.status_code == 302
    [document] = Dossier.objects.get().documents.all()
    assert document.required_document == form and document.content_type == "application/pdf"
