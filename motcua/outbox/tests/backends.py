"""A mail server that can be taken down: messages are kept in django.core.mail.outbox
(like the locmem backend) while it is up; while `down` is set, every send raises `error`."""

import smtplib

from django.core.mail.backends import locmem


class FlakyBackend(locmem.EmailBackend):
    down = False
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, messages):
        if FlakyBackend.down:
            raise FlakyBackend.error
        return super().send_messages(messages)
