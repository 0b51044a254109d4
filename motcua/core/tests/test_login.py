"""Sign-in throttling (django-axes) and the audit rows of signing in and out."""

import json
from collections import Counter

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

from motcua.core.models import AuditEvent
from motcua.org.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "Đúng-mật-khẩu-2026"
WRONG = "sai-mat-khau-BÍ-MẬT"


@pytest.fixture
def officer():
    return User.objects.create_user("canbo.tiepnhan", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_five_failures_lock_the_user_name_even_against_the_right_password(client, officer, path):
    for _ in range(4):
        page = sign_in(client, officer.username, WRONG, path)
        assert page.status_code == 200  # the form again, with its error
    fifth = sign_in(client, officer.username, WRONG, path)
    assert fifth.status_code == 429
    right = sign_in(client, officer.username, PASSWORD, path)
    assert right.status_code == 429
    assert "Tạm dừng đăng nhập" in right.content.decode()
    assert "15 phút" in right.content.decode()
    assert SESSION_KEY not in client.session
    # six failures, two of them refused while locked (the one that locks, and the next)
    assert Counter(actions()) == {"auth.login_failed": 6, "auth.locked_out": 2}
    assert "auth.login" not in actions()


def test_the_lock_is_per_user_name_and_address(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, officer.username, WRONG)
    assert sign_in(client, officer.username, PASSWORD).status_code == 429
    # the same user name from another address is not locked
    other = sign_in(client, officer.username, PASSWORD, REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 302 and other.url == "/office/"


def test_a_successful_sign_in_and_out_are_audited_against_the_user(client, officer):
    assert sign_in(client, officer.username, PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(officer.pk)
    client.post("/accounts/logout/")
    rows = list(AuditEvent.objects.order_by("id"))
    assert [(r.action, r.actor, r.object_type, r.object_id) for r in rows] == [
        ("auth.login", officer, "org.user", str(officer.pk)),
        ("auth.logout", officer, "org.user", str(officer.pk)),
    ]
    assert rows[0].data["ip"] == "127.0.0.1"


def test_failures_name_the_user_name_and_never_the_password(client, officer):
    sign_in(client, officer.username, WRONG)
    sign_in(client, "khong.ton.tai", WRONG)
    known, unknown = AuditEvent.objects.order_by("id")
    assert (known.action, known.object_type, known.object_id) == (
        "auth.login_failed",
        "org.user",
        str(officer.pk),
    )
    assert known.actor is None and known.data["username"] == officer.username
    assert (unknown.action, unknown.object_type, unknown.object_id) == (
        "auth.login_failed",
        "org.user",
        "",
    )
    assert unknown.data == {"username": "khong.ton.tai", "ip": "127.0.0.1"}
    everything = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    everything += json.dumps(list(AccessAttempt.objects.values()), default=str, ensure_ascii=False)
    assert WRONG not in everything and PASSWORD not in everything


def test_a_hostile_user_name_is_refused_without_an_error(client):
    page = sign_in(client, "x" * 10_000, WRONG)
    assert page.status_code == 200
    assert not AuditEvent.objects.filter(data__username__startswith="x" * 151).exists()
