"""The demo province reproduces the figures of Hà Nam's 2017–2020 report, computed from the
stored records (acceptance check of the catalogue issue). One seeding, many assertions."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from motcua.catalog import report
from motcua.catalog.models import Procedure
from motcua.org.constants import Level
from motcua.org.models import AdminUnit

pytestmark = pytest.mark.django_db
FIGURES = json.loads(
    (Path(__file__).parents[1] / "demo" / "hanam-2020-figures.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = StringIO()
        # The catalogue's figures do not depend on the dossier traffic (tested on its own).
        call_command("seed", "hanam-2020", "--dossiers", "0", stdout=out)
        data = report.build()
        yield {"report": data, "out": out.getvalue()}
        call_command("flush", "--no-input", verbosity=0)


def test_one_stop_units(demo):
    units = FIGURES["one_stop_units"]
    assert demo["report"]["one_stop_units"] == {
        "total": units["total"],
        "provincial_departments": units["provincial_departments"],
        "district_level": units["district_level"],
        "commune_level": units["commune_level"],
    }


def test_procedures_by_tier_one_stop_inter_agency_and_online_levels(demo):
    p, f = demo["report"]["procedures"], FIGURES["procedures"]
    assert p["total"] == f["total"]
    assert p["by_level"] == f["by_level"]
    assert p["one_stop"]["total"] == f["one_stop"]["total"]
    assert p["one_stop"]["by_level"] == f["one_stop"]["by_level"]
    assert p["inter_agency"] == f["inter_agency"]
    for level, expected in f["online_level"].items():
        assert p["online_level"][level] == expected


def test_publication_history(demo):
    pub, f = demo["report"]["publication"], FIGURES["publication_2017_2020"]
    assert pub == f


def test_procedure_names_are_real_not_placeholders(demo):
    import re

    names = list(Procedure.objects.values_list("name", flat=True))
    assert not [n for n in names if re.search(r"Thủ tục \d+|Procedure \d+", n)]
    assert Procedure.objects.filter(name="Đăng ký khai sinh", level=Level.COMMUNE).exists()


def test_units_as_in_2020(demo):
    communes = AdminUnit.objects.valid_on(date(2020, 12, 31)).filter(level=Level.COMMUNE)
    assert communes.count() == FIGURES["one_stop_units"]["commune_level"]


def test_seed_prints_the_demo_logins_and_is_idempotent(demo):
    assert "motcua-demo" in demo["out"] and "giamsat" in demo["out"]
    count = Procedure.objects.count()
    out = StringIO()
    call_command("seed", "hanam-2020", stdout=out)
    assert "already loaded" in out.getvalue()
    assert Procedure.objects.count() == count


def test_report_command_json_carries_the_figures(demo):
    out = StringIO()
    call_command("report", "catalogue", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["procedures"]["online_level"]["4"]["percent"] == "44,52"
    assert data["publication"]["time_cut"]["percent"] == "87,11"
    assert data["publication"]["days"]["percent_saved"] == "54,42"
