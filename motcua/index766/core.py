"""Arithmetic of the QĐ 766/QĐ-TTg index. No Django imports.

The index has five groups worth 18/20/22/22/18 points (rules file, "QĐ 766/QĐ-TTg
index"). Each indicator is a rate (numerator / denominator, in percent) judged against a
threshold: at or above it the indicator earns its full points, below it
rate × points / threshold. Thresholds and the points of each indicator inside its group
are data (GROUPS, INDICATORS, POINTS): the national portal did not publish the split, so
by default a group's points are shared equally among its indicators [check].

An indicator whose data the system does not hold yet scores 0 and names the capability
that will feed it (`fed_by`). Names are English msgids; the caller translates them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from motcua.core.numbers import percent


def gettext_noop(text: str) -> str:
    """Marks a msgid for extraction (makemessages knows this name); translated later."""
    return text


CENT = Decimal("0.01")
HUNDRED = Decimal(100)

OK = "ok"
NO_DATA = "no_data"

# What an indicator counts: its drill-down lists dossiers only for "dossiers".
DOSSIERS, PROCEDURES, DECISIONS = "dossiers", "procedures", "decisions"


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class Spec:
    key: str
    group: str
    name: str
    threshold: Decimal  # percent at which the indicator earns its full points
    about: str | None = None  # DOSSIERS, PROCEDURES, DECISIONS
    fed_by: str | None = None  # the capability that will feed it; None: computed now


GROUPS: tuple[Group, ...] = (
    Group("transparency", gettext_noop("Transparency"), Decimal(18)),
    Group("progress", gettext_noop("Progress and results of handling"), Decimal(20)),
    Group("online", gettext_noop("Online services"), Decimal(22)),
    Group("digitisation", gettext_noop("Digitisation of dossiers"), Decimal(22)),
    Group("satisfaction", gettext_noop("Satisfaction"), Decimal(18)),
)

# Capabilities that do not exist yet; each will feed the indicators naming it.
NATIONAL_PORTAL_SYNC = gettext_noop("National portal sync")
NATIONAL_DATABASE_SYNC = gettext_noop("National procedure database sync")
VNEID = gettext_noop("VNeID identity verification")
FEEDBACK = gettext_noop("Feedback and complaints (PAKN)")
RATINGS = gettext_noop("Satisfaction ratings")

D = Decimal
INDICATORS: tuple[Spec, ...] = (
    # Công khai, minh bạch
    Spec("announced_on_time", "transparency",
         gettext_noop("Procedures announced on time"), D(100), DECISIONS),
    Spec("national_database", "transparency",
         gettext_noop("Procedures published on the national database within 5 working days"),
         D(100), PROCEDURES, NATIONAL_DATABASE_SYNC),
    Spec("complete_components", "transparency",
         gettext_noop("Procedures published with every component"), D(100), PROCEDURES),
    Spec("synced_dossiers", "transparency",
         gettext_noop("Dossiers synced to the national portal"), D(100), DOSSIERS,
         NATIONAL_PORTAL_SYNC),
    # Tiến độ, kết quả giải quyết
    Spec("on_time", "progress",
         gettext_noop("Dossiers handled on time (finished on time + open within time)"),
         D(100), DOSSIERS),
    Spec("handling_time", "progress",
         gettext_noop("Procedures whose average handling time is within their time limit"),
         D(100), DOSSIERS),
    # Cung cấp dịch vụ trực tuyến
    Spec("offered_online", "online",
         gettext_noop("Procedures offered online"), D(80), PROCEDURES),
    Spec("online_used", "online",
         gettext_noop("Online services that received at least one online dossier"),
         D(100), PROCEDURES),
    Spec("online_dossiers", "online",
         gettext_noop("Dossiers received online"), D(50), DOSSIERS),
    Spec("online_payment_procedures", "online",
         gettext_noop("Fee-bearing procedures integrated for online payment"), D(80),
         PROCEDURES),
    Spec("paid_online", "online",
         gettext_noop("Dossiers paid online"), D(100), DOSSIERS),
    # Số hóa hồ sơ
    Spec("electronic_result", "digitisation",
         gettext_noop("Dossiers with an electronic result"), D(100), DOSSIERS),
    Spec("digitised", "digitisation",
         gettext_noop("Dossiers digitised (every paper attached as a file)"), D(80), DOSSIERS),
    Spec("reused", "digitisation",
         gettext_noop("Dossiers reusing digitised data"), D(80), DOSSIERS),
    Spec("store_linked", "digitisation",
         gettext_noop("Dossiers linked to the personal data store"), D(100), DOSSIERS),
    Spec("vneid", "digitisation",
         gettext_noop("Dossiers using population data (VNeID-verified)"), D(100), DOSSIERS,
         VNEID),
    # Mức độ hài lòng
    Spec("pakn_on_time", "satisfaction",
         gettext_noop("Feedback and complaints handled on time"), D(100), None, FEEDBACK),
    Spec("pakn_satisfaction", "satisfaction",
         gettext_noop("Satisfaction with the handling of feedback and complaints"), D(100),
         None, RATINGS),
    Spec("handling_satisfaction", "satisfaction",
         gettext_noop("Satisfaction with handling (100 minus late and complaint rates)"),
         D(90), DOSSIERS),
)  # fmt: skip
SPECS = {spec.key: spec for spec in INDICATORS}

# Points of each indicator inside its group [check]: not published; default equal shares.
# An entry here overrides the equal share; a group's entries must add up to its points.
POINTS: dict[str, Decimal] = {}

# The part of handling satisfaction that needs the feedback module (complaints, dislikes).
PARTLY_FED_BY = {"handling_satisfaction": FEEDBACK}


def points_table(overrides: dict[str, Decimal] | None = None) -> dict[str, Decimal]:
    """Each indicator's maximum points: the override, or an equal share of its group."""
    overrides = POINTS if overrides is None else overrides
    table = {}
    for group in GROUPS:
        keys = [s.key for s in INDICATORS if s.group == group.key]
        share = group.max_points / len(keys)
        for key in keys:
            table[key] = Decimal(overrides.get(key, share))
        total = sum(table[k] for k in keys)
        if total != group.max_points:
            raise ValueError(
                f"points of group {group.key} add up to {total}, not {group.max_points}"
            )
    return table


