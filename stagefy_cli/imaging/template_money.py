"""Prices and quantities as an agent in that market would print them.

Listing prices are shown in whole units (marketing never shows cents). South African rand groups
thousands with spaces ("R 2 450 000"); the other currencies use commas ("$2,450,000").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from stagefy_cli.imaging.video_types import RenderError

# code -> (symbol, separator between symbol and amount, thousands separator)
CURRENCIES: dict[str, tuple[str, str, str]] = {
    "ZAR": ("R", " ", " "),
    "USD": ("$", "", ","),
    "EUR": ("€", "", ","),
    "GBP": ("£", "", ","),
    "AUD": ("A$", "", ","),
    "CAD": ("CA$", "", ","),
    "NZD": ("NZ$", "", ","),
}
DEFAULT_CURRENCY = "ZAR"


def _whole_units(amount: Decimal | float | int | str) -> int:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise RenderError(f"Price {amount!r} is not a number.") from None
    if not value.is_finite():
        raise RenderError(f"Price {amount!r} is not a number.")
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def group_thousands(number: int, separator: str = ",") -> str:
    return f"{number:,}".replace(",", separator)


def format_price(amount: Decimal | float | int | str, currency: str | None = None) -> str:
    """`format_price(2450000, "ZAR") == "R 2 450 000"`; unknown codes print as "CHF 2,450,000"."""
    code = (currency or DEFAULT_CURRENCY).strip().upper()
    units = _whole_units(amount)
    sign = "-" if units < 0 else ""
    symbol, gap, thousands = CURRENCIES.get(code, (code, " ", ","))
    return f"{sign}{symbol}{gap}{group_thousands(abs(units), thousands)}"


def format_quantity(value: Decimal | float | int, currency: str | None = None) -> str:
    """Bedrooms, bathrooms and floor area: no trailing ".0", thousands grouped like the currency."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        thousands = CURRENCIES.get((currency or DEFAULT_CURRENCY).upper(), ("", "", ","))[2]
        return group_thousands(int(number), thousands)
    return format(number.normalize(), "f")


def listing_facts(
    bedrooms: int | None, bathrooms: Decimal | float | None, sqft: int | None, currency: str | None = None
) -> str:
    """ "3 beds · 2.5 baths · 1 850 sq ft", leaving out what the listing does not say."""
    parts = []
    if bedrooms is not None:
        parts.append(f"{format_quantity(bedrooms, currency)} {'bed' if bedrooms == 1 else 'beds'}")
    if bathrooms is not None:
        parts.append(f"{format_quantity(bathrooms, currency)} {'bath' if bathrooms == 1 else 'baths'}")
    if sqft is not None:
        parts.append(f"{format_quantity(sqft, currency)} sq ft")
    return " · ".join(parts)
