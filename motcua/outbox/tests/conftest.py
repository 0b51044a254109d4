import smtplib

import pytest

from motcua.outbox.tests.backends import FlakyBackend


@pytest.fixture
def mail_server(settings, mailoutbox):
    """The flaky mail server, up; `mail_server.down = True` takes it down."""
    settings.EMAIL_BACKEND = "motcua.outbox.tests.backends.FlakyBackend"
    FlakyBackend.down = False
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    yield FlakyBackend
    FlakyBackend.down = False