def score(numerator: int, denominator: int, threshold: Decimal, max_points: Decimal) -> Decimal:
    """rate ≥ threshold: full points; below: rate × points / threshold (0.01 points)."""
    if not denominator:
        return Decimal(0).quantize(CENT)
    rate = Decimal(numerator) * HUNDRED / Decimal(denominator)
    return score_rate(rate, threshold, max_points)


def score_rate(rate: Decimal, threshold: Decimal, max_points: Decimal) -> Decimal:
    if rate >= threshold:
        return Decimal(max_points).quantize(CENT)
    rate = max(rate, Decimal(0))
    return (rate * max_points / threshold).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Count:
    """What the records gave for one indicator. `rate` overrides numerator/denominator
    (handling satisfaction's 100% − late rate)."""

    numerator: int = 0
    denominator: int = 0
    rate: Decimal | None = None
    detail: list = field(default_factory=list)


def satisfaction_count(on_time: int, total: int, complaints: int | None = None) -> Count:
    """100% − (late rate + share of dossiers with a complaint or a dislike). `complaints`
    None: the feedback module does not exist yet, so that share is taken as 0."""
    late = total - on_time
    if not total:
        return Count(on_time, total, None)
    late_rate = Decimal(late) * HUNDRED / Decimal(total)
    complaint_rate = Decimal(complaints or 0) * HUNDRED / Decimal(total)
    return Count(total - late, total, HUNDRED - late_rate - complaint_rate)


def indicator(spec: Spec, count: Count | None, max_points: Decimal) -> dict:
    row = {
        "key": spec.key,
        "name": spec.name,
        "about": spec.about,
        "threshold": spec.threshold,
        "max_points": max_points,
    }
    if spec.fed_by is not None or count is None:
        return row | {
            "status": NO_DATA,
            "fed_by": spec.fed_by,
            "numerator": 0,
            "denominator": 0,
            "rate": None,
            "points": Decimal(0).quantize(CENT),
            "detail": [],
        }
    if count.rate is not None:
        exact = count.rate
        rate = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        exact = (
            Decimal(count.numerator) * HUNDRED / Decimal(count.denominator)
            if count.denominator
            else None
        )
        rate = percent(count.numerator, count.denominator)
    points = (
        Decimal(0).quantize(CENT)
        if exact is None
        else score_rate(exact, spec.threshold, max_points)
    )
    return row | {
        "status": OK,
        "fed_by": PARTLY_FED_BY.get(spec.key),
        "numerator": count.numerator,
        "denominator": count.denominator,
        "rate": rate,
        "points": points,
        "detail": count.detail,
    }


