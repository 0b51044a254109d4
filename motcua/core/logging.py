"""Logging: key=value lines, request ids, and personal data masked in every line.

Format (logfmt): `ts=2026-12-01T09:30:00.123+07:00 level=INFO logger=motcua.request
msg="GET /office/ 200" request_id=… method=GET path=/office/ status=200 duration_ms=12 user=7`.
One line per record; a traceback follows on the next lines, masked the same way.

`PersonalDataFilter` rewrites each record before any handler formats it: 12-digit citizen ID
numbers (CCCD), 9-digit old ID numbers (CMND), phone numbers (0… or +84…, with or without
spaces, dots or dashes between digit groups) and e-mail addresses become [id], [phone] and
[email]. `mask` is the same rule for other code.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

# The id of the request being served, for every line logged while serving it.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CITIZEN_ID = re.compile(r"(?<!\w)\d{12}(?!\w)")
# 0 or +84 then 9 digits (mobile) or 10 (landline), groups split by a space, dot or dash.
PHONE = re.compile(r"(?<![\w+])(?:\+84|84|0)[ .-]?\d(?:[ .-]?\d){8,9}(?!\w)")
OLD_ID = re.compile(r"(?<!\w)\d{9}(?!\w)")


def mask(text: str) -> str:
    """`text` with e-mail addresses, ID numbers and phone numbers replaced by placeholders."""
    if not text:
        return text
    text = EMAIL.sub("[email]", text)
    text = CITIZEN_ID.sub("[id]", text)
    text = PHONE.sub("[phone]", text)
    return OLD_ID.sub("[id]", text)


class PersonalDataFilter(logging.Filter):
    """Masks the message, its arguments and its traceback; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        for key in KeyValueFormatter.EXTRA:
            value = getattr(record, key, None)
            if isinstance(value, str):
                setattr(record, key, mask(value))
        return True


def _quote(value) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\\\n\r\t'):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r").replace("\t", "\\t") + '"'


class KeyValueFormatter(logging.Formatter):
    """logfmt: `key=value` pairs on one line, values quoted when they hold spaces or quotes."""

    EXTRA = ("request_id", "method", "path", "status", "duration_ms", "user")

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, tz=timezone.get_default_timezone())
        pairs = [
            ("ts", at.isoformat(timespec="milliseconds")),
            ("level", record.levelname),
            ("logger", record.name),
            ("msg", record.getMessage()),
        ]
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        pairs += [
            (k, getattr(record, k)) for k in self.EXTRA if getattr(record, k, None) is not None
        ]
        line = " ".join(f"{k}={_quote(v)}" for k, v in pairs)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


class JsonFormatter(KeyValueFormatter):
    """The same fields as one JSON object per line (LOG_FORMAT=json, the default under
    `motcua serve`), for log collectors; a traceback is the `exc` field."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, tz=timezone.get_default_timezone())
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        entry = {
            "ts": at.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(
            {k: getattr(record, k) for k in self.EXTRA if getattr(record, k, None) is not None}
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)
