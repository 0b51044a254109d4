"""What an identity provider's claims make of an account (pure rules, no database)."""

from datetime import date

import pytest

from motcua.accounts.claims import InvalidClaims, profile
from motcua.accounts.tests.factories import claims

TODAY = date(2026, 6, 1)


def test_a_verified_person():
    assert profile(claims(), today=TODAY) == {
        "subject": "sub-an",
        "kind": "person",
        "full_name": "Nguyễn Văn An",
        "id_number": "035085001234",
        "tax_code": "",
        "birth_date": date(1985, 3, 12),
        "phone": "0912345678",
        "email": "nguyenvanan@example.vn",
        "address": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam",
        "representative": "",
        "identity_verified": True,
    }


def test_an_organisation_with_its_representative():
    org = profile(
        {
            "sub": "org-1",
            "kind": "organisation",
            "name": "Công ty TNHH Hà Nam Xanh",
            "tax_code": "0700812342",
            "representative_name": "Đỗ Quang Huy",
            "identity_level": 2,
        },
        today=TODAY,
    )
    assert (org["kind"], org["tax_code"], org["representative"]) == (
        "organisation",
        "0700812342",
        "Đỗ Quang Huy",
    )
    assert org["id_number"] == "" and org["identity_verified"]


# VNeID: level 2 is verified in person; level 1 (or nothing said) is not. A provider may
# also say it with a boolean.
@pytest.mark.parametrize(
    "extra, verified",
    [
        ({"identity_level": 2}, True),
        ({"identity_level": "2"}, True),
        ({"identity_level": 3}, True),
        ({"identity_level": 1}, False),
        ({"identity_level": None}, False),
        ({"identity_level": True}, False),
        ({"identity_level": "99999999999999999999"}, False),
        ({"identity_level": 1, "identity_verified": True}, True),
        ({"identity_level": 2, "identity_verified": False}, False),
    ],
)
def test_verified_only_when_the_provider_says_so(extra, verified):
    assert profile(claims(**extra), today=TODAY)["identity_verified"] is verified


@pytest.mark.parametrize(
    "extra",
    [
        {"sub": ""},
        {"sub": None},
        {"sub": 12345},
        {"sub": "a\x00b"},
        {"sub": "s" * 256},
        {"name": ""},
        {"name": "   "},
        {"id_number": ""},  # a person needs an ID number
        {"id_number": "123"},
        {"id_number": "999085001234"},  # no such province of birth
        {"kind": "robot"},
        {"kind": "organisation", "tax_code": ""},
        {"kind": "organisation", "tax_code": "0700812343"},  # wrong check digit
    ],
)
def test_unusable_claims_are_refused(extra):
    with pytest.raises(InvalidClaims):
        profile(claims(**extra), today=TODAY)


@pytest.mark.parametrize(
    "extra, field, value",
    [
        ({"phone_number": "12345"}, "phone", ""),
        ({"phone_number": "+84 912 345 678"}, "phone", "0912345678"),
        ({"email": "not an address"}, "email", ""),
        ({"birthdate": "0001-01-01"}, "birth_date", None),
        ({"birthdate": "9999-12-31"}, "birth_date", None),
        ({"birthdate": "12/03/1985"}, "birth_date", None),
        ({"birthdate": 19850312}, "birth_date", None),
        ({"address": "x" * 10_000}, "address", "x" * 500),
        ({"address": ["a", "list"]}, "address", ""),
        (
            {"name": "Nguyễn\x00 Văn\nAn " + "a" * 1000},
            "full_name",
            ("Nguyễn Văn An " + "a" * 1000)[:300],
        ),
    ],
)
def test_bad_optional_claims_are_left_out_not_stored(extra, field, value):
    assert profile(claims(**extra), today=TODAY)[field] == value


def test_a_real_providers_names_are_mapped_by_setting():
    theirs = {"sub": "x1", "ho_ten": "Lê Hoàng Minh", "so_dinh_danh": "035201007890", "muc_do": 2}
    names = {"full_name": "ho_ten", "id_number": "so_dinh_danh", "identity_level": "muc_do"}
    mapped = profile(theirs, names, today=TODAY)
    assert (mapped["full_name"], mapped["id_number"], mapped["identity_verified"]) == (
        "Lê Hoàng Minh",
        "035201007890",
        True,
    )
