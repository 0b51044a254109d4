"""The plan format, checked without a database: each bad plan is refused with the place."""

import copy
import json

import pytest

from motcua.reorg import plan

GOOD = {
    "format": plan.FORMAT,
    "effective_on": "2025-07-01",
    "instrument": "Nghị quyết 202/2025/QH15",
    "province": "35",
    "decision": {"number": "QĐ-1", "title": "Công bố", "signed_on": "2025-06-30"},
    "units": [
        {"from": ["35"], "to": {"code": "37", "name": "Tỉnh Ninh Bình", "type": "Tỉnh"}},
        {
            "from": ["13318", "13459"],
            "to": {"code": "13318", "name": "Phường Châu Sơn", "type": "Phường"},
            "parent": "37",
        },
    ],
    "dissolve": ["347"],
    "agencies": [
        {
            "from": ["000.00.21.H40", "000.01.21.H40"],
            "code": "000.01.40.H37",
            "name": "UBND phường Châu Sơn",
            "kind": "commune_pc",
            "level": "commune",
            "unit": "13318",
            "desk": "Bộ phận một cửa",
        },
        {"from": ["000.00.01.H40"], "code": "000.00.02.H40", "existing": True},
    ],
    "posts": [{"post": 3, "to_agency": "000.01.40.H37"}, {"post": 4}],
    "procedures": [
        {"code": "1.0001", "to_level": "commune", "to_code": "1.0001-X"},
        {"code": "1.0002", "to_agency": "000.00.02.H40"},
    ],
    "dossiers": {"000.00.21.H40-250601-0001": "000.01.40.H37"},
    "review": ["check the seat"],
}


def bad(path, value):
    """GOOD with the value at `path` (keys and indexes) replaced, or removed if DELETE."""
    data = copy.deepcopy(GOOD)
    *parents, last = path
    here = data
    for key in parents:
        here = here[key]
    if value is DELETE:
        del here[last]
    else:
        here[last] = value
    return data


DELETE = object()

# (what is wrong, the plan, the place the error names, words of the message)
REFUSED = [
    ("format missing", bad(["format"], DELETE), "format", "must be"),
    ("date year 1", bad(["effective_on"], "0001-01-01"), "effective_on", "between"),
    ("date year 9999", bad(["effective_on"], "9999-12-31"), "effective_on", "between"),
    ("not a date", bad(["effective_on"], "1/7/2025"), "effective_on", "not a date"),
    ("NUL in text", bad(["instrument"], "NQ\x00202"), "instrument", "control"),
    ("10,000 characters", bad(["instrument"], "x" * 10_000), "instrument", "longer"),
    ("unit code letters", bad(["units", 1, "from", 0], "ABC"), "units[1].from[0]", "code"),
    ("unit type unknown", bad(["units", 1, "to", "type"], "Huyện"), "units[1].to.type", "one of"),
    ("unit closed twice", bad(["dissolve"], ["13459"]), "units", "more than one"),
    ("agency code", bad(["agencies", 0, "code"], "H40-1"), "agencies[0].code", "code"),
    ("agency kind", bad(["agencies", 0, "kind"], "ministry"), "agencies[0].kind", "one of"),
    (
        "agency unit not opened",
        bad(["agencies", 0, "unit"], "99999"),
        "agencies[0].unit",
        "not opened",
    ),
    (
        "two successors",
        bad(["agencies", 1, "from"], ["000.00.21.H40"]),
        "agencies",
        "more than one successor",
    ),
    ("post id huge", bad(["posts", 0, "post"], 10**30), "posts[0].post", "whole number"),
    ("post id text", bad(["posts", 0, "post"], "3"), "posts[0].post", "whole number"),
    (
        "procedure to a district",
        bad(["procedures", 0, "to_level"], "district"),
        "procedures[0].to_level",
        "abolished",
    ),
    (
        "level without code",
        bad(["procedures", 0, "to_code"], DELETE),
        "procedures[0].to_code",
        "missing",
    ),
    (
        "procedure says nothing",
        bad(["procedures", 1, "to_agency"], DELETE),
        "procedures[1]",
        "neither",
    ),
    (
        "dossier to a closing agency",
        bad(["dossiers"], {"000.00.21.H40-250601-0001": "000.01.21.H40"}),
        "dossiers.000.00.21.H40-250601-0001",
        "closes",
    ),
    ("dossier code", bad(["dossiers"], {"not-a-code": "000.01.40.H37"}), "dossiers", "code"),
    (
        "decision signed after",
        bad(["decision", "signed_on"], "2025-07-02"),
        "decision.signed_on",
        "after",
    ),
    ("units not a list", bad(["units"], {"a": 1}), "units", "list"),
]


def test_the_good_plan_is_accepted():
    checked = plan.check(GOOD)
    assert checked.successor_of() == {
        "000.00.21.H40": "000.01.40.H37",
        "000.01.21.H40": "000.01.40.H37",
        "000.00.01.H40": "000.00.02.H40",
    }
    assert checked.units[1].before == ("13318", "13459")
    assert checked.posts[1].to_agency is None


@pytest.mark.parametrize(("what", "data", "where", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_plan_is_refused_with_its_place(what, data, where, words):
    with pytest.raises(plan.PlanError) as refused:
        plan.check(data)
    places = {w: m for w, m in refused.value.problems}
    assert where in places, refused.value.problems
    assert words in places[where]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"format": "x\x00"}', "NUL"),
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b"{not json", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b" " * (plan.MAX_BYTES + 1), "larger"),
        (b"[1, 2]", "JSON object"),
    ],
)
def test_hostile_files_are_refused(raw, words):
    with pytest.raises(plan.PlanError) as refused:
        plan.load(raw)
    assert words in str(refused.value)


def test_the_fingerprint_ignores_layout():
    compact = json.dumps(GOOD, separators=(",", ":")).encode()
    pretty = json.dumps(GOOD, indent=4, ensure_ascii=False).encode()
    assert plan.load(compact).fingerprint == plan.load(pretty).fingerprint
    assert plan.load(compact).fingerprint != plan.check(bad(["review"], [])).fingerprint
