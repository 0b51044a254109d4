"""Test-wide settings: a fast password hasher (the real one is slow on purpose, and the
factories create many officers), files in a scratch folder, and the headless Chromium the
browser tests drive."""

import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by `make test`


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test process is no warm server: nothing frozen out of the garbage collector
    # (ops/memory.py; its own test turns it on).
    settings.OPS = {**settings.OPS, "GC_FREEZE_AFTER": 0}
    # Uploaded files, signed results and the demo certificates of a test run go to a
    # folder of its own, never to the demo's var/.
    scratch = Path(tempfile.mkdtemp(prefix="motcua-tests-"))
    settings.MEDIA_ROOT = scratch / "media"
    settings.RESULTS = {**settings.RESULTS, "CERTIFICATES_DIR": scratch / "certificates"}
    # Text messages of the development file gateway, likewise (docs/notifications.md).
    settings.SMS = {**settings.SMS, "PROVIDER": "file", "DIRECTORY": scratch / "sms"}


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """For data built once per test module: the database open to the module's fixtures, in
    one transaction rolled back at the module's end (each test's own nests inside it)."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright; only this machine's pages are visited, so the
    background services that call out are switched off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _nothing_kept_from_another_test():
    """Django's default cache (each process's memory) keeps figures under agency codes and
    months (the index's points, the leader's figure): a rolled-back test's must not answer
    the next test, whose agencies have the same codes."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fact_openings_read_afresh():
    """Each test's database starts without the fact table's openings: read their extent
    again rather than the one a previous (rolled back) test left in this process."""
    from motcua.stats.queries import forget_opened

    forget_opened()
    yield
    forget_opened()
