"""Amounts in Vietnamese words, as receipts write them ("Một trăm năm mươi nghìn đồng").
No Django imports.

Groups of three digits read left to right with nghìn, triệu, tỷ (and nghìn tỷ, triệu tỷ …
above); a group after the first one is read in full ("không trăm lẻ năm"); a zero group is
skipped. Inside a group: "mười" for 1x, "mốt" for a final 1 after 2x–9x, "lăm" for a final 5
after any ten, "tư" for a final 4 after 2x–9x, "lẻ" for a zero ten before a unit.
"""

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu")
BILLION = 10**9


def _tens_and_units(n: int) -> list[str]:
    tens, unit = divmod(n, 10)
    if tens == 0:
        return [DIGITS[unit]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if unit == 1 and tens > 1:
        words.append("mốt")
    elif unit == 5:
        words.append("lăm")
    elif unit == 4 and tens > 1:
        words.append("tư")
    elif unit:
        words.append(DIGITS[unit])
    return words


def _group(n: int, full: bool) -> list[str]:
    """A number 1–999; `full`: a group after the first, read with its zero hundreds."""
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if rest:
        if rest < 10 and words:
            words.append("lẻ")
        words += _tens_and_units(rest)
    return words


def _below_billion(n: int, full: bool) -> list[str]:
    groups = []
    for scale in SCALES:
        n, group = divmod(n, 1000)
        groups.append((group, scale))
        if not n:
            break
    words = []
    for group, scale in reversed(groups):
        if group:
            words += _group(group, full or bool(words))
            if scale:
                words.append(scale)
    return words


def _words(n: int, full: bool = False) -> list[str]:
    if n < BILLION:
        return _below_billion(n, full)
    high, low = divmod(n, BILLION)
    words = [*_words(high, full), "tỷ"]
    if low:
        words += _below_billion(low, True)
    return words


def number_words(n: int) -> str:
    """1_250_000 → "một triệu hai trăm năm mươi nghìn"."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("a whole number of at least 0")
    return "không" if n == 0 else " ".join(_words(n))


def amount_in_words(amount: int) -> str:
    """1_250_000 → "Một triệu hai trăm năm mươi nghìn đồng"."""
    text = f"{number_words(amount)} đồng"
    return text[0].upper() + text[1:]
