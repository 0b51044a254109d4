"""The applicant hears about their dossier by e-mail once each change has committed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from motcua.core.models import AuditEvent
from motcua.dossiers import services
from motcua.dossiers.tests.factories import APPLICANT, make_province, receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
EMAIL = "nguyenvanan@example.vn"


@pytest.fixture
def province():
    return make_province()


def receive(province, applicant=None):
    return receive_at_counter(
        province,
        applicant=applicant or {**APPLICANT, "email": EMAIL},
        received_at=datetime(2025, 3, 3, 9, 0, tzinfo=VN),
    )


def notified(dossier):
    return AuditEvent.objects.filter(
        action="dossier.notified", object_type="dossiers.dossier", object_id=str(dossier.pk)
    )


def test_receipt_mails_the_code_the_appointment_and_the_lookup_link(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(province)
    [mail] = mailoutbox
    lookup = reverse("dossiers:lookup", args=[dossier.code])
    assert mail.to == [EMAIL]
    assert mail.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "Cấp Phiếu lý lịch tư pháp" in mail.body
    assert "Ngày hẹn trả kết quả: 09:00, 10/03/2025" in mail.body  # 5 working days later
    assert "Quầy Sở Tư pháp" in mail.body
    assert f"http://127.0.0.1:8000{lookup}?secret={dossier.secret}" in mail.body
    [audit] = notified(dossier)
    assert audit.data == {
        "event": dossier.events.get().pk,
        "channel": "email",
        "to": "ng*********@example.vn",
    }
    assert EMAIL not in audit.summary


def test_a_supplement_request_says_what_is_missing_and_internal_steps_are_silent(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    dossier = receive(province)
    with django_capture_on_commit_callbacks(execute=True):
        services.act(dossier, Action.FORWARD, province.officer("justice", Role.DESK_OFFICER))
    assert mailoutbox == []  # moving between officers is not the applicant's business
    with django_capture_on_commit_callbacks(execute=True):
        services.act(
            dossier,
            Action.REQUEST_SUPPLEMENT,
            province.officer("justice", Role.SPECIALIST),
            comment="Thiếu bản sao Căn cước công dân",
        )
    [mail] = mailoutbox
    assert mail.subject == f"Hồ sơ {dossier.code}: cần bổ sung giấy tờ"
    assert "Thiếu bản sao Căn cước công dân" in mail.body
    assert "tạm dừng" in mail.body  # the clock is stopped


def test_a_rolled_back_change_mails_nothing(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        receive(province)
        raise RuntimeError("the request failed after the receipt")
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="dossier.notified").exists()


def test_without_an_address_nothing_is_sent_or_recorded(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(province, applicant=dict(APPLICANT))
    assert mailoutbox == []
    assert not notified(dossier).exists()


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_with_the_database_backend_the_worker_sends_it(mailoutbox):
    from django_tasks_db.models import DBTaskResult

    dossier = receive(make_province())
    assert mailoutbox == []  # stored, not yet run
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    [mail] = mailoutbox
    assert dossier.code in mail.subject
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
