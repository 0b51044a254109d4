"""Forms of common procedures, shipped for the demo (`motcua seed hanam-2020`).

Each file in forms/ holds one form (its JSON Schema, UI hints and a note) and the
procedures it belongs to, by name and level: the demo catalogue gives procedures generated
codes, so names are what stays the same. The forms follow the official declaration forms
of each procedure (tờ khai), in their Vietnamese wording."""

from __future__ import annotations

import json
from pathlib import Path

FORMS = Path(__file__).parent / "forms"


def shipped() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(FORMS.glob("*.json"))]


def load(actor=None) -> int:
    """Save each shipped form as a revision of the procedures in force it names; returns
    how many revisions were saved."""
    from motcua.catalog.constants import Status
    from motcua.catalog.models import Procedure
    from motcua.eforms import services

    saved = 0
    for spec in shipped():
        schema, ui = json.dumps(spec["schema"]), json.dumps(spec["ui"])
        for target in spec["procedures"]:
            procedures = Procedure.objects.filter(
                name=target["name"], level=target["level"], status=Status.ACTIVE
            )
            for procedure in procedures:
                services.save_definition(
                    procedure, schema, ui, actor, spec["note"], check_permission=False
                )
                saved += 1
    return saved
