"""Dossier codes: `<agency identifier>-<yymmdd>-<sequence>`, e.g.
`000.00.37.H40-260212-0001` or `H15.50.05.13-261008-0975`. No Django.

The agency identifier is the agency's electronic identifier (Agency.code). Which schemes an
identifier may follow is data (IDENTIFIER_SCHEMES): the older QCVN 102:2016/BTTTT form of
the 2018–2020 records, and the Quyết định 20/2020/QĐ-TTg form given to agencies since (read
left to right, at most 35 characters). The sequence restarts each day for each agency, has
at least 4 digits and grows past 9999 [firm: structure; rules file "Dossier code"].
Uniqueness under concurrency comes from the caller allocating the sequence number inside
the transaction (a counter row locked for update).
"""

import re
from datetime import date

PATTERN = re.compile(r"^(?P<agency>[0-9A-Z.]+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")
MAX_IDENTIFIER = 35

# scheme → (instrument, pattern of an agency identifier)
IDENTIFIER_SCHEMES = {
    "qcvn-102-2016": ("QCVN 102:2016/BTTTT", re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")),
    "qd-20-2020": ("Quyết định 20/2020/QĐ-TTg", re.compile(r"^[A-Z]\d{2}(\.\d{2}){1,10}$")),
}


def identifier_scheme(identifier: str) -> str | None:
    """The scheme an agency identifier follows, or None if it follows none."""
    if len(identifier) > MAX_IDENTIFIER:
        return None
    for scheme, (_, pattern) in IDENTIFIER_SCHEMES.items():
        if pattern.match(identifier):
            return scheme
    return None


def format_code(agency_code: str, day: date, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    if not 2000 <= day.year <= 2099:
        raise ValueError("a dossier code's day is in 2000–2099")
    return f"{agency_code}-{day:%y%m%d}-{sequence:04d}"


def parse_code(code: str) -> tuple[str, date, int]:
    """(agency code, day, sequence) of a dossier code; ValueError if it is not one."""
    match = PATTERN.match(code.strip().upper())
    if not match:
        raise ValueError(f"not a dossier code: {code!r}")
    d = match["day"]
    day = date(2000 + int(d[:2]), int(d[2:4]), int(d[4:]))
    return match["agency"], day, int(match["seq"])
