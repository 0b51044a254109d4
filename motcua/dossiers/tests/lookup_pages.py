"""What the lookup's answer page shows, read from its HTML as a citizen reads it: the
answer's facts (label: value) and its timeline's lines (label, time, note). The answer is
served from what is kept for visitors (core/kept.py), so tests read the page, not the
template's context."""

from __future__ import annotations

import html
import re

ANSWER = re.compile(
    r'<h1>[^<]*</h1>\s*(?:<p class="notice">(?P<notice>.*?)</p>\s*)?'
    r'<section class="card">\s*<dl class="facts">(?P<facts>.*?)</dl>',
    re.S,
)
FACT = re.compile(r"<dt>(.*?)</dt><dd>(.*?)</dd>", re.S)
TIMELINE = re.compile(r'<ol class="timeline">(.*?)</ol>', re.S)
LINE = re.compile(r"<li><b>(.*?)</b> – ([^<]*)(?:<br>(.*?))?</li>", re.S)
TAG = re.compile(r"<[^>]+>")


def text_of(fragment: str) -> str:
    """The fragment's text: tags removed (a line break as a space), entities decoded."""
    return html.unescape(TAG.sub(" ", fragment.replace("<br>", " "))).strip()


def answer_of(response) -> dict | None:
    """The answer's facts, notice and timeline; None when the page is not an answer."""
    if response.status_code != 200:
        return None
    page = response.content.decode()
    found = ANSWER.search(page)
    if found is None:
        return None
    timeline = TIMELINE.search(page, found.end())
    return {
        "notice": text_of(found["notice"] or ""),
        "facts": {text_of(k): text_of(v) for k, v in FACT.findall(found["facts"])},
        "timeline": [
            (text_of(label), at.strip(), html.unescape(note or ""))
            for label, at, note in LINE.findall(timeline[1] if timeline else "")
        ],
    }


def shown(response, dossier=None) -> bool:
    """Whether the page is the lookup's answer, for this dossier when one is given."""
    answer = answer_of(response)
    if answer is None:
        return False
    code = answer["facts"].get("Mã hồ sơ", answer["facts"].get("Dossier code"))
    return dossier is None or code == dossier.code
