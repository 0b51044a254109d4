"""Vietnamese number formatting: "." groups thousands, "," marks decimals. No Django imports."""

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int | Decimal, whole: int | Decimal, places: int = 2) -> Decimal | None:
    """part/whole in percent, rounded half-up as the province reports round; None if whole is 0."""
    if not whole:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(quantum, rounding=ROUND_HALF_UP)


def format_vn(value: int | Decimal | None, places: int | None = None) -> str:
    """Format 1234567.5 as "1.234.567,5"; None as "–"."""
    if value is None:
        return "–"
    if places is not None:
        value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,}" if isinstance(value, int) else f"{Decimal(value):,f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
