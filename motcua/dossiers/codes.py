"""Dossier codes: `<agency code>-<yymmdd>-<sequence>`, e.g. `000.00.37.H40-260212-0001`.
No Django.

The sequence restarts each day for each agency [check: national practice, see
docs/dossiers.md]. Uniqueness under concurrency comes from the caller allocating the
sequence number inside the transaction (a counter row locked for update).
"""

import re
from datetime import date

PATTERN = re.compile(r"^(?P<agency>[0-9A-Z.]+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


def format_code(agency_code: str, day: date, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{agency_code}-{day:%y%m%d}-{sequence:04d}"


def parse_code(code: str) -> tuple[str, date, int]:
    """(agency code, day, sequence) of a dossier code; ValueError if it is not one."""
    match = PATTERN.match(code.strip().upper())
    if not match:
        raise ValueError(f"not a dossier code: {code!r}")
    d = match["day"]
    day = date(2000 + int(d[:2]), int(d[2:4]), int(d[4:]))
    return match["agency"], day, int(match["seq"])
