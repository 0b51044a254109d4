"""The signature of the gateway's messages (docs/payments.md, "Signature")."""

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.payments import signing


def test_the_canonical_form_is_written_out_in_the_contract():
    fields = {"reference": "MC1", "amount": 8000, "order_info": "Lệ phí & hồ sơ", "empty": ""}
    assert signing.canonical(fields) == (
        "amount=8000&order_info=L%E1%BB%87%20ph%C3%AD%20%26%20h%E1%BB%93%20s%C6%A1&reference=MC1"
    )
    expected = hmac.new(b"k", signing.canonical(fields).encode(), hashlib.sha256).hexdigest()
    assert signing.sign(fields, "k") == expected


def test_order_and_empty_fields_do_not_matter_but_every_value_does():
    a = signing.signed({"b": "2", "a": "1", "c": ""}, "secret")
    b = signing.signed({"a": "1", "b": "2"}, "secret")
    assert a == b and signing.verify(a, "secret")
    assert not signing.verify({**a, "b": "3"}, "secret")
    assert not signing.verify({**a, "d": "extra"}, "secret")
    assert not signing.verify(a, "another secret")
    assert not signing.verify({k: v for k, v in a.items() if k != "signature"}, "secret")


def test_a_signature_in_upper_case_is_the_same_signature():
    fields = signing.signed({"a": "1"}, "secret")
    assert signing.verify({**fields, "signature": fields["signature"].upper()}, "secret")


@pytest.mark.parametrize("bad", [None, 5, "", "ä" * 64, "\x00" * 64])
def test_a_signature_that_is_not_one_is_refused_without_error(bad):
    assert not signing.verify({"a": "1", "signature": bad}, "secret")


def test_no_secret_no_signature():
    with pytest.raises(ValueError):
        signing.sign({"a": "1"}, "")


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=8))
def test_what_is_signed_verifies_and_its_fingerprint_ignores_order(fields):
    fields.pop("signature", None)
    message = signing.signed(fields, "secret")
    assert signing.verify(message, "secret")
    reordered = dict(reversed(list(message.items())))
    assert signing.fingerprint(reordered) == signing.fingerprint(message)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20261206093000", "2026-12-06T02:30:00+00:00"),  # 09:30 in Hà Nội
        ("99991231235959", "9999-12-31T16:59:59+00:00"),
        ("00010101000000", None),  # before year 1 in UTC: not a time, not a crash
        ("00010101080000", "0001-01-01T01:00:00+00:00"),
        ("20261332000000", None),
        ("", None),
    ],
)
def test_gateway_times_are_read_or_refused(text, expected):
    from motcua.payments.devgateway.protocol import parse_time

    parsed = parse_time(text)
    assert (parsed.isoformat() if parsed else None) == expected
