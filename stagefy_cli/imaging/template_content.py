"""The words on a marketing piece, taken from the listing, the agent's profile and the design."""

from __future__ import annotations

from dataclasses import dataclass

from stagefy_cli.imaging.template_design import Design
from stagefy_cli.imaging.template_money import format_price, listing_facts

STATUS_HEADLINES = {"sold": "Sold", "pending": "Under offer"}


@dataclass(frozen=True)
class ListingText:
    headline: str
    address: str
    locality: str
    price: str
    facts: str
    agent_name: str
    brokerage: str
    contact: str

    @property
    def agent_line(self) -> str:
        """ "Thandi Mokoena  |  Coastal Realty", or whichever of the two is there, never a lone "|"."""
        return joined("  |  ", self.agent_name, self.brokerage)


def joined(separator: str, *parts) -> str:
    """The non-blank parts joined by `separator`: a missing field leaves no stray separator."""
    return separator.join(text for text in (str(part or "").strip() for part in parts) if text)


def listing_text(listing: dict, agent: dict, design: Design, default_headline: str) -> ListingText:
    """Everything is a plain string; what the listing or profile leaves out is an empty string and
    the layouts skip it."""
    status_headline = STATUS_HEADLINES.get(str(listing.get("status") or "").lower())
    locality = joined(", ", listing.get("city"), listing.get("state"))
    price = listing.get("price")
    return ListingText(
        headline=(design.headline or status_headline or default_headline).upper(),
        address=str(listing.get("address") or ""),
        locality=locality,
        price=format_price(price, design.currency) if price is not None else "",
        facts=listing_facts(
            listing.get("bedrooms"), listing.get("bathrooms"), listing.get("sqft"), design.currency
        ),
        agent_name=str(agent.get("full_name") or "").strip(),
        brokerage=str(agent.get("brokerage") or "").strip(),
        contact=joined("  ·  ", agent.get("phone"), agent.get("email")),
    )
