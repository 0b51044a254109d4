"""The demo traffic: N dossier rows (chain parts included) of the profile hanam-2020.

A year of dossiers received in the working days of 2020, all finished (some returned in
January 2021), more on Mondays and in December, fewer around Tết and in April 2020
(social distancing, Chỉ thị 16/CT-TTg); then the dossiers of the last RECENT_WORKING_DAYS
working days before `now`, cut at `now`, so that the queues hold open dossiers of every
urgency; then the showcase. Plans come in chronological batches of about CHUNK_ROWS rows,
each written in one transaction: the bulk plans, then those sampled for the services."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.demo import payments as demo_payments
from motcua.demo import setup
from motcua.demo.org import Org
from motcua.demo.planner import Planner
from motcua.demo.plans import Plan
from motcua.demo.showcase import Showcase
from motcua.demo.through_services import run
from motcua.demo.writer import BulkWriter
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.workflow import Action
from motcua.postal import services as postal_services
from motcua.stats import facts as stats_facts
from motcua.store import services as store_services
from motcua.worktime.calendars import get_calendar

A = Action
DEFAULT_DOSSIERS = 20_000
YEAR = setup.YEAR
RECENT_WORKING_DAYS = 10  # the open traffic: dossiers received in these days before `now`
SERVICE_SAMPLE = 250  # dossiers of the traffic made through the services
# Online dossiers come through the portal's service (demo/online.py), at most this many per
# run: all of the default seed's (about 1,700 of 20,000); volume seeds (100,000 and more)
# make the rest in bulk, as the services cost about 0.1 s per dossier.
PORTAL_MAX = 2_500
CHUNK_ROWS = 5_000  # dossier rows per transaction
# 2020: Tết (late January) and the nationwide social distancing of April (Chỉ thị
# 16/CT-TTg) slowed the counters; the end of the year is busy.
MONTH_WEIGHT = {1: 1.1, 2: 0.9, 4: 0.45, 5: 0.9, 11: 1.1, 12: 1.25}
WEEKDAY_WEIGHT = {0: 1.15, 4: 0.9}


def working_days(cal, first: date, end: date) -> list[date]:
    """The working days from `first` up to, not including, `end`."""
    day, days = first, []
    while day < end:
        if cal.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def year_days(cal, year: int = YEAR) -> list[date]:
    return working_days(cal, date(year, 1, 1), date(year + 1, 1, 1))


def recent_days(cal, now: datetime, count: int = RECENT_WORKING_DAYS) -> list[date]:
    """The last `count` working days up to now (today counts once its office hours began)."""
    local = now.astimezone(cal.tz)
    day, days = local.date(), []
    first_period = cal.hours.periods[0][0]
    if not (cal.is_working_day(day) and local.time() > first_period):
        day -= timedelta(days=1)
    while len(days) < count:
        if cal.is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def share_out(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), summing exactly."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


def day_weight(day: date) -> float:
    return MONTH_WEIGHT.get(day.month, 1.0) * WEEKDAY_WEIGHT.get(day.weekday(), 1.0)


@dataclass
class Traffic:
    """What generate_traffic made."""

    rows: int = 0
    through_services: int = 0
    by_kind: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    open_now: int = 0
    paid: Counter = field(default_factory=Counter)  # by how fees were paid ("": not paid)

    def add(self, plan: Plan) -> None:
        self.rows += plan.rows
        self.by_kind[plan.kind] += 1
        self.by_channel[plan.channel] += 1
        self.through_services += plan.rows if plan.via_services else 0
        last = plan.steps[-1].action if plan.steps else None
        self.open_now += last not in (A.RETURN_RESULT, A.REFUSE, A.WITHDRAW, A.CLOSE)


def plan_traffic(
    n: int,
    *,
    seed: int,
    now: datetime,
    org: Org,
    showcase: bool = True,
    history: list[date] | None = None,
    recent: bool = True,
):
    """Yield lists of plans (chronological, about CHUNK_ROWS rows each) making exactly `n`
    dossier rows: the `history` working days (2020's by default), then the recent working
    days (cut at now; none if not `recent`), then the showcase. A `history` given is cut
    at now too, as it may end near now: nothing happens in the future."""
    salt = f"{seed}:{n}:{Dossier.objects.count()}"  # traffic added later differs
    rng, sampler = random.Random(f"{salt}:traffic"), random.Random(f"{salt}:services")
    planner = Planner(org, rng, now)
    if not planner.tier_names:
        raise ValueError("No one-stop procedure in force has a four-step internal process.")
    cal = get_calendar(None)
    shown = Showcase(planner).plans() if showcase else []
    shown_rows = sum(p.rows for p in shown)
    if shown_rows > n // 4:
        shown, shown_rows = [], 0
    rest = n - shown_rows
    year = year_days(cal) if history is None else history
    recent = recent_days(cal, now) if recent else []
    recent_rows = round(rest * len(recent) / (len(year) + len(recent)))
    budgets = [
        *zip(year, share_out(rest - recent_rows, [day_weight(d) for d in year]), strict=True),
        *zip(recent, share_out(recent_rows, [1.0] * len(recent)), strict=True),
    ]
    p_service = min(1.0, SERVICE_SAMPLE / max(n, 1))
    portal = 0  # online plans sent through the portal's service so far
    batch, rows, carry, left = [], 0, 0, rest
    for index, (day, budget) in enumerate(budgets):
        budget -= carry
        is_recent = index >= len(year) or history is not None
        last_day = index == len(budgets) - 1
        day_plans = []
        # A chain's rows may overrun the day's share (the next days make up for it), never
        # the total.
        while left > 0 and (budget > 0 or last_day):
            plan = planner.random_plan(day, left, recent=is_recent)
            sampled = sampler.random() < p_service
            online = plan.channel == Channel.ONLINE and portal < PORTAL_MAX
            portal += online
            plan.via_services = sampled or online
            # Postal dossiers too: a pickup order and the operator's events (demo/postal.py).
            plan.via_services = plan.via_services or plan.channel == Channel.POST
            budget -= plan.rows
            left -= plan.rows
            day_plans.append(plan)
        carry = max(0, -budget)
        day_plans.sort(key=lambda p: p.arrives_at)
        batch += day_plans
        rows += sum(p.rows for p in day_plans)
        if rows >= CHUNK_ROWS:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch
    if shown:
        yield shown


def generate_traffic(
    n: int = DEFAULT_DOSSIERS,
    *,
    seed: int = YEAR,
    now: datetime | None = None,
    showcase: bool = True,
    progress=None,
    history: list[date] | None = None,
    recent: bool = True,
) -> Traffic:
    """Write `n` dossier rows of demo traffic (in transactions of about CHUNK_ROWS)."""
    now = now or timezone.now()
    org = Org()
    writer = BulkWriter(org)
    traffic = Traffic()
    batches = plan_traffic(
        n, seed=seed, now=now, org=org, showcase=showcase, history=history, recent=recent
    )
    for batch in batches:
        _write(batch, writer, traffic)
        if progress:
            progress(traffic)
    stats_facts.open_years()  # the statistics' opening balances up to this year
    return traffic


def _write(batch: list[Plan], writer: BulkWriter, traffic: Traffic) -> None:
    """One transaction: the bulk plans, their counters, then the plans for the services."""
    # Postal orders are history here: the operator's events as data, nothing sent.
    with transaction.atomic(), postal_services.recorded_history():
        for plan in batch:
            if not plan.via_services:
                writer.write(plan)
        writer.flush()
        made = []
        for plan in batch:
            if plan.via_services:
                ran = run(plan)
                made += ran
                traffic.paid[demo_payments.settle(plan, ran[0], random.Random(plan.secret))] += 1
        writer.absorb(made)
    for plan in batch:
        traffic.add(plan)


def load(
    n: int = DEFAULT_DOSSIERS,
    *,
    seed: int = YEAR,
    now=None,
    progress=None,
    showcase: bool = True,
    history: list[date] | None = None,
    recent: bool = True,
) -> dict:
    """Processes, chains, officers (where missing), then `n` dossier rows of traffic."""
    processes = setup.ensure_processes()
    chains = setup.ensure_chains()
    officers = setup.ensure_staff(seed)
    traffic = (
        generate_traffic(
            n,
            seed=seed,
            now=now,
            progress=progress,
            showcase=showcase,
            history=history,
            recent=recent,
        )
        if n
        else Traffic()
    )
    # The bulk rows bypassed the services: their scans and signed results into the store.
    store_services.backfill()
    return {"processes": processes, "chains": len(chains), "officers": officers, "traffic": traffic}
