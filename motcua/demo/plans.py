"""A plan: the pure description of one demo dossier, before any row exists.

Procedure, desk, applicant, documents, arrival, and the timed actions with their officers
(`Step`). A plan is made either through the services (`through_services.run`) or by the
bulk writer (`writer.BulkWriter`); both make the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from motcua.catalog.models import Procedure
from motcua.dossiers.models import InterAgencyChain
from motcua.dossiers.workflow import Action
from motcua.org.models import Agency, Desk, User


@dataclass
class Step:
    """One timed action: `services.act(target, action, actor, at=at, ...)`."""

    at: datetime
    action: Action
    actor: User | None
    part: int | None = None  # the chain position of the part acted on; None: the dossier
    to_user: User | None = None
    new_due_at: datetime | None = None
    comment: str = ""  # what the applicant or the next officer reads
    reason: str = ""  # the justification a late or repeated request, a late apology needs
    result: str = ""


@dataclass
class Plan:
    procedure: Procedure
    agency: Agency  # performing
    desk: Desk
    channel: str
    applicant: dict
    documents: list[dict]
    arrives_at: datetime
    creator: User | None  # the receiving desk officer; None for a submission
    submit_only: bool
    kind: str
    secret: str
    steps: list[Step] = field(default_factory=list)
    chain: InterAgencyChain | None = None
    chain_positions: tuple[int, ...] = ()  # of the chain's links, in order
    fee: int = 0
    via_services: bool = False

    @property
    def rows(self) -> int:
        """Dossier rows the plan makes: itself and the chain parts that get opened (the
        first at receipt, each next one when the part before it completes)."""
        if self.chain is None or self.submit_only:
            return 1
        done = {s.part for s in self.steps if s.part is not None and s.action == Action.COMPLETE}
        return 2 + sum(1 for position in self.chain_positions[:-1] if position in done)

    def cut(self, now: datetime) -> Plan:
        """The plan as it stands at `now`: the steps after it have not happened."""
        self.steps = [s for s in self.steps if s.at <= now]
        return self
