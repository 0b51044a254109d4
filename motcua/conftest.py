"""Test-wide settings: a fast password hasher (the real one is slow on purpose, and the
factories create many officers)."""


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
