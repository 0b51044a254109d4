"""/metrics: Prometheus text for the monitoring network only, with the queues an operator
watches (docs/operations.md)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from motcua.outbox import services as outbox
from motcua.outbox.models import Message

pytestmark = pytest.mark.django_db


def value(text: str, line_start: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(line_start)]
    return float(line.rsplit(" ", 1)[1])


def test_loopback_scrapes_requests_database_and_the_outbox(client):
    client.get("/procedures/")
    outbox.enqueue(
        channel="email",
        recipient="an@example.vn",
        subject="Biên nhận",
        body="…",
        kind="test",
        dedupe_key="metrics-test-1",
    )
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert "django_db_execute_total" in text
    assert value(text, 'motcua_outbox_messages{channel="email",status="pending"}') == 1
    assert 299 <= value(text, "motcua_outbox_oldest_pending_seconds") <= 400


@pytest.mark.parametrize("address", ["14.160.32.1", "8.8.8.8", "2402:800:6371::1", "not-an-ip"])
def test_public_addresses_may_not_scrape(client, address):
    response = client.get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 403 and b"motcua_" not in response.content


@pytest.mark.parametrize("address", ["10.0.0.7", "172.18.0.3", "192.168.1.20", "::1"])
def test_private_addresses_may_scrape_without_a_token(client, address):
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 200


@pytest.mark.parametrize(
    "header, status",
    [
        (None, 403),
        ("Bearer wrong-token", 403),
        ("Bearer ", 403),
        ("Bearer s3cret-metrics-token\x00", 403),
        ("Bearer " + "x" * 10_000, 403),
        ("Bearer s3cret-metrics-tokén", 403),
        ("Bearer s3cret-metrics-token", 200),
        ("s3cret-metrics-token", 200),
    ],
)
def test_with_a_token_only_the_token_may_scrape(client, settings, header, status):
    settings.OPS = {**settings.OPS, "METRICS_TOKEN": "s3cret-metrics-token"}
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    # a token is asked for even from loopback: the address is no longer enough
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", **extra).status_code == status


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_with_the_database_queue_tasks_and_the_worker_age_are_shown(client):
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert value(text, "motcua_tasks_ready") == 0
    assert value(text, "motcua_worker_heartbeat_age_seconds") == -1  # never seen
