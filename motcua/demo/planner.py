"""The demo traffic's draws: which procedure, where, by whom, when (a seeded generator).

`Planner.make` turns one draw into a `Plan`: the applicant and documents here, the timed
actions by `life.Life` (the 2025 rules of "Life of a dossier"). Volumes, channels and
outcomes are the constants below (docs/demo-data.md); the report gives no dossier volumes,
only that most dossiers come to the counter, few online or by post, and that at least 95 %
are resolved on time."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from motcua.demo.life import Life
from motcua.demo.org import Org, demo_agencies, part_agency
from motcua.demo.people import People
from motcua.demo.plans import Plan
from motcua.demo.setup import CHAINS, STEP_ROLES
from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency
from motcua.worktime.calendars import get_calendar

R = Role

# Shares of the traffic. Tiers by dossier count; channels by the procedure's online level.
TIER_SHARE = {Level.PROVINCE: 0.22, Level.DISTRICT: 0.28, Level.COMMUNE: 0.50}
ONLINE_SHARE = {4: 0.16, 3: 0.08}
POST_SHARE = 0.015
OUTCOMES = {  # after receipt
    "normal": 0.889,
    "late": 0.035,  # an apology with a new date, the result after the legal deadline
    "supplemented": 0.05,  # a supplement request, the time limit restarts
    "supplement_withdrawn": 0.006,  # stopped at the applicant's request while awaiting it
    "closed": 0.004,  # not supplemented within 15 working days: closed
    "refused": 0.012,  # by the leader
    "withdrawn": 0.004,  # stopped at the applicant's request
}
OUTCOME_NAMES, OUTCOME_CUM = list(OUTCOMES), list(accumulate(OUTCOMES.values()))
# Online and postal dossiers, at the desk's check (before receipt).
CHECK_OUTCOMES = {"incomplete": 0.10, "refused_at_check": 0.025, "withdrawn_at_check": 0.01}
BIRTH_SHARE, DEATH_SHARE = 0.06, 0.03  # of commune dossiers
SECTOR_WEIGHT = {
    "Chứng thực": 8,
    "Hộ tịch": 4,
    "Đất đai": 4,
    "Thành lập và hoạt động của hộ kinh doanh": 4,
    "Thành lập và hoạt động doanh nghiệp": 4,
    "Lý lịch tư pháp": 3,
    "Đường bộ": 3,
    "Bảo trợ xã hội": 2,
    "Người có công": 2,
    "Hoạt động xây dựng": 2,
    "Khám bệnh, chữa bệnh": 1.5,
}
DISTRICT_WEIGHT = {"Phủ Lý": 1.6, "Duy Tiên": 1.1, "Lý Nhân": 1.2}


class Planner:
    """Draws plans from a seeded generator: which procedure, where, by whom, when."""

    def __init__(self, org: Org, rng: random.Random, now: datetime):
        self.org, self.rng, self.now = org, rng, now
        self.people = People(rng)
        self.life = Life(org, rng)
        self.chains = {}  # first link's procedure id -> (chain, share)
        spec_share = {spec.name: spec.share for spec in CHAINS}
        for chain, links in org.chains.values():
            if links and chain.name in spec_share and self._chain_ready(chain):
                self.chains[links[0].procedure_id] = (chain, spec_share[chain.name])
        shaped = [p for p in org.procedures.values() if p.one_stop and self._has_shape(p)]
        self.tiers = {}
        for level in TIER_SHARE:
            tier = [p for p in shaped if p.level == level]
            order = list(range(len(tier)))
            rng.shuffle(order)
            weights = [
                SECTOR_WEIGHT.get(p.sector.name, 1) / (rank + 4)
                for p, rank in zip(tier, order, strict=True)
            ]
            self.tiers[level] = (tier, list(accumulate(weights)))
        self.tier_names = [lv for lv in TIER_SHARE if self.tiers[lv][0]]
        self.tier_cum = list(accumulate(TIER_SHARE[lv] for lv in self.tier_names))
        self.by_name = {(p.level, p.name): p for p in shaped}
        districts = [a for a in org.agencies.values() if a.kind == AgencyKind.DISTRICT_PC]
        communes = [a for a in org.agencies.values() if a.kind == AgencyKind.COMMUNE_PC]
        self.demo = {a.pk for a in demo_agencies(org)}
        self.districts = self._weighted(districts, lambda a: self._district_weight(a))
        self.communes = self._weighted(communes, lambda a: rng.lognormvariate(0, 0.35))
        self.pools = defaultdict(list)  # district PC -> its communes, for addresses
        for commune in self.communes[0]:
            self.pools[commune.parent_id].append(commune)

    # - shapes and weights -

    def _has_shape(self, procedure) -> bool:
        """Traffic only for procedures whose processes are the four-step shape."""
        agencies = self._performers(procedure)
        return bool(agencies) and all(
            tuple(s.role for s in self.org.process_steps(procedure, a)) == STEP_ROLES
            for a in agencies
        )

    def _performers(self, procedure) -> list[Agency]:
        org = self.org
        if procedure.level == Level.PROVINCE:
            ok = procedure.agency_id in org.desks and procedure.agency_id in org.in_force
            return [procedure.agency] if ok else []
        kind = (
            AgencyKind.DISTRICT_PC if procedure.level == Level.DISTRICT else AgencyKind.COMMUNE_PC
        )
        return [
            a
            for a in org.agencies.values()
            if a.kind == kind and a.pk in org.desks and a.pk in org.in_force
        ]

    def _chain_ready(self, chain) -> bool:
        _c, links = self.org.chains[chain.pk]
        first = links[0].procedure
        if first.level != Level.COMMUNE or not first.one_stop:
            return False
        commune = next(
            (
                a
                for a in self.org.agencies.values()
                if a.kind == AgencyKind.COMMUNE_PC and a.pk in self.org.in_force
            ),
            None,
        )
        if commune is None or commune.pk not in self.org.desks:
            return False
        desk = self.org.desks[commune.pk]
        for link in links:
            agency = part_agency(desk, link, commune)
            if tuple(s.role for s in self.org.process_steps(link.procedure, agency)) != STEP_ROLES:
                return False
        return True

    def _district_weight(self, agency) -> float:
        name = agency.admin_unit.name if agency.admin_unit_id else agency.name
        return next((w for key, w in DISTRICT_WEIGHT.items() if key in name), 1.0)

    def _weighted(self, agencies, weight):
        agencies = sorted(
            (a for a in agencies if a.pk in self.org.desks and a.pk in self.org.in_force),
            key=lambda a: a.code,
        )
        weights = [weight(a) * (2.5 if self._is_demo(a) else 1) for a in agencies]
        return agencies, list(accumulate(weights))

    def _is_demo(self, agency) -> bool:
        return agency.pk in self.demo

    def _pick(self, pair):
        items, cum = pair
        return self.rng.choices(items, cum_weights=cum)[0]

    # - random plans -

    def random_plan(self, day: date, max_rows: int, recent: bool) -> Plan:
        """A dossier arriving on working day `day`, of at most `max_rows` rows."""
        rng = self.rng
        for _attempt in range(20):
            level = rng.choices(self.tier_names, cum_weights=self.tier_cum)[0]
            procedure = self._pick(self.tiers[level])
            if level == Level.COMMUNE:
                draw = rng.random()
                wanted = (
                    "Đăng ký khai sinh"
                    if draw < BIRTH_SHARE
                    else "Đăng ký khai tử"
                    if draw < BIRTH_SHARE + DEATH_SHARE
                    else None
                )
                procedure = self.by_name.get((Level.COMMUNE, wanted), procedure)
            if self.org.version_on(procedure, day) is not None:  # in force that day
                break
        if level == Level.PROVINCE:
            desk = self.org.desks[procedure.agency_id]
        elif level == Level.DISTRICT:
            desk = self.org.desks[self._pick(self.districts).pk]
        else:
            desk = self.org.desks[self._pick(self.communes).pk]
        chain = None
        if procedure.pk in self.chains:
            candidate, share = self.chains[procedure.pk]
            chain = candidate if rng.random() < share else None
        channel = Channel.COUNTER
        if chain is None:
            draw = rng.random()
            if procedure.channel_online and draw < ONLINE_SHARE.get(procedure.online_level, 0):
                channel = Channel.ONLINE
            elif procedure.channel_post and draw > 1 - POST_SHARE:
                channel = Channel.POST
        arrives = self._arrival(day, channel, desk, procedure)
        plan = self.make(procedure, desk, channel, arrives, chain=chain)
        if recent:
            plan.cut(self.now)
        if plan.rows > max_rows:  # no room for the whole chain: an ordinary dossier instead
            plan = self.make(procedure, desk, channel, arrives, chain=None)
            if recent:
                plan.cut(self.now)
        return plan

    def _arrival(self, day: date, channel: str, desk, procedure) -> datetime:
        """Counter and post: inside working hours, busier in the morning; online: any hour
        of that day or of the weekend before it."""
        rng, cal = self.rng, get_calendar(desk.agency)
        tz = cal.tz
        if channel == Channel.ONLINE:
            when = day - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            if self.org.version_on(procedure, when) is None:  # not yet in force then
                when = day
            minute = rng.randint(6 * 60, 23 * 60)
            at = datetime.combine(when, time(minute // 60, minute % 60), tzinfo=tz)
        else:
            periods = cal.hours.periods
            start, end = periods[0] if rng.random() < 0.62 else periods[-1]
            first = start.hour * 60 + start.minute + 5
            last = max(first, end.hour * 60 + end.minute - 10)
            minute = rng.randint(first, last)
            at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
        if at > self.now:
            at = self.now - timedelta(minutes=rng.randint(5, 90))
        return at

    def applicant(self, procedure, desk) -> dict:
        org = self.org
        agency = desk.agency
        if agency.kind == AgencyKind.COMMUNE_PC:
            commune = agency
        else:
            commune = self.rng.choice(self.pools.get(agency.pk) or self.communes[0])
        unit = commune.admin_unit
        district = org.agencies[commune.parent_id].admin_unit if commune.parent_id else None
        place = ", ".join(
            n[0].lower() + n[1:]
            for n in (unit.name if unit else "", district.name if district else "")
            if n
        )
        place = f"{place}, tỉnh Hà Nam" if place else "tỉnh Hà Nam"
        kinds = procedure.applicants or ""
        firm = "Cá nhân" not in kinds or ("Tổ chức" in kinds and self.rng.random() < 0.25)
        if procedure.level == Level.COMMUNE and "Cá nhân" in kinds:
            firm = False
        return self.people.organisation(place) if firm else self.people.person(place)

    def documents(self, procedure) -> list[dict]:
        return [
            {
                "required_document": d.pk,
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
            }
            for d in procedure.documents.all()
            if d.mandatory or self.rng.random() < 0.5
        ]

    # - the life of one dossier -

    def make(self, procedure, desk, channel, arrives_at, *, chain=None, kind=None) -> Plan:
        """The full plan of a dossier (not cut at now); `kind`: one of OUTCOMES or
        CHECK_OUTCOMES, or "chain" (default: drawn)."""
        rng, org = self.rng, self.org
        submit_only = channel != Channel.COUNTER
        if kind is None:
            kind = "chain" if chain else self._outcome(submit_only)
        plan = Plan(
            procedure=procedure,
            agency=services.performing_agency_for(procedure, desk),
            desk=desk,
            channel=channel,
            applicant=self.applicant(procedure, desk),
            documents=self.documents(procedure),
            arrives_at=arrives_at,
            creator=None if submit_only else org.officer(desk.agency, R.DESK_OFFICER),
            submit_only=submit_only,
            kind=kind,
            secret="".join(rng.choice(services.SECRET_ALPHABET) for _ in range(8)),
            chain=chain,
            fee=sum(f.amount or 0 for f in procedure.fees.all()),
        )
        self.life.plan(plan)
        return plan

    def _outcome(self, submit_only: bool) -> str:
        rng = self.rng
        if submit_only:
            draw = rng.random()
            for name, share in CHECK_OUTCOMES.items():
                if draw < share:
                    return name
                draw -= share
        return rng.choices(OUTCOME_NAMES, cum_weights=OUTCOME_CUM)[0]
