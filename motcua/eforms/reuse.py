"""The extension point for reusing documents from the personal data store (issue 9, item 4).

The store (motcua/store, docs/store.md) registers its source here in its AppConfig.ready::

    class StoreSource:
        def candidates(self, account, required_document) -> list[Candidate]:
            ...  # the owner's stored items that can stand for this required document

        def chosen(self, account, required_document, selection) -> list[File]:
            ...  # the chosen items, as files (django.core.files.File with a .name and a
            ...  # `reused_from`: the stored item's id); raises NotAvailable for a choice
            ...  # that is not one of the account's candidates

    reuse.register(StoreSource())

The application page lists `candidates(...)` under each required document ("documents"
fieldset of eforms/apply.html: a radio group ``_reuse-<required document id>``, "attach a
file" or one stored paper, next to the file input). The view reads the choice and
`services.apply` asks `documents_for` for the chosen files: they count as given, go through
the same checks as uploaded files (dossiers/uploads.py) and are attached the same way, the
DossierDocument marked `reused_from` the stored item in the same transaction (the national
index counts dossiers reusing digitised data). A choice that is not the applicant's refuses
the application (NotAvailable → a message on that document; nothing is written).

See docs/eforms.md, "Reusing documents".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class NotAvailable(Exception):
    """A chosen item cannot be used (not the applicant's, gone, unreadable): the message
    says why; the application is refused."""


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


def candidates_for(account, required_document) -> list[Candidate]:
    """What the application page offers under `required_document`."""
    if account is None:
        return []
    found: list[Candidate] = []
    for source in _sources:
        found += source.candidates(account, required_document)
    return found


def documents_for(procedure, required_document, account=None, selection=None) -> list:
    """Files reused for `required_document`; none unless a store is registered and the
    applicant chose something from it. Raises NotAvailable for a choice that cannot be
    used."""
    if not _sources or account is None or not selection:
        return []
    files: list = []
    for source in _sources:
        files += source.chosen(account, required_document, selection)
    return files
