"""What a dossier owes (reads only): the fee lines of the procedure's text, the amount due,
the account a transfer goes to and the content it carries."""

from dataclasses import dataclass

from django.conf import settings

from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import Status as DossierStatus
from motcua.payments import vietqr
from motcua.payments.models import BankAccount, FeeAssessment

# A dossier ended without a result owes nothing any more.
ENDED = (DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.CLOSED)


def fee_lines(dossier: Dossier) -> list[dict]:
    """The fee table of the procedure's text in force at receipt (else of the procedure
    now): [{"name", "amount" (None: it varies), "note"}]."""
    version = dossier.procedure_version
    fees = (version.data or {}).get("fees") if version is not None else None
    if fees is None:
        fees = [
            {"name": f.name, "amount": f.amount, "note": f.note}
            for f in dossier.procedure.fees.all()
        ]
    return [
        {
            "name": str(f.get("name", "")),
            "amount": f.get("amount") if isinstance(f.get("amount"), int) else None,
            "note": str(f.get("note", "") or ""),
        }
        for f in fees
    ]


def assessment(dossier: Dossier) -> FeeAssessment | None:
    return FeeAssessment.objects.filter(dossier=dossier).select_related("assessed_by").first()


def amount_due(dossier: Dossier, assessed: FeeAssessment | None = None) -> int | None:
    """What the applicant pays: the desk's assessment; else the fees recorded at intake;
    else the fee table's sum when no fee varies. None: a fee varies and the desk has not
    set the amount yet."""
    assessed = assessed or assessment(dossier)
    if assessed is not None:
        return assessed.amount
    if dossier.fee_amount:
        return dossier.fee_amount
    lines = fee_lines(dossier)
    if any(line["amount"] is None for line in lines):
        return None
    return sum(line["amount"] for line in lines)


@dataclass
class Due:
    lines: list[dict]
    amount: int | None
    assessed: FeeAssessment | None
    paid: bool
    ended: bool

    @property
    def payable(self) -> bool:
        return bool(self.amount) and not self.paid and not self.ended

    @property
    def awaiting_assessment(self) -> bool:
        return self.amount is None and not self.paid


def due(dossier: Dossier) -> Due:
    assessed = assessment(dossier)
    return Due(
        lines=fee_lines(dossier),
        amount=amount_due(dossier, assessed),
        assessed=assessed,
        paid=dossier.fee_paid,
        ended=dossier.status in ENDED,
    )


def bank_account(dossier: Dossier) -> BankAccount | None:
    """Where a transfer for the dossier goes: the performing agency's account in use, else
    the default account (a row without agency, else settings.PAYMENTS["BANK_ACCOUNT"])."""
    accounts = BankAccount.objects.filter(is_active=True)
    account = accounts.filter(agency=dossier.performing_agency_id).first()
    account = account or accounts.filter(agency__isnull=True).first()
    if account is not None:
        return account
    default = getattr(settings, "PAYMENTS", {}).get("BANK_ACCOUNT") or {}
    if not (default.get("BIN") and default.get("NUMBER")):
        return None
    return BankAccount(
        bank_bin=default["BIN"],
        bank_name=default.get("BANK", ""),
        account_number=default["NUMBER"],
        account_name=default.get("NAME", ""),
    )


def transfer_content(dossier: Dossier) -> str:
    """The transfer's content: the dossier code (without its dots if it would not fit the
    25 characters banks carry)."""
    code = dossier.code
    return code if len(code) <= vietqr.PURPOSE_MAX else code.replace(".", "")