def evaluate(counts: dict[str, Count], points: dict[str, Decimal] | None = None) -> dict:
    """The index from the counts of the indicators the system can compute: {"points",
    "max_points", "groups": [{"key", "name", "points", "max_points", "indicators"}]}."""
    table = points_table(points)
    groups = []
    for group in GROUPS:
        rows = [
            indicator(spec, counts.get(spec.key), table[spec.key])
            for spec in INDICATORS
            if spec.group == group.key
        ]
        groups.append(
            {
                "key": group.key,
                "name": group.name,
                "points": sum((r["points"] for r in rows), Decimal(0)).quantize(CENT),
                "max_points": group.max_points,
                "indicators": rows,
            }
        )
    return {
        "points": sum((g["points"] for g in groups), Decimal(0)).quantize(CENT),
        "max_points": sum((g.max_points for g in GROUPS), Decimal(0)),
        "groups": groups,
    }


# --- handling time ------------------------------------------------------------------------


def handling_seconds(elapsed, received_at: datetime, finished_at: datetime, pauses) -> float:
    """Working seconds from receipt to the end of processing, minus every supplement
    interval (an interval still open at the end counts up to the end). `elapsed(a, b)` is
    the calendar's working time between two instants (a timedelta)."""
    total = elapsed(received_at, finished_at)
    for start, end in pauses:
        start = max(start, received_at)
        end = min(end or finished_at, finished_at)
        if end > start:
            total -= elapsed(start, end)
    return max(total, timedelta(0)).total_seconds()


def average_days(total_seconds: int, count: int, day_seconds: float) -> Decimal | None:
    """The average of `count` handling times summing to `total_seconds`, in working days
    (0.01)."""
    if not count:
        return None
    return (Decimal(total_seconds) / count / Decimal(day_seconds)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def within_limit(average: Decimal, limit_days: Decimal) -> bool:
    return average <= limit_days


# --- periods ------------------------------------------------------------------------------


def months(start: date, end: date, last: int = 12) -> list[tuple[date, date]]:
    """The calendar months of [start, end], the last `last` of them, each cut to the period."""
    out = []
    year, month = end.year, end.month
    while len(out) < last:
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        lo, hi = max(first, start), min(nxt - timedelta(days=1), end)
        if hi < start:
            break
        out.append((lo, hi))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


# --- text -----------------------------------------------------------------------------------


def _num(value) -> str:
    if value is None:
        return "–"
    text = f"{Decimal(value):,f}" if not isinstance(value, int) else f"{value:,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def render_text(report: dict, translate=lambda s: s) -> str:
    """The index as text, one line per indicator; `translate` turns msgids into the UI
    language."""
    lines = [
        f"{translate('Index of Quyết định 766/QĐ-TTg')}: {report['scope']}",
        f"{report['period']['from']} – {report['period']['to']}",
        f"{translate('Total points')}: {_num(report['points'])}/{_num(report['max_points'])}",
    ]
    for group in report["groups"]:
        lines.append("")
        lines.append(
            f"{translate(group['name'])}: {_num(group['points'])}/{_num(group['max_points'])}"
        )
        for row in group["indicators"]:
            if row["status"] == NO_DATA:
                figures = f"{translate('no data yet')} ({translate(row['fed_by'])})"
            else:
                rate = "–" if row["rate"] is None else f"{_num(row['rate'])}%"
                figures = f"{row['numerator']}/{row['denominator']} = {rate}"
            lines.append(
                f"  - {translate(row['name'])}: {figures}; "
                f"{_num(row['points'])}/{_num(row['max_points'])}"
            )
    return "\n".join(lines) + "\n"
