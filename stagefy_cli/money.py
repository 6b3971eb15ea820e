"""Money and quantities as an agent in that market would print them: the one money formatter of
Stagefy, used by tables, charts, flyers, posts and video cards alike.

South African rand groups thousands with spaces ("R 2 450 000"); the other currencies use commas
("$2,450,000"). One rounding rule everywhere: an amount is rounded half up to the cent and shows its
cents when it has any ("$850,000.50"), so a flyer never prints a price the listing does not have.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from stagefy_cli.errors import StagefyError

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


def _amount(amount: Decimal | float | int | str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise StagefyError(f"Price {amount!r} is not a number.") from None
    if not value.is_finite():
        raise StagefyError(f"Price {amount!r} is not a number.")
    return value


def group_thousands(number: int, separator: str = ",") -> str:
    return f"{number:,}".replace(",", separator)


def format_money(amount: Decimal | float | int | str, currency: str | None = None) -> str:
    """`format_money(3995000.5, "ZAR") == "R 3 995 000.50"`, `format_money(2450000, "ZAR") ==
    "R 2 450 000"`; unknown codes print as "CHF 2,450,000"."""
    code = (currency or DEFAULT_CURRENCY).strip().upper()
    symbol, gap, thousands = CURRENCIES.get(code, (code, " ", ","))
    rounded = _amount(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    units, fraction = divmod(abs(rounded), 1)
    cents = f".{int(fraction * 100):02d}" if fraction else ""
    sign = "-" if rounded < 0 else ""
    return f"{sign}{symbol}{gap}{group_thousands(int(units), thousands)}{cents}"


def format_quantity(value: Decimal | float | int, currency: str | None = None) -> str:
    """Bedrooms, bathrooms and floor area: no trailing ".0", thousands grouped like the currency."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        thousands = CURRENCIES.get((currency or DEFAULT_CURRENCY).upper(), ("", "", ","))[2]
        return group_thousands(int(number), thousands)
    return format(number.normalize(), "f")


# Floor area is stored once, in square feet (`crm_listings.sqft`), and printed in the unit of the
# listing's market. The listing's currency stands for its market (it is the agent's market's unless
# set): these markets measure in square feet, every other one in square metres.
SQFT_PER_SQM = Decimal("10.7639104")  # (1 / 0.3048)², exactly by the definition of the foot
SQFT_CURRENCIES = frozenset({"USD"})


def format_area(sqft: Decimal | float | int, currency: str | None = None) -> str:
    """`format_area(1292, "ZAR") == "120 m²"`, `format_area(1292, "USD") == "1,292 sq ft"`."""
    code = (currency or DEFAULT_CURRENCY).strip().upper()
    if code in SQFT_CURRENCIES:
        return f"{format_quantity(sqft, code)} sq ft"
    sqm = (Decimal(str(sqft)) / SQFT_PER_SQM).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{format_quantity(sqm, code)} m²"


def listing_facts(
    bedrooms: int | None, bathrooms: Decimal | float | None, sqft: int | None, currency: str | None = None
) -> str:
    """ "3 beds · 2.5 baths · 172 m²", leaving out what the listing does not say."""
    parts = []
    if bedrooms is not None:
        parts.append(f"{format_quantity(bedrooms, currency)} {'bed' if bedrooms == 1 else 'beds'}")
    if bathrooms is not None:
        parts.append(f"{format_quantity(bathrooms, currency)} {'bath' if bathrooms == 1 else 'baths'}")
    if sqft is not None:
        parts.append(format_area(sqft, currency))
    return " · ".join(parts)
