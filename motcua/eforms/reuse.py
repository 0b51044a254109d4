"""The extension point for reusing documents from the personal data store (issue 9, item 4).

Not built yet: no store is registered, so an applicant attaches every required document
as a file and the application page shows no reuse choice at all.

When the personal data store exists, it registers a source here::

    from motcua.eforms import reuse

    class StoreSource:
        def candidates(self, account, required_document) -> list[Candidate]:
            ...  # the owner's stored items that can stand for this required document

        def chosen(self, account, required_document, selection) -> list[File]:
            ...  # the chosen items, as files (django.core.files.File with a .name)

    reuse.register(StoreSource())

Already wired: once a source is registered, the application view reads the applicant's
choice per required document from the inputs ``_reuse-<required document id>`` and
`services.apply` asks `documents_for` for the chosen files; they count as given, go through
the same checks as uploaded files (dossiers/uploads.py) and are attached the same way.

The work left, in this app:

- the application page lists `candidates(...)` under each required document, as a choice
  (inputs ``_reuse-<required document id>``) next to the file input (template
  eforms/apply.html, the "documents" fieldset);
- the attached document is flagged as reused (the national index counts reused
  documents), in the same transaction: a field on dossiers.DossierDocument that the store
  item adds.

See docs/eforms.md, "Reusing documents".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Candidate:
    """A stored item that can stand for a required document."""

    id: str
    title: str
    source: str  # where it came from: "the result of dossier X", "digitised on …"


class Source(Protocol):
    def candidates(self, account, required_document) -> list[Candidate]: ...

    def chosen(self, account, required_document, selection) -> list: ...


_sources: list[Source] = []


def register(source: Source) -> None:
    _sources.append(source)


def sources() -> list[Source]:
    return list(_sources)


def documents_for(procedure, required_document, account=None, selection=None) -> list:
    """Files reused for `required_document`; none until a store is registered and the
    applicant chose something from it."""
    if not _sources or account is None or not selection:
        return []
    files: list = []
    for source in _sources:
        files += source.chosen(account, required_document, selection)
    return files
