"""The organisation as the planner and the bulk writer see it: agencies, desks, officers,
processes, procedure versions and chains, loaded once (no query per dossier).

Where the services answer a question with a query (`services.process_for`,
`services.next_step`, `catalog.services.version_on`), `Org` answers it from memory with
the same rule; where the services keep the rule private, a small pure function below
mirrors it and says which one (`part_agency`, `chain_hours`). The comparison tests
(tests/test_both_ways.py) fail if a mirror drifts from the services."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils import timezone

from motcua.catalog.constants import Status as ProcedureStatus
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, InterAgencyChain, Process, ProcessStep
from motcua.org import demo as org_demo
from motcua.org.constants import Role
from motcua.org.models import Agency, Desk, Officer, User


class Org:
    """Agencies, desks, officers in post today, active processes and their steps, procedures
    in force with their versions, active chains. Related objects are wired (agency.parent,
    desk.agency, step.agency, procedure.agency) so that the services' public functions
    called on unsaved dossiers (`step_agency`, `deadline_for`, `check_due` …) find them
    cached."""

    def __init__(self):
        self.agencies = {a.pk: a for a in Agency.objects.select_related("admin_unit")}
        for a in self.agencies.values():
            if a.parent_id:
                a.parent = self.agencies[a.parent_id]
        self.by_code = {a.code: a for a in self.agencies.values()}
        # Agencies in force today: closed ones (a reorganisation) take no new dossiers.
        today = timezone.localdate()
        self.in_force = set(Agency.objects.valid_on(today).values_list("pk", flat=True))
        self.desks: dict[int, Desk] = {}
        for desk in Desk.objects.filter(is_active=True).order_by("pk"):
            desk.agency = self.agencies[desk.agency_id]
            self.desks.setdefault(desk.agency_id, desk)
        # The officer who acts for each (agency, role): the first post in force today of an
        # active user (services.officers_for and permissions.posts count the same posts).
        self.staff: dict[tuple[int, str], User] = {}
        posts = Officer.objects.valid_on(timezone.localdate()).filter(user__is_active=True)
        for post in posts.select_related("user").order_by("user_id", "pk"):
            self.staff.setdefault((post.agency_id, post.role), post.user)
        self.procedures = {
            p.pk: p
            for p in Procedure.objects.filter(status=ProcedureStatus.ACTIVE)
            .select_related("sector")
            .prefetch_related("documents", "fees")
            .order_by("pk")
        }
        for p in self.procedures.values():
            if p.agency_id:
                p.agency = self.agencies[p.agency_id]
        self.versions = defaultdict(list)
        for row in ProcedureVersion.objects.filter(procedure__in=list(self.procedures)).values_list(
            "procedure_id", "number", "valid_from", "valid_to", "pk"
        ):
            self.versions[row[0]].append(row[1:])
        for rows in self.versions.values():
            rows.sort(reverse=True)
        self.steps: dict[int, list[ProcessStep]] = {}
        active = ProcessStep.objects.filter(process__is_active=True)
        for step in active.order_by("process_id", "position"):
            if step.agency_id:
                step.agency = self.agencies[step.agency_id]
            self.steps.setdefault(step.process_id, []).append(step)
        self.process_of: dict[tuple[int, int | None], int] = {}
        for pk, procedure_id, agency_id in (
            Process.objects.filter(is_active=True)
            .order_by("pk")
            .values_list("pk", "procedure_id", "agency_id")
        ):
            self.process_of.setdefault((procedure_id, agency_id), pk)
        self.chains = {
            c.pk: (c, list(c.links.select_related("procedure").order_by("position", "id")))
            for c in InterAgencyChain.objects.filter(is_active=True).order_by("pk")
        }
        for _chain, links in self.chains.values():
            for link in links:
                link.procedure = self.procedures.get(link.procedure_id, link.procedure)
                if link.agency_id:
                    link.agency = self.agencies[link.agency_id]

    def process_steps(self, procedure, agency) -> list[ProcessStep]:
        """As `services.process_for(procedure, agency)`, then its steps by position."""
        pk = self.process_of.get((procedure.pk, agency.pk))
        if pk is None:
            pk = self.process_of.get((procedure.pk, None))
        return self.steps.get(pk, []) if pk else []

    def version_on(self, procedure, day: date) -> int | None:
        """As `catalog.services.version_on(procedure, day).pk`."""
        for _number, valid_from, valid_to, pk in self.versions.get(procedure.pk, ()):
            if valid_from <= day and (valid_to is None or valid_to > day):
                return pk
        return None

    def officer(self, agency, role) -> User:
        return self.staff[(agency.pk, role)]


def step_agencies(steps, performing, desk) -> list[Agency]:
    """The agency of each step for a dossier performed by `performing` and received at
    `desk` (None: a chain part): `services.step_agency` on an unsaved dossier."""
    probe = Dossier(performing_agency=performing, received_desk=desk)
    return [services.step_agency(probe, step) for step in steps]


def part_agency(desk, link, performing) -> Agency:
    """The agency of a chain link for a dossier received at `desk`.

    Mirrors `services._part_agency` (private): the link's named agency, else the agency of
    the link's level where the dossier was received (`services.performing_agency_for`),
    else the parent's performing agency."""
    if link.agency_id:
        return link.agency
    try:
        return services.performing_agency_for(link.procedure, desk, None)
    except services.DossierError:
        return performing


def chain_hours(cal, links) -> float:
    """The combined time limit of a chain in working hours: positions one after another,
    the links of a position at once.

    Mirrors the computation inside `services.start_chain` (the same float arithmetic, so
    the parent's due instant is the same to the microsecond)."""
    longest: dict[int, float] = {}
    for link in links:
        p = link.procedure
        day_hours = cal.hours.day.total_seconds() / 3600
        hours = float(p.local_duration) * (1 if p.duration_unit == "hours" else day_hours)
        longest[link.position] = max(longest.get(link.position, 0), hours)
    return sum(longest.values())


def demo_agencies(org: Org) -> list[Agency]:
    """The agencies of org.demo's desk officers (Sở Tư pháp, UBND Phủ Lý, UBND phường Quang
    Trung), found by their posts."""
    found = []
    for username, _name, _key, role, _title in org_demo.DEMO_OFFICERS:
        if role != Role.DESK_OFFICER:
            continue
        for (agency_id, post_role), user in org.staff.items():
            if post_role == role and user.username == username:
                found.append(org.agencies[agency_id])
    return found
