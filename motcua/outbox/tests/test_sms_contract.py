"""The HTTP SMS adapter against the development brandname provider (/dev/sms/), over real
HTTP: our contract (docs/notifications.md) — success, 4xx refused for good, 5xx and
time-outs retried — through the outbox. (The database commits at once here, so each
message is delivered by the task queued after its commit, as in production.)"""

import json
import socket
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from motcua.outbox import devsms, services, sms
from motcua.outbox.models import Message, Status
from motcua.outbox.tests.factories import make_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(live_server, settings):
    devsms.reset()
    settings.SMS = {
        **settings.SMS,
        "PROVIDER": "http",
        "URL": f"{live_server.url}/dev/sms/send/",
        "API_KEY": devsms.api_key(),
        "SENDER": "UBND-TINH",
        "TIMEOUT": 5,
    }
    yield live_server.url + "/dev/sms/"
    devsms.reset()


def mode(base, value):
    requests.post(base + "mode/", data=json.dumps({"mode": value}), timeout=5).raise_for_status()


def received(base):
    return requests.get(base, timeout=5).json()["messages"]


def reload(message):
    return Message.objects.get(pk=message.pk)


def test_success_sends_the_documented_request_once(provider):
    message = make_message(channel="sms", recipient="0912345678", body="Hồ sơ X đã tiếp nhận")
    [got] = received(provider)
    assert got["to"] == "84912345678"  # E.164 without "+"
    assert got["text"] == "Ho so X da tiep nhan"
    assert got["sender"] == "UBND-TINH"
    assert got["reference"] == message.dedupe_key
    assert reload(message).status == Status.SENT
    # The same reference again is the same message at the provider (idempotent).
    assert sms.send("0912345678", "Ho so X", reference=message.dedupe_key)
    assert len(received(provider)) == 1


def test_a_provider_that_is_down_keeps_the_message_pending_then_sends_it_once(provider):
    mode(provider, "down")
    before = timezone.now()
    message = make_message(channel="sms", recipient="0912345678", body="Ho so Y")
    waiting = reload(message)
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 1)
    assert waiting.last_error == "SmsUnavailable: HTTP 503 SERVICE_UNAVAILABLE"
    now = waiting.next_attempt_at - timedelta(minutes=1)  # the failed attempt's time
    assert now >= before
    assert services.deliver_due(now=now + timedelta(seconds=59)) == 0  # not due yet
    assert received(provider) == []
    mode(provider, "ok")
    assert services.deliver_due(now=now + timedelta(minutes=1)) == 1
    assert services.deliver_due(now=now + timedelta(hours=2)) == 0
    assert [m["text"] for m in received(provider)] == ["Ho so Y"]
    assert reload(message).status == Status.SENT


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ({"mode": "reject"}, "HTTP 422 BRANDNAME_NOT_REGISTERED"),
        ({"API_KEY": "wrong-key"}, "HTTP 401 UNAUTHORIZED"),
        ({"SENDER": "A-BRANDNAME-TOO-LONG"}, "HTTP 422 INVALID_MESSAGE"),
    ],
)
def test_a_4xx_answer_fails_the_message_for_good(provider, settings, setup, error):
    if "mode" in setup:
        mode(provider, setup["mode"])
    else:
        settings.SMS = {**settings.SMS, **setup}
    message = make_message(channel="sms", recipient="0912345678")
    assert services.deliver_due(now=timezone.now() + timedelta(days=1)) == 0
    failed = reload(message)
    assert (failed.status, failed.attempts, failed.last_error) == (
        Status.FAILED,
        1,
        f"SmsRejected: {error}",
    )


def test_the_provider_refuses_a_malformed_request(provider):
    url = provider + "send/"
    headers = {"Authorization": f"Bearer {devsms.api_key()}"}
    answers = [
        requests.post(url, data=b"not json", headers=headers, timeout=5),
        requests.post(url, json={"to": "84912345678"}, headers=headers, timeout=5),
        requests.post(
            url,
            json={"to": "84241234567", "text": "x", "sender": "S", "reference": "r"},
            headers=headers,
            timeout=5,
        ),
        requests.post(url, data=b"x" * 10_000, headers=headers, timeout=5),
    ]
    assert [(a.status_code, a.json()["error"]) for a in answers] == [
        (400, "BAD_REQUEST"),
        (400, "BAD_REQUEST"),
        (422, "INVALID_PHONE"),
        (400, "BAD_REQUEST"),
    ]
    assert received(provider) == []


def test_a_time_out_or_no_connection_is_retried(settings):
    silent = socket.socket()  # accepts connections and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    try:
        for url, error in [
            (f"http://127.0.0.1:{silent.getsockname()[1]}/send/", "timed out"),
            (f"http://127.0.0.1:{closed_port}/send/", "no connection"),
        ]:
            settings.SMS = {**settings.SMS, "PROVIDER": "http", "URL": url, "TIMEOUT": 0.2}
            message = make_message(channel="sms", recipient="0912345678")
            waiting = reload(message)
            assert (waiting.status, waiting.attempts) == (Status.PENDING, 1)
            assert waiting.last_error.startswith(f"SmsUnavailable: {error}")
    finally:
        silent.close()
