"""The demo's online applicants answer every form the demo ships (and the built-in one) so
that the portal's own parsing accepts the answers: the seed's online dossiers never depend
on a form the filler cannot fill."""

import random
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from motcua.demo import online
from motcua.eforms import defaults
from motcua.eforms import demo as eforms_demo
from motcua.eforms.schema import Form

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PEOPLE = [
    {
        "kind": "person",
        "full_name": "Trần Thị Hoa",
        "id_number": "035190001111",
        "phone": "0987654321",
        "address": "Thôn Đồng Ao, xã Liêm Tuyền, thành phố Phủ Lý, tỉnh Hà Nam",
    },
    {
        "kind": "organisation",
        "full_name": "Công ty TNHH Xây dựng Hà Nam",
        "tax_code": "0700123456",
        "phone": "0912345678",
        "address": "Số 5 Trần Phú, thành phố Phủ Lý, tỉnh Hà Nam",
    },
]
FORMS = [(spec["note"][:40], spec["schema"], spec["ui"]) for spec in eforms_demo.shipped()]


def account_of(applicant: dict):
    values = dict.fromkeys(("id_number", "tax_code", "phone", "email", "address"), "")
    return SimpleNamespace(**{**values, **applicant, "birth_date": date(1985, 3, 12)})


def plan_of(applicant: dict, seed: int):
    procedure = SimpleNamespace(name="Thủ tục mẫu")
    arrives = datetime(2020, 6, 9, 20, 15, tzinfo=VN)
    return SimpleNamespace(applicant=applicant, procedure=procedure, arrives_at=arrives)


@pytest.mark.parametrize(("name", "schema", "ui"), FORMS)
@pytest.mark.parametrize("applicant", PEOPLE, ids=["person", "organisation"])
def test_every_shipped_form_is_answered_as_the_portal_accepts(name, schema, ui, applicant):
    form = Form(schema, ui)
    for seed in range(25):  # the filler draws: every draw must pass
        answers = online.answers_for(
            form, account_of(applicant), plan_of(applicant, seed), random.Random(seed)
        )
        data, problems = form.parse(answers, date(2020, 6, 9))
        assert problems == [], (name, seed, problems)
        assert data


@pytest.mark.parametrize("applicant", PEOPLE, ids=["person", "organisation"])
def test_the_built_in_form_is_answered_too(applicant):
    form = Form(*defaults.builtin(defaults.BUILTIN))
    answers = online.answers_for(
        form, account_of(applicant), plan_of(applicant, 1), random.Random(1)
    )
    assert form.parse(answers, date(2020, 6, 9))[1] == []


def test_the_claims_make_a_verified_identity_and_the_same_person_the_same_account():
    first, again = online.claims_of(PEOPLE[0]), online.claims_of(dict(PEOPLE[0]))
    assert first["identity_level"] >= 2 and first["sub"] == again["sub"]
    assert online.claims_of(PEOPLE[1])["sub"] != first["sub"]
