"""Showcase: open dossiers of every urgency where the demo officers work.

At the agencies of org.demo's logins (Sở Tư pháp, UBND Phủ Lý, UBND phường Quang Trung),
dossiers received relative to now: one overdue, one due within a working day, one within
its deadline, one awaiting a supplement, one with its result ready (signed, not yet
collected), one submitted online (its check due), one with an apology; at the commune each
chain under way. They are made through the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from motcua.catalog.models import Procedure
from motcua.demo.life import APOLOGY_REASONS
from motcua.demo.org import demo_agencies, step_agencies
from motcua.demo.planner import Planner
from motcua.demo.plans import Plan, Step
from motcua.demo.setup import office_name
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.workflow import Action
from motcua.org.constants import AgencyKind, Level, Role
from motcua.worktime import calendars, core
from motcua.worktime.calendars import get_calendar

A, R = Action, Role

SHOWCASE = ("overdue", "due_soon", "in_time", "supplement", "ready", "submitted", "apologised")


def _candidates(cal, now: datetime, days: int = 45):
    """Receipt instants on the half hour inside working hours, newest first."""
    t = now.astimezone(cal.tz).replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    stop = t - timedelta(days=days)
    while t > stop:
        if cal.is_working_time(t) and t <= now:
            yield t
        t -= timedelta(minutes=30)


class Showcase:
    """A handful of open dossiers at each demo agency, one per urgency the queue colours
    (overdue, due within a working day, within the deadline), plus one awaiting a
    supplement, one with its result ready, one submitted online and one with an apology."""

    def __init__(self, planner: Planner):
        self.planner, self.org, self.now = planner, planner.org, planner.now

    def plans(self) -> list[Plan]:
        plans = []
        for agency in demo_agencies(self.org):
            procedures = self._procedures(agency)
            if not procedures:
                continue
            for target in SHOWCASE:
                plan = self._plan(agency, procedures, target)
                if plan is not None:
                    plans.append(plan)
            plans += self._chains(agency)
        for plan in plans:
            plan.via_services = True
        return plans

    def _procedures(self, agency) -> list[Procedure]:
        tiers = self.planner.tiers
        if agency.kind == AgencyKind.DEPARTMENT:
            found = [p for p in tiers[Level.PROVINCE][0] if p.agency_id == agency.pk]
        elif agency.kind == AgencyKind.DISTRICT_PC:
            found = [p for p in tiers[Level.DISTRICT][0] if office_name(p) == "Phòng Tư pháp"]
            found = found or tiers[Level.DISTRICT][0]
        else:
            found = [p for p in tiers[Level.COMMUNE][0] if p.sector.name == "Hộ tịch"]
            found = found or tiers[Level.COMMUNE][0]
        return sorted(found, key=lambda p: p.pk)

    def _plan(self, agency, procedures, target) -> Plan | None:
        planner, org, now, rng = self.planner, self.org, self.now, self.planner.rng
        desk = org.desks[agency.pk]
        cal, view_cal = get_calendar(agency), get_calendar(None)

        def hours(p):
            return float(services.process_hours(p))

        if target == "submitted":
            usable = [p for p in procedures if p.channel_online or p.channel_post]
            if not usable:
                return None
            p = rng.choice(usable)
            channel = Channel.ONLINE if p.channel_online else Channel.POST
            plan = planner.make(p, desk, channel, now - timedelta(minutes=rng.randint(20, 120)))
            plan.steps = []
            return plan
        long_ones = [p for p in procedures if hours(p) >= 24] or procedures
        p = rng.choice(long_ones if target in ("in_time", "apologised") else procedures)

        performing = services.performing_agency_for(p, desk)

        def due(r):
            return services.deadline_for(
                Dossier(procedure=p, performing_agency=performing, channel="counter", received_at=r)
            )

        def ahead(r):  # working hours from now to the due instant (view's calendar)
            return view_cal.elapsed(now, due(r)).total_seconds() / 3600

        def since(r):
            return cal.elapsed(r, now).total_seconds() / 3600

        def colour(r):  # the queue's one urgency rule (worktime.calendars.urgency)
            return calendars.urgency(r, due(r), now)

        wanted = {
            "overdue": lambda r: colour(r) == core.OVERDUE and -ahead(r) >= 1 and since(r) > 2,
            "due_soon": lambda r: colour(r) == core.DUE_SOON and ahead(r) > 0.5 and since(r) > 1.5,
            "in_time": lambda r: (
                colour(r) == core.WITHIN_DEADLINE and ahead(r) > 8 and since(r) > 0.5
            ),
            "supplement": lambda r: since(r) > 1.5 and due(r) > now,
            "ready": lambda r: since(r) > 3 and due(r) > now,
            "apologised": lambda r: 8 < ahead(r) <= 24 and since(r) > 1,
        }[target]
        received = next((r for r in _candidates(cal, now) if wanted(r)), None)
        if received is None:
            return None
        plan = planner.make(p, desk, Channel.COUNTER, received, kind="normal")
        steps = org.process_steps(p, plan.agency)
        where = step_agencies(steps, plan.agency, desk)
        desk_officer = org.officer(agency, R.DESK_OFFICER)
        specialist = org.officer(where[1], R.SPECIALIST)
        leader = org.officer(where[2], R.LEADER)

        def at(minutes):
            return cal.add(received, minutes / 60, "hours")

        flow = [Step(at(15), A.FORWARD, desk_officer, to_user=specialist)]
        if target == "due_soon":
            flow.append(Step(at(60), A.FORWARD, specialist, to_user=leader))
        elif target == "supplement":
            reason = planner.life.supplement_items(plan)
            flow.append(Step(at(60), A.REQUEST_SUPPLEMENT, specialist, comment=reason))
        elif target == "ready":
            flow += [
                Step(at(90), A.FORWARD, specialist, to_user=leader),
                Step(at(150), A.COMPLETE, leader, result=planner.life.result(p)),
            ]
        elif target == "apologised":
            apology = max(at(30), now - timedelta(minutes=5))
            flow.append(
                Step(
                    apology,
                    A.APOLOGISE,
                    org.officer(plan.agency, R.LEADER),
                    new_due_at=cal.add(due(received), 24, "hours"),
                    comment=rng.choice(APOLOGY_REASONS),
                )
            )
        plan.steps = flow
        plan.kind = f"showcase:{target}"
        return plan.cut(now)

    def _chains(self, agency) -> list[Plan]:
        """At the commune: each chain with a part under way at another agency."""
        if agency.kind != AgencyKind.COMMUNE_PC:
            return []
        plans, cal, now = [], get_calendar(agency), self.now
        desk = self.org.desks[agency.pk]
        for procedure_id, (chain, _share) in sorted(self.planner.chains.items()):
            procedure = self.org.procedures[procedure_id]
            received = next(
                (
                    r
                    for r in _candidates(cal, self.now)
                    if cal.elapsed(r, now) > timedelta(hours=12)
                ),
                None,
            )
            if received is None:
                continue
            plan = self.planner.make(procedure, desk, Channel.COUNTER, received, chain=chain)
            plan.kind = "showcase:chain"
            plans.append(plan.cut(self.now))
        return plans
