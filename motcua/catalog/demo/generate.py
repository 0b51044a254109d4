"""Demo catalogue of Hà Nam as in 2020 (profile `hanam-2020`).

Builds, through the catalogue services, a publication history whose counts equal the
province's 2017–2020 report (shared/domain/hanam-2020-figures.json):

- a baseline decision of 2016 publishing the procedures that were in force before the
  programme (BASELINE below; none of its items fall in the report period);
- 71 decisions in 2017–2020 with 2,379 new, 341 amended, 27 replacing (30 replaced) and
  793 abolished procedures; 2,393 of the 2,747 new/amended/replacing items cut the time
  limit, and their local/statutory days add up to 20,723/45,464;
- 1,972 procedures in force at the end, by tier, one-stop, inter-agency and online level
  exactly as the report counts them.

Names, sectors, agencies and statutory time limits come from motcua/catalog/demo/data/
(real procedure names compiled from the national procedure database). Where the tier
needs more procedures than the list has names, the generator derives the real variants
of licensing procedures (cấp lại, điều chỉnh, gia hạn …). Everything is deterministic.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from motcua.catalog import services
from motcua.catalog.constants import DurationUnit
from motcua.catalog.demo.fees import fees_for

DATA = Path(__file__).parent / "data"
FIGURES_LEVELS = ("province", "district", "commune")

# The report's figures (hanam-2020-figures.json), restated as generation targets.
ACTIVE = {"province": 1452, "district": 343, "commune": 177}
NOT_ONE_STOP = {"province": 25, "district": 52, "commune": 0}
INTER_AGENCY = 216
ONLINE = {  # level -> tier -> count
    4: {"province": 733, "district": 106, "commune": 39},
    3: {"province": 624, "district": 215, "commune": 126},
    2: {"province": 95, "district": 22, "commune": 12},
}
DECISIONS = 71
NEW, AMENDED, REPLACING, REPLACED_OLD, ABOLISHED = 2379, 341, 27, 30, 793
CUT, LOCAL_DAYS, STATUTORY_DAYS = 2393, 20723, 45464
# Procedures in force before 2017: whatever the programme did not create must have
# existed already, so that created − removed = in force at the end.
BASELINE = sum(ACTIVE.values()) - (NEW + REPLACING) + (ABOLISHED + REPLACED_OLD)

PERIOD_START, PERIOD_END = date(2017, 1, 1), date(2020, 12, 31)
BASELINE_DAY = date(2016, 9, 30)
VARIANT_PREFIXES = ("Cấp lại", "Điều chỉnh", "Gia hạn", "Cấp đổi")
NOT_CUTTABLE_SECTORS = (
    "Tôn giáo",
    "Tiếp công dân",
    "Khiếu nại",
    "Tố cáo",
    "Phòng, chống tham nhũng",
)


@dataclass
class Plan:
    """One procedure's life in the demo history."""

    key: int
    name: str
    level: str
    agency: str
    sector: str
    statutory: int
    unit: str
    code: str = ""
    one_stop: bool = True
    inter_agency: bool = False
    online_level: int = 2
    active: bool = True
    baseline: bool = False
    created_item: str = "new"  # new | replaced
    replaces: list[int] = field(default_factory=list)
    removal: str = ""  # abolished | replaced
    events: list[tuple[int, str]] = field(default_factory=list)  # (decision index, action)


