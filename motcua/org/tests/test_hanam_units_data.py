"""Consistency checks for motcua/org/data/hanam_units.json.

The file describes the administrative units of Hà Nam province (code 35) as of
31/12/2020 plus the dated changes up to 30/06/2025.  Applying the changes must
reproduce the snapshot shipped by ``vietnamadminunits`` (table
``admin_units_legacy``), which is the state just before 01/07/2025.

Plain pytest functions: no database, no Django.
"""

import json
import pathlib
import sqlite3
from collections import Counter

import pytest

DATA_FILE = pathlib.Path(__file__).resolve().parents[1] / "data" / "hanam_units.json"

EXPECTED_2020_COUNTS = {
    "347": 21,  # Thành phố Phủ Lý
    "349": 16,  # Thị xã Duy Tiên
    "350": 18,  # Huyện Kim Bảng
    "351": 16,  # Huyện Thanh Liêm
    "352": 17,  # Huyện Bình Lục
    "353": 21,  # Huyện Lý Nhân
}
EXPECTED_2025_COUNTS = {"347": 14, "349": 15, "350": 17, "351": 16, "352": 15, "353": 21}
COMMUNE_TYPES = {"Xã", "Phường", "Thị trấn"}
DISTRICT_TYPES = {"Thành phố", "Thị xã", "Huyện", "Quận"}


def _dataset_db():
    import importlib.util

    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        return None
    db = pathlib.Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    return db if db.exists() else None


@pytest.fixture(scope="module")
def data():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def snapshot():
    db = _dataset_db()
    if db is None:
        pytest.skip("vietnamadminunits dataset.db not available")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "select districtCode, district, districtType, wardCode, ward, wardType "
            "from admin_units_legacy where provinceCode = '35'"
        ).fetchall()
    finally:
        con.close()
    districts = {r[0]: (r[1], r[2]) for r in rows}
    communes = {r[3]: (r[4], r[5], r[0]) for r in rows}
    assert len(communes) == len(rows), "duplicate ward codes in snapshot"
    return districts, communes


def _state_2020(data):
    districts = {d["code"]: (d["name"], d["type"]) for d in data["districts"]}
    communes = {c["code"]: (c["name"], c["type"], c["district_code"]) for c in data["communes"]}
    return districts, communes


def apply_changes(data, check_refs=True):
    """Apply ``changes`` in order to the 2020 state; return (districts, communes)."""
    districts, communes = _state_2020(data)
    for i, ch in enumerate(data["changes"]):
        kind = ch["kind"]
        if kind == "merge":
            src = ch["from_codes"]
            into = ch["into_code"]
            if check_refs:
                missing = [c for c in src if c not in communes]
                assert not missing, f"change #{i}: codes {missing} do not exist on {ch['date']}"
                if into not in src:
                    assert into not in communes, f"change #{i}: new code {into} already in use"
            district = communes[into][2] if into in src else communes[src[0]][2]
            assert len({communes[c][2] for c in src}) == 1, f"change #{i}: merge across districts"
            for c in src:
                communes.pop(c, None)
            communes[into] = (ch["new_name"], ch["new_type"], district)
        elif kind in ("reclassify", "rename"):
            code = ch["code"]
            if code in districts:
                districts[code] = (ch["new_name"], ch["new_type"])
            else:
                if check_refs:
                    assert code in communes, (
                        f"change #{i}: code {code} does not exist on {ch['date']}"
                    )
                _name, _type, district = communes[code]
                communes[code] = (ch["new_name"], ch["new_type"], district)
        else:  # pragma: no cover - guards against typos in the data file
            raise AssertionError(f"change #{i}: unknown kind {kind!r}")
    return districts, communes


# --- the 2020 state -------------------------------------------------------


def test_header(data):
    assert data["province"] == {"code": "35", "name": "Tỉnh Hà Nam", "type": "Tỉnh"}
    assert data["as_of"] == "2020-12-31"
    assert data["sources"] and all(isinstance(s, str) and s for s in data["sources"])


def test_six_districts_2020(data):
    districts = {d["code"]: d for d in data["districts"]}
    assert len(data["districts"]) == 6 == len(districts)
    assert {c: (d["name"], d["type"]) for c, d in districts.items()} == {
        "347": ("Thành phố Phủ Lý", "Thành phố"),
        "349": ("Thị xã Duy Tiên", "Thị xã"),
        "350": ("Huyện Kim Bảng", "Huyện"),
        "351": ("Huyện Thanh Liêm", "Huyện"),
        "352": ("Huyện Bình Lục", "Huyện"),
        "353": ("Huyện Lý Nhân", "Huyện"),
    }
    for d in data["districts"]:
        assert d["type"] in DISTRICT_TYPES
        assert d["name"].startswith(d["type"] + " ")


def test_109_communes_2020_with_district_counts(data):
    communes = data["communes"]
    assert len(communes) == 109
    assert Counter(c["district_code"] for c in communes) == EXPECTED_2020_COUNTS
    # 2019/2020 composition: 83 xã, 20 phường, 6 thị trấn
    assert Counter(c["type"] for c in communes) == {"Xã": 83, "Phường": 20, "Thị trấn": 6}


def test_codes_unique_and_well_formed(data):
    codes = [c["code"] for c in data["communes"]]
    assert len(codes) == len(set(codes))
    district_codes = {d["code"] for d in data["districts"]}
    for c in data["communes"]:
        assert len(c["code"]) == 5 and c["code"].isdigit()
        assert c["district_code"] in district_codes
        assert c["type"] in COMMUNE_TYPES
        assert c["name"].startswith(c["type"] + " ")
        assert isinstance(c["confirmed"], bool)
        assert c["valid_from"] is None or c["valid_from"] <= data["as_of"]
    assert not set(codes) & district_codes


# --- the changes ------------------------------------------------------------


def test_changes_ordered_and_well_formed(data):
    dates = [ch["date"] for ch in data["changes"]]
    assert dates == sorted(dates)
    assert all(d > data["as_of"] and d <= "2025-06-30" for d in dates)
    for ch in data["changes"]:
        assert ch["kind"] in {"merge", "reclassify", "rename"}
        assert ch["instrument"]
        assert isinstance(ch["confirmed"], bool)
        if ch["kind"] == "merge":
            assert len(ch["from_codes"]) >= 2
            assert len(set(ch["from_codes"])) == len(ch["from_codes"])
        if ch["new_type"] in COMMUNE_TYPES | DISTRICT_TYPES:
            assert ch["new_name"].startswith(ch["new_type"] + " ")


def test_changes_refer_to_existing_codes(data):
    # apply_changes asserts, change by change, that every referenced code
    # exists at the date of the change.
    apply_changes(data, check_refs=True)


def test_applying_changes_gives_2025_counts(data):
    _, communes = apply_changes(data)
    assert len(communes) == 98
    assert Counter(d for _, _, d in communes.values()) == EXPECTED_2025_COUNTS


def test_applying_changes_matches_snapshot_communes(data, snapshot):
    _, snap_communes = snapshot
    _, communes = apply_changes(data)
    assert len(snap_communes) == 98
    assert set(communes) == set(snap_communes)
    mismatched = {
        c: (communes[c], snap_communes[c]) for c in communes if communes[c] != snap_communes[c]
    }
    assert not mismatched


def test_applying_changes_matches_snapshot_districts(data, snapshot):
    snap_districts, _ = snapshot
    districts, _ = apply_changes(data)
    assert districts == snap_districts
