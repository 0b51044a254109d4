"""Production settings: `check --deploy` is clean, DEBUG cannot be on, and development keeps
working over plain http."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run(*args, **env):
    # Nothing of this test run's own environment: the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which production must never have.
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MOTCUA_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "motcua.settings", **env}
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(**env):
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(50))
    return {"MOTCUA_PRODUCTION": "1", "SECRET_KEY": key, "ALLOWED_HOSTS": "example.gov.vn", **env}


def test_check_deploy_finds_nothing_in_production():
    result = run("check", "--deploy", **production())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout
    assert "ERRORS" not in result.stderr + result.stdout


def test_check_deploy_does_warn_in_development():
    # The same command sees the difference: without production mode it warns.
    result = run("check", "--deploy", SECRET_KEY="x" * 60)
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no SSL redirect
    assert "security.W012" in result.stderr  # session cookie not Secure


def test_debug_cannot_be_on_in_production():
    result = run("check", **production(DEBUG="1"))
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_needs_a_secret_key():
    env = production()
    del env["SECRET_KEY"]
    result = run("check", **env)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["abc", "1.5", "2OO", "\u0661\u0662x"])
def test_a_number_setting_that_is_no_number_stops_the_start_and_says_which(value):
    result = run("check", MOTCUA_GC_FREEZE_AFTER=value)
    assert result.returncode != 0
    assert "MOTCUA_GC_FREEZE_AFTER must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr.split("ImproperlyConfigured")[-1]


def test_a_number_setting_left_empty_takes_its_default():
    script = "from django.conf import settings; print(settings.OPS['GC_FREEZE_AFTER'])"
    result = run("shell", "-c", script, MOTCUA_GC_FREEZE_AFTER=" ")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200"


def test_production_settings_values():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT,"
        " s.X_FRAME_OPTIONS, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS)"
    )
    env = production(
        MOTCUA_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https",
        CSRF_TRUSTED_ORIGINS="https://dichvucong.example.gov.vn, https://example.gov.vn",
    )
    result = run("shell", "-v", "0", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "True True True 31536000 True True DENY ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['https://dichvucong.example.gov.vn', 'https://example.gov.vn']"
    )
    result = run("shell", "-v", "0", "-c", script, **production(MOTCUA_SSL_REDIRECT="0"))
    assert " True False DENY " in result.stdout  # the redirect can be left to the proxy


@pytest.mark.django_db
def test_development_serves_plain_http_with_ordinary_cookies(client, settings):
    assert not settings.MOTCUA_PRODUCTION
    page = client.get("/accounts/login/")
    assert page.status_code == 200  # no redirect to https
    assert "Strict-Transport-Security" not in page.headers
    assert not page.cookies["csrftoken"]["secure"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