def load_content() -> tuple[dict, dict, list[dict]]:
    """Agencies, sectors by name, and procedure entries of every list in data/procedures/."""
    agencies = json.loads((DATA / "hanam_agencies.json").read_text(encoding="utf-8"))
    sectors: dict[str, dict] = {}
    procedures: list[dict] = []
    for path in sorted((DATA / "procedures").glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        for sector in content["sectors"]:
            sectors.setdefault(sector["name"], sector)
        procedures += content["procedures"]
    seen: set[tuple] = set()
    unique = []
    for entry in procedures:  # a procedure listed by two groups is kept once
        key = (entry["name"], entry["level"], entry["agency"])
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return agencies, sectors, unique


def _variant(name: str, prefix: str) -> str | None:
    """The real variant of a licence procedure: "Cấp giấy phép X" → "Cấp lại giấy phép X"."""
    if not name.startswith("Cấp ") or name.startswith(VARIANT_PREFIXES):
        return None
    rest = name[4:]
    if prefix == "Cấp lại":
        return f"Cấp lại {rest}"
    return f"{prefix} {rest[0].lower()}{rest[1:]}"


CHAIN_NAMES = (
    "Đăng ký khai tử",
    "Xóa đăng ký thường trú",
    "Đăng ký khai sinh",
    "Đăng ký thường trú",
    "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
)


def _names_for_tier(entries: list[dict], needed: int) -> list[dict]:
    """At least `needed` distinct one-stop entries of a tier: real names, then variants."""
    chosen = [e for e in entries if e.get("one_stop", True) is not False]
    seen = {(e["name"], e["agency"]) for e in entries}
    for prefix in VARIANT_PREFIXES:
        for entry in list(chosen):
            if len(chosen) >= needed:
                return chosen
            name = _variant(entry["name"], prefix)
            if name and (name, entry["agency"]) not in seen:
                seen.add((name, entry["agency"]))
                chosen.append(
                    {**entry, "name": name, "code": "", "inter_agency": False, "variant": True}
                )
    if len(chosen) < needed:
        raise ValueError(f"only {len(chosen)} names for {needed} procedures")
    return chosen


def plan_catalogue(rng: random.Random, entries: list[dict]) -> list[Plan]:
    """Decide every procedure of the history: tier, name, attributes, in force or not."""
    by_tier = defaultdict(list)
    for entry in entries:
        by_tier[entry["level"]].append(entry)
    removed_total = ABOLISHED + REPLACED_OLD
    all_active = sum(ACTIVE.values())
    removed_by_tier = {lv: removed_total * ACTIVE[lv] // all_active for lv in FIGURES_LEVELS}
    removed_by_tier["province"] += removed_total - sum(removed_by_tier.values())
    plans: list[Plan] = []
    for level in FIGURES_LEVELS:
        tier = sorted(by_tier[level], key=lambda e: (e["agency"], e["name"]))
        outside = [e for e in tier if e.get("one_stop") is False]
        outside.sort(key=lambda e: e["name"] not in CHAIN_NAMES)  # stable: chains first
        not_one_stop = outside[: NOT_ONE_STOP[level]]
        if len(not_one_stop) < NOT_ONE_STOP[level]:
            raise ValueError(f"{level}: {len(not_one_stop)} names outside the one-stop desk")
        needed = ACTIVE[level] - len(not_one_stop)
        pool = _names_for_tier(tier, needed)

        # In force at the end: the chains' and other inter-agency procedures, then the real
        # names in random order, then variants; the rest of the pool is history only.
        def priority(entry, _rng=rng):
            return (
                entry["name"] not in CHAIN_NAMES,
                not entry.get("inter_agency"),
                bool(entry.get("variant")),
                _rng.random(),
            )

        pool.sort(key=priority)
        active, spare = not_one_stop + pool[:needed], pool[needed:]
        plans += [_plan(len(plans) + i, e, active=True) for i, e in enumerate(active)]
        # Removed procedures: a third are distinct (truly abolished) procedures, the rest
        # earlier publications of procedures later re-published under a new code.
        for i in range(removed_by_tier[level]):
            source = spare[i // 3] if i % 3 == 0 and i // 3 < len(spare) else rng.choice(active)
            plans.append(_plan(len(plans), {**source, "code": "", "one_stop": True}, active=False))
    _assign_flags(rng, plans)
    return plans


def _plan(key: int, entry: dict, active: bool) -> Plan:
    unit = "hours" if entry.get("unit") == "hours" else "days"
    statutory = int(entry.get("statutory") or (8 if unit == "hours" else 10))
    return Plan(
        key=key,
        name=entry["name"],
        level=entry["level"],
        agency=entry["agency"],
        sector=entry["sector"],
        statutory=statutory,
        unit=unit,
        code=entry.get("code") or "",
        one_stop=entry.get("one_stop", True) is not False,
        inter_agency=bool(entry.get("inter_agency")),
        active=active,
    )


def _assign_flags(rng: random.Random, plans: list[Plan]) -> None:
    active = [p for p in plans if p.active]
    for level in FIGURES_LEVELS:
        tier = [p for p in active if p.level == level]
        not_one_stop = [p for p in tier if not p.one_stop]
        one_stop = [p for p in tier if p.one_stop]
        rng.shuffle(one_stop)
        # Services done at the agencies' own units are rarely online: they take level 2 first.
        queue = iter(not_one_stop + one_stop)
        for online_level in (2, 3, 4):
            for _ in range(ONLINE[online_level][level]):
                next(queue).online_level = online_level
    flagged = sorted((p for p in active if p.inter_agency), key=lambda p: p.name not in CHAIN_NAMES)
    for p in flagged[INTER_AGENCY:]:
        p.inter_agency = False
    unflagged = [p for p in active if not p.inter_agency]
    for p in rng.sample(unflagged, max(0, INTER_AGENCY - len(flagged))):
        p.inter_agency = True
    for p in plans:
        if not p.active:
            p.inter_agency, p.online_level = False, rng.choice((2, 3))


def plan_history(rng: random.Random, plans: list[Plan]) -> None:
    """Place each procedure's creation, amendment and removal among the 71 decisions
    (indexes 0–70, in date order); baseline procedures exist before the first."""
    last = DECISIONS - 1
    active = [p for p in plans if p.active]
    removed = [p for p in plans if not p.active]
    rng.shuffle(removed)
    replaced_old, abolished = removed[:REPLACED_OLD], removed[REPLACED_OLD:]
    # 27 new procedures replace 30 old ones: three of them replace two each.
    replacing = rng.sample(active, REPLACING)
    groups = [replaced_old[0:2], replaced_old[2:4], replaced_old[4:6]]
    groups += [[p] for p in replaced_old[6:]]
    for new, olds in zip(replacing, groups, strict=True):
        new.created_item = "replaced"
        new.replaces = [o.key for o in olds]
        for old in olds:
            old.removal = "replaced"
            old.level, old.agency, old.sector = new.level, new.agency, new.sector
    for p in abolished:
        p.removal = "abolished"
    # Baseline: whatever was not created by the programme; mostly procedures it later removed.
    candidates = [p for p in plans if p.created_item == "new"]
    rng.shuffle(candidates)
    candidates.sort(key=lambda p: p.active)
    baseline_from_removed = min(len(removed), BASELINE * 3 // 4)
    for p in candidates[:baseline_from_removed]:
        p.baseline = True
    rest = [p for p in candidates if not p.baseline and p.active]
    for p in rest[: BASELINE - baseline_from_removed]:
        p.baseline = True
    amended = set(rng.sample([p.key for p in active if p.created_item == "new"], AMENDED))
    for p in replacing:
        p.events = [(rng.randint(1, last), "create")]
    for p in plans:
        if p.created_item == "replaced":
            continue
        needs_later = p.key in amended or p.removal == "abolished"
        if not p.baseline:
            p.events.append((rng.randint(0, last - 1 if needs_later else last), "create"))
        after = p.events[0][0] + 1 if p.events else 0
        if p.key in amended:
            p.events.append((rng.randint(after, last), "amend"))
        elif p.removal == "abolished":
            p.events.append((rng.randint(after, last), "abolish"))
    for new in replacing:
        for key in new.replaces:
            old = plans[key]
            if not old.baseline:
                old.events = [(rng.randint(0, new.events[0][0] - 1), "create")]
    counts = defaultdict(int)
    for p in plans:
        for _, action in p.events:
            counts[action if p.created_item == "new" or action != "create" else "replace"] += 1
    assert counts == {
        "create": NEW,
        "replace": REPLACING,
        "amend": AMENDED,
        "abolish": ABOLISHED,
    }, dict(counts)


def plan_durations(rng: random.Random, plans: list[Plan]) -> dict[tuple[int, str], tuple]:
    """Time limits for every new, replacing and amending item of the period, adding up to the
    report's totals. Returns {(plan key, "create"|"amend"): (unit, statutory, local)}."""
    items = [(p, action) for p in plans for _, action in p.events if action != "abolish"]
    assert len(items) == NEW + AMENDED + REPLACING, len(items)
    n_uncut = len(items) - CUT

    def order(i: int):
        p = items[i][0]
        uncuttable = p.sector.startswith(NOT_CUTTABLE_SECTORS)
        return (p.unit != "hours", not uncuttable, p.statutory, rng.random())

    # Same-day procedures, then the sectors the report names, then the shortest limits:
    # those are the items whose time limit was not cut.
    ranked = sorted(range(len(items)), key=order)
    not_cut, cut = set(ranked[:n_uncut]), ranked[n_uncut:]
    hours = [i for i in range(len(items)) if items[i][0].unit == "hours"]
    if not set(hours) <= not_cut:
        raise ValueError("more same-day procedures than the report's uncut ones")
    days = [i for i in range(len(items)) if items[i][0].unit == "days"]
    floor = {i: 1 if i in not_cut else 2 for i in days}
    # Statutory days: the published value, scaled so that the period adds up to the report.
    natural = {i: max(floor[i], items[i][0].statutory) for i in days}
    factor = (STATUTORY_DAYS - len(hours)) / sum(natural.values())
    statutory = {i: max(floor[i], round(v * factor)) for i, v in natural.items()}
    _nudge(statutory, STATUTORY_DAYS - len(hours), rng, {i: (floor[i], 10_000) for i in days})
    # Local days: equal for the uncut; the cut share what is left, each at least a day less.
    local = {i: statutory[i] for i in days if i in not_cut}
    remaining = LOCAL_DAYS - len(hours) - sum(local.values())
    cut_total = sum(statutory[i] for i in cut)
    cut_local = {
        i: min(statutory[i] - 1, max(1, round(statutory[i] * remaining / cut_total))) for i in cut
    }
    _nudge(cut_local, remaining, rng, {i: (1, statutory[i] - 1) for i in cut})
    local.update(cut_local)
    result = {}
    for i, (p, action) in enumerate(items):
        if p.unit == "hours":
            result[(p.key, action)] = (DurationUnit.WORKING_HOURS, 8, 8)
        else:
            result[(p.key, action)] = (DurationUnit.WORKING_DAYS, statutory[i], local[i])
    return result


def _nudge(values: dict, target: int, rng: random.Random, bounds: dict) -> None:
    """Move single days, at random among keys with room, until `values` sum to `target`."""
    keys = sorted(values)
    diff = target - sum(values.values())
    step = 1 if diff > 0 else -1
    room = [k for k in keys if bounds[k][0] <= values[k] + step <= bounds[k][1]]
    if diff and not room:
        raise ValueError("the time limits cannot reach the report's totals")
    while diff:
        k = rng.choice(keys)
        low, high = bounds[k]
        if low <= values[k] + step <= high:
            values[k] += step
            diff -= step


# --- Writing the plan through the services -------------------------------------------------


def _decision_dates(rng: random.Random) -> list[date]:
    span = (PERIOD_END - PERIOD_START).days
    return sorted(PERIOD_START + timedelta(days=rng.randrange(span)) for _ in range(DECISIONS))


def _text(p: Plan, sectors: dict, agencies: dict, meta: dict, durations: tuple) -> dict:
    unit, statutory, local = durations
    sector = sectors[p.sector]
    if p.level == "province":
        dept = meta["departments_by_short"][p.agency]
        agency_code = agencies[p.agency].code
        performing = dept["name"]
        where = (
            f"Trung tâm Phục vụ hành chính công tỉnh Hà Nam (Số 07, đường Trần Phú, phường Quang "
            f"Trung, thành phố Phủ Lý), quầy {dept['name']}"
            if p.one_stop
            else f"Trụ sở đơn vị trực thuộc {dept['name']}"
        )
    elif p.level == "district":
        office = meta["district_by_short"].get(p.agency, {"name": "UBND cấp huyện"})
        agency_code = ""
        performing = f"UBND cấp huyện ({office['name']})" if p.one_stop else office["name"]
        where = (
            "Bộ phận tiếp nhận và trả kết quả của UBND cấp huyện"
            if p.one_stop
            else f"Trụ sở {office['name']} cấp huyện"
        )
    else:
        agency_code = ""
        performing = "UBND cấp xã"
        where = "Bộ phận tiếp nhận và trả kết quả của UBND cấp xã"
    online = p.online_level
    channels = "trực tiếp tại " + where[0].lower() + where[1:]
    if online >= 3:
        channels += "; hoặc trực tuyến tại Cổng Dịch vụ công tỉnh Hà Nam (dichvucong.hanam.gov.vn)"
    if p.one_stop:
        channels += "; hoặc qua dịch vụ bưu chính công ích"
    lower_name = p.name[0].lower() + p.name[1:]
    documents = [
        {
            "name": f"Đơn (tờ khai) đề nghị {lower_name} (theo mẫu)",
            "originals": 1,
            "copies": 0,
            "mandatory": True,
            "form": "Mẫu ban hành kèm theo văn bản quy định",
        },
        *(
            {
                "name": d["name"],
                "originals": d.get("originals", 1),
                "copies": d.get("copies", 0),
                "mandatory": True,
                "form": "",
            }
            for d in sector.get("documents", [])[:4]
        ),
    ]
    fee_text = sector.get("fee", "Không")
    return {
        "code": p.code,
        "name": p.name,
        "level": p.level,
        "performing_agency": performing,
        "applicants": sector.get("applicants", "Cá nhân, Tổ chức"),
        "steps": (
            f"Bước 1: Tổ chức, cá nhân chuẩn bị hồ sơ theo quy định và nộp {channels}.\n"
            "Bước 2: Công chức tiếp nhận kiểm tra hồ sơ: hồ sơ đầy đủ thì tiếp nhận và hẹn trả "
            "kết quả; hồ sơ chưa đầy đủ thì hướng dẫn bổ sung, hoàn thiện một lần.\n"
            f"Bước 3: {performing} thẩm định, giải quyết hồ sơ.\n"
            "Bước 4: Tổ chức, cá nhân nhận kết quả theo ngày hẹn tại nơi nộp hồ sơ, qua dịch vụ "
            "bưu chính công ích hoặc trực tuyến."
        ),
        "where_to_apply": where,
        "channel_counter": True,
        "channel_online": online >= 3,
        "channel_post": p.one_stop,
        "duration_unit": unit,
        "statutory_duration": statutory,
        "local_duration": local,
        "duration_note": "kể từ ngày nhận đủ hồ sơ hợp lệ",
        "fee_text": fee_text,
        "result": sector.get("result", ""),
        "legal_basis": "\n".join(sector.get("legal_basis", [])),
        "conditions": "",
        "online_level": online,
        "online_scope": {4: "full", 3: "partial"}.get(online, ""),
        "one_stop": p.one_stop,
        "inter_agency": p.inter_agency,
        "restart_on_supplement": True,
        "sector": {"code": sector["code"], "name": sector["name"]},
        "agency": agency_code,
        "documents": documents,
        "fees": fees_for(p.name, p.level),
    }


def _decision_title(number: str, agency_name: str) -> str:
    return (
        "Quyết định về việc công bố danh mục thủ tục hành chính mới ban hành, sửa đổi, bổ sung, "
        f"thay thế, bãi bỏ thuộc thẩm quyền giải quyết của {agency_name} tỉnh Hà Nam"
    )


def generate(agencies: dict, seed: int = 2020, stdout=None) -> dict:
    """Write the demo catalogue; `agencies` maps department short keys to Agency rows."""
    rng = random.Random(seed)
    meta, sectors, entries = load_content()
    meta["departments_by_short"] = {d["short"]: d for d in meta["departments"]}
    meta["district_by_short"] = {
        o["short"]: o for o in meta.get("district_offices", []) + meta.get("district_other", [])
    }
    plans = plan_catalogue(rng, entries)
    plan_history(rng, plans)
    durations = plan_durations(rng, plans)
    _assign_codes(plans)

    province_pc = agencies["ubnd_tinh"]
    baseline_decision = services.create_decision(
        "2105/QĐ-UBND",
        _decision_title("2105/QĐ-UBND", "các cấp chính quyền"),
        BASELINE_DAY,
        BASELINE_DAY,
        issuer="Chủ tịch UBND tỉnh Hà Nam",
        agency=province_pc,
    )
    for p in plans:
        if p.baseline:
            statutory = p.statutory if p.unit == "days" else 8
            text = _text(p, sectors, agencies, meta, (p.unit, statutory, statutory))
            services.create_procedure(
                text, effective_on=BASELINE_DAY, decision=baseline_decision, agencies={}
            )
    from motcua.catalog.models import Procedure

    by_key: dict[int, Procedure] = {}
    for p in plans:
        if p.baseline:
            by_key[p.key] = Procedure.objects.get(code=p.code)

    schedule = defaultdict(list)
    for p in plans:
        for index, action in p.events:
            schedule[index].append((p, action))
    dates = _decision_dates(rng)
    numbers = sorted(rng.sample(range(120, 2900), DECISIONS))
    agency_by_code = {a.code: a for a in agencies.values() if hasattr(a, "code")}
    for index, day in enumerate(dates):
        number = f"{numbers[index]}/QĐ-UBND"
        decision = services.create_decision(
            number,
            _decision_title(number, "các Sở, ban, ngành; UBND cấp huyện, cấp xã"),
            day,
            day,
            issuer="Chủ tịch UBND tỉnh Hà Nam",
            agency=province_pc,
        )
        # Within a decision: new ones first, then amendments, replacements, abolitions.
        order = {"create": 0, "amend": 1, "abolish": 2}
        for p, action in sorted(schedule[index], key=lambda e: (order[e[1]], e[0].key)):
            if action == "create":
                text = _text(p, sectors, agencies, meta, durations[(p.key, "create")])
                if p.replaces:
                    by_key[p.key] = services.replace_procedures(
                        [by_key[k] for k in p.replaces],
                        text,
                        effective_on=day,
                        decision=decision,
                        agencies=agency_by_code,
                    )
                else:
                    by_key[p.key] = services.create_procedure(
                        text, effective_on=day, decision=decision, agencies=agency_by_code
                    )
            elif action == "amend":
                text = _text(p, sectors, agencies, meta, durations[(p.key, "amend")])
                by_key[p.key] = services.amend_procedure(
                    by_key[p.key],
                    text,
                    effective_on=day,
                    decision=decision,
                    agencies=agency_by_code,
                )
            else:
                services.abolish_procedure(by_key[p.key], effective_on=day, decision=decision)
    return {"procedures": len(plans), "decisions": DECISIONS + 1}


def _assign_codes(plans: list[Plan]) -> None:
    """Real national codes where known, and only once; local demo codes otherwise."""
    used = set()
    for p in sorted(plans, key=lambda p: not p.active):
        if p.code and p.code not in used:
            used.add(p.code)
        else:
            p.code = ""
    tier_letter = {"province": "T", "district": "H", "commune": "X"}
    for n, p in enumerate(plans, start=1):
        if not p.code:
            p.code = f"HNA.{tier_letter[p.level]}{n:05d}"
