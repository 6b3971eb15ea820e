"""Prompt templates with `{address}`, `{price}`, ... filled from the listing, the agent and `--set` values.

Every missing name is reported at once, before anything is spent, so the agent fixes them in one go.
"""

from __future__ import annotations

from decimal import Decimal
from string import Formatter

from stagefy_cli.errors import UsageError
from stagefy_cli.money import format_area, format_money, format_quantity


class MissingPlaceholder(UsageError):
    """The template names values nobody supplied; `names` lists them all, sorted."""

    def __init__(self, names: list[str]):
        self.names = sorted(set(names))
        flags = " ".join(f"--set {name}=..." for name in self.names)
        super().__init__(f"The template needs values for: {', '.join(self.names)} (give them with {flags}).")


def placeholder_names(template: str) -> list[str]:
    """The field names in `template`, in order of appearance, without duplicates."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(f"The prompt template is malformed: {exc}.") from None
    names: list[str] = []
    for _, field_name, _, _ in parsed:
        if field_name is None:
            continue
        root = field_name.split(".", 1)[0].split("[", 1)[0]
        if not root or root.isdigit():
            raise UsageError("Prompt template placeholders need names, like {address}; {} is not allowed.")
        if root not in names:
            names.append(root)
    return names


def fill_placeholders(template: str, values: dict) -> str:
    """`template` with each `{name}` replaced by `values[name]`; None or blank counts as missing."""
    missing = [name for name in placeholder_names(template) if values.get(name) in (None, "")]
    if missing:
        raise MissingPlaceholder(missing)
    return template.format_map({name: values[name] for name in placeholder_names(template)})


def listing_placeholders(listing: dict, agent: dict, currency: str | None = None) -> dict:
    """The standard placeholder values of a listing and its agent; absent data is left out so that a
    template using it reports it missing."""
    values: dict = {
        "address": listing.get("address"),
        "city": listing.get("city"),
        "state": listing.get("state"),
        "zip_code": listing.get("zip_code"),
        "status": listing.get("status"),
        "agent_name": agent.get("full_name"),
        "brokerage": agent.get("brokerage"),
        "phone": agent.get("phone"),
        "email": agent.get("email"),
        "market": agent.get("market"),
    }
    if listing.get("price") is not None:
        values["price"] = format_money(listing["price"], currency)
    for key in ("bedrooms", "bathrooms", "sqft"):
        if listing.get(key) is not None:
            values[key] = format_quantity(Decimal(str(listing[key])), currency)
    if listing.get("sqft") is not None:
        values["size"] = format_area(listing["sqft"], currency)
    return {key: value for key, value in values.items() if value not in (None, "")}
