"""The applicant hears about their dossier by e-mail once each change has committed; the
message is an outbox row written with the change, so a mail outage loses nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers import links, notifications, services
from motcua.dossiers.tests.factories import APPLICANT, make_province, receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role
from motcua.outbox import services as outbox
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.backends import FlakyBackend
from motcua.outbox.tests.conftest import mail_server  # noqa: F401 (a fixture)

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
    # The signed link (docs/lookup.md), never the lookup password.
    assert f"http://127.0.0.1:8000{lookup}?t={links.token(dossier)}" in mail.body
    assert dossier.secret not in mail.body
    [message] = Message.objects.all()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert (message.object_type, message.object_id) == ("dossiers.dossier", str(dossier.pk))
    [audit] = notified(dossier)
    assert audit.data == {
        "event": dossier.events.get().pk,
        "message": message.pk,
        "channel": "email",
        "to": "ng*********@example.vn",
    }
    assert EMAIL not in audit.summary


def test_the_message_is_written_with_the_change_and_sent_after_the_commit(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dossier = receive(province)
        # Inside the transaction: the row is there, composed in Vietnamese, nothing sent.
        [message] = Message.objects.all()
        assert message.status == Status.PENDING
        assert message.recipient == EMAIL
        assert message.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
        assert message.dedupe_key == f"dossiers.dossierevent:{dossier.events.get().pk}:email"
        assert mailoutbox == []
    for callback in callbacks:
        callback()
    [mail] = mailoutbox
    assert mail.subject == message.subject


def test_a_supplement_request_says_what_is_missing_and_internal_steps_are_silent(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    dossier = receive(province)
    next_day = datetime(2025, 3, 4, 9, 0, tzinfo=VN)  # within the days allowed to ask
    with django_capture_on_commit_callbacks(execute=True):
        services.act(
            dossier, Action.FORWARD, province.officer("justice", Role.DESK_OFFICER), at=next_day
        )
    assert mailoutbox == []  # moving between officers is not the applicant's business
    with django_capture_on_commit_callbacks(execute=True):
        services.act(
            dossier,
            Action.REQUEST_SUPPLEMENT,
            province.officer("justice", Role.SPECIALIST),
            comment="Thiếu bản sao Căn cước công dân",
            at=next_day,
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
    assert not Message.objects.exists()  # rolled back with the receipt
    assert not AuditEvent.objects.filter(action="dossier.notified").exists()


def test_without_an_address_nothing_is_sent_or_recorded(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(province, applicant=dict(APPLICANT))
    assert mailoutbox == []
    assert not Message.objects.exists()
    assert not notified(dossier).exists()


@pytest.mark.usefixtures("mail_server")
def test_a_mail_outage_does_not_stop_the_desk_and_the_message_follows_later(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    FlakyBackend.down = True
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(province)  # the receipt stands although the e-mail failed
    [message] = Message.objects.all()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert not notified(dossier).exists()
    FlakyBackend.down = False
    assert outbox.deliver_due(now=timezone.now() + timedelta(minutes=2)) == 1
    [mail] = mailoutbox
    assert mail.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert notified(dossier).count() == 1


def test_the_old_notify_task_sends_at_most_once(
    province, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(province)
    event = dossier.events.get()
    assert notifications.notify(event.pk) is False  # already in the outbox and sent
    assert len(mailoutbox) == 1
    assert Message.objects.count() == 1


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
