"""Logging: one key=value line per request with its id, and personal data masked."""

import io
import json
import logging

import pytest

from motcua.core.logging import JsonFormatter, KeyValueFormatter, PersonalDataFilter, mask
from motcua.org.models import User


@pytest.mark.parametrize(
    "text, masked",
    [
        ("CCCD 001203004567 của ông A", "CCCD [id] của ông A"),
        ("CMND 123456789.", "CMND [id]."),
        ("gọi 0987654321 hoặc 0987 654 321", "gọi [phone] hoặc [phone]"),
        ("phone=+84987654321, landline 024.3825.1234", "phone=[phone], landline [phone]"),
        ("email nguyen.van.a+hs@example.gov.vn;", "email [email];"),
        # what must stay: dossier codes, dates, counts, short numbers, 10-digit non-phones
        ("000.00.01.H40-250303-0001 on 2025-03-03", "000.00.01.H40-250303-0001 on 2025-03-03"),
        (
            "took 1234 ms for 12 rows; order 1234567890",
            "took 1234 ms for 12 rows; order 1234567890",
        ),
    ],
)
def test_mask(text, masked):
    assert mask(text) == masked


def make_record(msg, *args, exc_info=None):
    return logging.LogRecord("motcua.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_filter_masks_message_arguments_and_traceback():
    try:
        raise ValueError("applicant 001203004567 phone 0912345678")
    except ValueError:
        import sys

        record = make_record(
            "receive failed for %s (%s)", "001203004567", "a@b.vn", exc_info=sys.exc_info()
        )
    assert PersonalDataFilter().filter(record) is True
    line = KeyValueFormatter().format(record)
    assert "001203004567" not in line and "0912345678" not in line and "a@b.vn" not in line
    assert 'msg="receive failed for [id] ([email])"' in line
    assert "ValueError: applicant [id] phone [phone]" in line


def test_the_json_lines_carry_the_same_fields_masked():
    try:
        raise ValueError("applicant 001203004567")
    except ValueError:
        import sys

        record = make_record("phone %s", "0912345678", exc_info=sys.exc_info())
    record.request_id, record.status = "ab" * 16, 500
    PersonalDataFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line  # one object per line, the traceback inside it
    entry = json.loads(line)
    assert entry["msg"] == "phone [phone]" and entry["level"] == "WARNING"
    assert entry["request_id"] == "ab" * 16 and entry["status"] == 500
    assert "ValueError: applicant [id]" in entry["exc"] and "001203004567" not in line


def test_the_configured_handler_masks_what_any_logger_writes():
    (handler,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        logging.getLogger("motcua.somewhere").warning("số CCCD 036090001234, điện thoại 0901234567")
    finally:
        handler.setStream(previous)
    line = out.getvalue()
    assert 'logger=motcua.somewhere msg="số CCCD [id], điện thoại [phone]"' in line
    assert "036090001234" not in line and "0901234567" not in line


@pytest.mark.django_db
def test_a_request_logs_one_line_with_its_id_and_no_query_string(client, caplog):
    user = User.objects.create_user("log.officer")
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="motcua.request"):
        response = client.get("/procedures/?q=0987654321")
    lines = [r for r in caplog.records if r.name == "motcua.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line.request_id == response.headers["X-Request-ID"]
    assert (line.method, line.path, line.status, line.user) == ("GET", "/procedures/", 200, user.pk)
    assert isinstance(line.duration_ms, int) and line.duration_ms >= 0
    text = KeyValueFormatter().format(line)
    assert f"request_id={line.request_id}" in text and "q=" not in text
    assert text.split(" ", 1)[1].startswith(
        'level=INFO logger=motcua.request msg="GET /procedures/ 200"'
    )


def test_errors_are_logged_with_their_traceback_by_django_request():
    from django.conf import settings

    assert settings.LOGGING["loggers"]["django.request"]["level"] == "ERROR"
    assert logging.getLogger("django.request").getEffectiveLevel() == logging.ERROR
