"""VietQR payloads against codes published by others (each found in a public project's
README or app, each decodable by bank apps), the CRC, and hostile content."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.payments import vietqr

# (bank BIN, account, amount, content as typed) → the published payload.
PUBLISHED = [
    # subiz/vietqr README: 120 000 đ to VietinBank 0011001932418, "ủng hộ lũ lụt".
    (
        ("970415", "0011001932418", 120000, "ủng hộ lũ lụt"),
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
        "530370454061200005802VN62170813ung ho lu lut6304C15C",
    ),
    # An Android shop's checkout: 100 000 đ to MB (970422), VietQR.io virtual account.
    (
        ("970422", "VQRQACLNP2680", 100000, "Thanh toan don hang ABC"),
        "00020101021238570010A000000727012700069704220113VQRQACLNP26800208QRIBFTTA"
        "530370454061000005802VN62270823Thanh toan don hang ABC6304CE4C",
    ),
    # A payOS order stored by a shop: 375 000 đ to 970418 (BIDV).
    (
        ("970418", "V3CAS6262723924", 375000, "CSPZKHEL6A2 NTK O0004"),
        "00020101021238590010A000000727012900069704180115V3CAS62627239240208QRIBFTTA"
        "530370454063750005802VN62250821CSPZKHEL6A2 NTK O000463044729",
    ),
    # sunary/vietqr's API example: a static code (no amount) with a content.
    (
        ("970407", "9796868", None, "gen by sunary/vietqr"),
        "00020101021138510010A00000072701210006970407010797968680208QRIBFTTA"
        "53037045802VN62240820gen by sunary/vietqr6304BE74",
    ),
    # A React Native app's static code without content (its CRC printed in lower case).
    (
        ("970422", "0812945269", None, ""),
        "00020101021138540010A00000072701240006970422011008129452690208QRIBFTTA"
        "53037045802VN6304D5F3",
    ),
]


@pytest.mark.parametrize(("values", "expected"), PUBLISHED)
def test_published_payloads_are_reproduced_exactly(values, expected):
    assert vietqr.payload(*values) == expected


@pytest.mark.parametrize(
    ("text", "crc"),
    [
        ("123456789", "29B1"),  # the catalogue check value of CRC-16/CCITT-FALSE
        ("", "FFFF"),
        # A code whose author printed the CRC in lower case ("7b49").
        (
            "00020101021138540010A00000072701240006970422011099999991480208QRIBFTTA"
            "53037045802VN6304",
            "7B49",
        ),
    ],
)
def test_crc(text, crc):
    assert vietqr.crc16(text) == crc


def test_parse_checks_the_crc_and_reads_the_fields():
    text = PUBLISHED[0][1]
    fields = vietqr.parse(text)
    assert fields["54"] == "120000" and fields["58"] == "VN" and fields["53"] == "704"
    assert fields["62"] == "0813ung ho lu lut"
    with pytest.raises(vietqr.VietQRError):
        vietqr.parse(text[:-1] + "D")  # one CRC digit wrong
    with pytest.raises(vietqr.VietQRError):
        vietqr.parse(text.replace("120000", "920000"))  # the amount changed


@pytest.mark.parametrize(
    ("content", "carried"),
    [
        ("Lệ phí cấp Phiếu lý lịch tư pháp", "Le phi cap Phieu ly lich"),  # cut at 25
        ("ĐỒNG ĐẲNG đường", "DONG DANG duong"),
        ("000.00.37.H40-260212-0001", "000.00.37.H40-260212-0001"),
        ("a\x00b\x07c", "a b c"),  # control characters (NUL first) never reach the code
        ("Hồ sơ 🎉 số 1 – 中文", "Ho so so 1"),  # what banks cannot carry is dropped
        ("  many   spaces\t\nand lines  ", "many spaces and lines"),
        ("x" * 10_000, "x" * 25),
        ("", ""),
    ],
)
def test_content_is_what_banks_carry(content, carried):
    assert vietqr.plain_text(content) == carried
    text = vietqr.payload("970415", "113000000999", 8000, content)
    fields = vietqr.parse(text)
    assert fields.get("62", "") == (f"08{len(carried):02d}{carried}" if carried else "")
    assert text.isascii()


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount"),
    [
        ("97041", "113000000999", 1000),  # BIN of 5 digits
        ("97041x", "113000000999", 1000),
        ("970415", "", 1000),
        ("970415", "1" * 20, 1000),  # 20 characters
        ("970415", "113 000", 1000),
        ("970415", "11300\x000999", 1000),
        ("970415", "113000000999", 0),
        ("970415", "113000000999", -5),
        ("970415", "113000000999", 10**13),  # 14 digits
        ("970415", "113000000999", True),
        ("970415", "113000000999", 1000.5),
    ],
)
def test_values_a_bank_would_refuse_are_refused(bank_bin, account, amount):
    with pytest.raises(vietqr.VietQRError):
        vietqr.payload(bank_bin, account, amount, "x")


@given(
    content=st.text(max_size=300),
    amount=st.one_of(st.none(), st.integers(min_value=1, max_value=10**13 - 1)),
)
def test_any_content_and_amount_make_a_well_formed_code(content, amount):
    text = vietqr.payload("970415", "113000000999", amount, content)
    fields = vietqr.parse(text)
    assert text.isascii()
    assert fields["01"] == ("12" if amount is not None else "11")
    assert fields.get("54") == (str(amount) if amount is not None else None)
    assert len(vietqr.plain_text(content)) <= vietqr.PURPOSE_MAX
