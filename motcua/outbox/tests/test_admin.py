"""Supervisors see what is waiting, retrying and failed, with addresses masked, and can
retry; nobody edits or deletes a message."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.org.models import User
from motcua.outbox import services
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.factories import make_message

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:outbox_message_changelist")
ADDRESS = "tranthibinh@example.vn"


def staff(username, *perms):
    user = User.objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="outbox", codename__in=perms)
    )
    return user


@pytest.fixture
def failed(mail_server):
    mail_server.down = True
    mail_server.error = __import__("smtplib").SMTPRecipientsRefused({ADDRESS: (550, b"no")})
    message = make_message()
    services.deliver_due()
    mail_server.down = False
    return Message.objects.get(pk=message.pk)


def test_a_supervisor_sees_failed_messages_masked_and_filtered(client, failed):
    make_message(recipient="sent@example.vn")
    client.force_login(staff("sup", "view_message", "retry_message"))
    page = client.get(CHANGELIST, {"status__exact": "failed"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "tr*********@example.vn" in text
    assert ADDRESS not in text
    assert "se**@example.vn" not in text  # the pending one is filtered out
    assert page.context["cl"].result_count == 1
    detail = client.get(reverse("admin:outbox_message_change", args=[failed.pk]))
    assert detail.status_code == 200
    assert ADDRESS not in detail.content.decode()
    assert "SMTPRecipientsRefused" in detail.content.decode()


def test_retry_now_queues_the_message_again_and_is_audited(client, failed, mailoutbox):
    supervisor = staff("sup", "view_message", "retry_message")
    client.force_login(supervisor)
    response = client.post(
        CHANGELIST, {"action": "retry_now", "_selected_action": [failed.pk]}, follow=True
    )
    assert response.status_code == 200
    message = Message.objects.get(pk=failed.pk)
    # The commit of the retry queued the task; the test transaction never commits, so:
    services.deliver_due(now=timezone.now())
    assert Message.objects.get(pk=message.pk).status == Status.SENT
    [retried] = AuditEvent.objects.filter(action="outbox.retried")
    assert retried.actor == supervisor
    assert len(mailoutbox) == 1


def test_view_only_users_cannot_retry_and_nobody_edits(client, failed):
    client.force_login(staff("viewer", "view_message"))
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "retry_now" not in page.content.decode()
    client.post(CHANGELIST, {"action": "retry_now", "_selected_action": [failed.pk]})
    assert Message.objects.get(pk=failed.pk).status == Status.FAILED
    assert not AuditEvent.objects.filter(action="outbox.retried").exists()
    change = reverse("admin:outbox_message_change", args=[failed.pk])
    client.post(change, {"subject": "changed"})
    assert Message.objects.get(pk=failed.pk).subject == failed.subject
    delete = reverse("admin:outbox_message_delete", args=[failed.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Message.objects.filter(pk=failed.pk).exists()


def test_staff_without_the_view_permission_see_nothing(client, failed):
    client.force_login(staff("clerk"))
    assert client.get(CHANGELIST).status_code == 403
