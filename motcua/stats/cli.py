"""`motcua report dossiers --from YYYY-MM-DD --to YYYY-MM-DD [--agency CODE]
[--format text|json|xlsx|pdf] [--output FILE]`: Biểu 06a from the stored records.

The command (motcua/catalog/management/commands/report.py) has checked the dates' form
and years; `run` checks the rest (period order and length, the agency)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from motcua.org.models import Agency
from motcua.stats import export, form06a, queries
from motcua.stats.forms import MAX_DAYS, default_period


def period_from(options: dict) -> queries.Period:
    start, end = options.get("start"), options.get("end")
    default_start, default_end = default_period(options.get("on"))
    end = end or default_end
    start = start or (end.replace(day=1) if options.get("end") else default_start)
    if start > end:
        raise CommandError(f"--from {start} is after --to {end}.")
    if (end - start).days > MAX_DAYS:
        raise CommandError("A report covers at most ten years.")
    return queries.Period(start, end)


def build(options: dict) -> dict:
    period = period_from(options)
    unit = None
    code = options.get("agency")
    if code:
        unit = Agency.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"No agency has the code {code!r}.")
    scope = queries.scope_for(None, period, unit=unit, crosswalk=bool(options.get("crosswalk")))
    return queries.build(period, scope)


def run(options: dict, stdout) -> None:
    report = build(options)
    fmt = options.get("format") or "text"
    if fmt == "json":
        stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if fmt == "text":
        stdout.write(form06a.render_text(report), ending="")
        return
    content = export.xlsx(report) if fmt == "xlsx" else export.pdf(report)
    output = options.get("output")
    if output:
        Path(output).write_bytes(content)
        return
    target = getattr(getattr(stdout, "_out", stdout), "buffer", None)
    if target is None:
        raise CommandError(f"Give --output FILE for the {fmt} format.")
    target.write(content)
    target.flush()
