"""The interface is Vietnamese by default: every message has a Vietnamese translation and
the compiled catalogue is the one in use."""

import re
from pathlib import Path

from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[3] / "locale"


def _entries(po: str):
    for block in po.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid", 1)[1]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1]))
        yield msgid, msgstr, "#, fuzzy" in block


def test_every_vietnamese_message_is_translated():
    po = (LOCALE / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    untranslated = [m for m, s, fuzzy in _entries(po) if m and (not s or fuzzy)]
    assert untranslated == []


def test_compiled_catalogue_is_current():
    po = LOCALE / "vi" / "LC_MESSAGES" / "django.po"
    mo = LOCALE / "vi" / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), "run `make messages`"
    with translation.override("vi"):
        for msgid, msgstr, _ in _entries(po.read_text(encoding="utf-8")):
            if msgid and "%" not in msgid and "\\" not in msgid:
                assert translation.gettext(msgid) == msgstr, msgid


def test_pages_are_vietnamese_by_default(db):
    page = Client().get("/procedures/")
    assert page["Content-Language"] == "vi"
    assert "Thủ tục hành chính" in page.content.decode()


def test_a_foreign_browser_still_gets_vietnamese_until_english_is_chosen(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert client.get("/procedures/")["Content-Language"] == "vi"
    client.post("/i18n/setlang/", {"language": "en", "next": "/procedures/"})
    page = client.get("/procedures/")
    assert page["Content-Language"] == "en" and "Administrative procedures" in page.content.decode()
