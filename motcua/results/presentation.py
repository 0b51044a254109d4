"""What the verification page and `motcua verify` say about a checked file, in the
user's language: one headline, the problems found, and facts as (label, value) lines.
Nothing personal beyond what the document shows: the applicant's name masked."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.results import document
from motcua.results import verification as v

HEADLINES = {
    v.VALID: gettext_lazy(
        "The signature is valid: the document is intact and signed with a trusted certificate."
    ),
    v.UNTRUSTED: gettext_lazy(
        "The document is intact, but the signer's certificate is not trusted: it does not "
        "chain to a recognised certification authority, or was not valid when it signed."
    ),
    v.INVALID: gettext_lazy(
        "The signature is NOT valid: the document was changed after it was signed, or the "
        "signature is damaged."
    ),
    v.UNSIGNED: gettext_lazy("This PDF file carries no digital signature."),
    v.UNREADABLE: gettext_lazy("The file could not be read as a PDF document."),
}
PROBLEMS = {
    v.CHANGED: gettext_lazy("The signed content does not match the signature."),
    v.UPDATED: gettext_lazy("The content was changed by an update made after signing."),
    v.TIMESTAMP_BROKEN: gettext_lazy("The time-stamp of the signature is damaged."),
    v.NOT_TRUSTED: gettext_lazy(
        "The signer's certificate does not chain to a trusted certification authority, or "
        "was not valid at the time of signing."
    ),
    v.TIMESTAMP_NOT_TRUSTED: gettext_lazy(
        "The time-stamping authority's certificate is not trusted."
    ),
    v.MALFORMED: gettext_lazy("The signature could not be evaluated (it is malformed)."),
}
UNREADABLE_REASONS = {
    "not_pdf": gettext_lazy("The file is not a PDF document."),
    "encrypted": gettext_lazy("The PDF is protected by a password."),
    "damaged": gettext_lazy("The PDF is damaged."),
    "missing": gettext_lazy("The portal's stored copy of this result cannot be read."),
}


@dataclass
class Summary:
    outcome: str
    headline: str
    problems: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    issued: str = ""  # whether motcua issued this exact file

    @property
    def valid(self) -> bool:
        return self.outcome == v.VALID


def _when(value) -> str:
    if value is None:
        return "–"
    return f"{timezone.localtime(value):%H:%M:%S %d/%m/%Y} (UTC{timezone.localtime(value):%z})"


def _mask(name: str) -> str:
    from motcua.dossiers.views import mask_name

    return mask_name(name)


def summary(examination) -> Summary:
    verdict = examination.verdict
    result = Summary(verdict.outcome, str(HEADLINES[verdict.outcome]))
    if verdict.outcome == v.UNREADABLE and verdict.reason in UNREADABLE_REASONS:
        result.problems.append(str(UNREADABLE_REASONS[verdict.reason]))
    for number, check in enumerate(verdict.signatures, start=1):
        label = _("Signature")
        prefix = f"{label} {number}: " if len(verdict.signatures) > 1 else ""
        result.problems += [prefix + str(PROBLEMS[p]) for p in check.problems]
        result.facts += [
            (prefix + _("Signed by"), check.organisation or check.common_name or "–"),
            (prefix + _("Certificate"), check.subject or "–"),
            (prefix + _("Certificate issued by"), check.issuer or "–"),
            (prefix + _("Certificate serial number"), check.serial or "–"),
            (
                prefix + _("Signed at"),
                _when(check.signed_at)
                + " – "
                + (
                    _("certified by a time-stamping authority")
                    if check.timestamped
                    else _("as stated by the signer (no trusted time-stamp)")
                ),
            ),
        ]
    if verdict.sha256:
        result.facts.append(("SHA-256", verdict.sha256))
    issued = examination.issued
    if examination.stored_intact is False:
        result.issued = _(
            "The stored copy no longer matches the file the portal issued: contact the agency."
        )
    elif issued is not None:
        dossier = issued.dossier
        result.issued = _(
            "This is exactly the file the portal issued: result no. %(number)s of dossier %(code)s."
        ) % {"number": document.number_text(issued), "code": dossier.code}
        result.facts += [
            (_("Dossier code"), dossier.code),
            (_("Procedure"), dossier.procedure.name),
            (_("Issuing agency"), issued.agency.name),
            (_("Applicant"), _mask(dossier.applicant.full_name)),
            (_("Issued on"), f"{timezone.localtime(issued.issued_at):%d/%m/%Y}"),
        ]
    elif verdict.outcome not in (v.UNREADABLE,):
        result.issued = _(
            "The portal has not issued a file with exactly this content (it may be another "
            "copy, or a document from elsewhere)."
        )
    return result
