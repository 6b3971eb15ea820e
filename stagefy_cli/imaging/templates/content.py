"""The words on a marketing piece, taken from the listing, the agent's profile and the design."""

from __future__ import annotations

from dataclasses import dataclass

from stagefy_cli.imaging.templates.design import Design
from stagefy_cli.money import format_money, listing_facts

# A piece's headline says what the piece is for and where the listing stands, together: an
# open-house flyer always says "Open house", and a piece for a listing under offer or sold says so.
# (template type, listing status) -> headline; a status not named here reads like `active`.
HEADLINES = {
    ("listing_promo", "active"): "Just listed",
    ("listing_promo", "pending"): "Under offer",
    ("listing_promo", "sold"): "Sold",
    ("listing_promo", "off_market"): "Private listing",
    ("open_house", "active"): "Open house",
    ("open_house", "pending"): "Open house · Under offer",
    ("open_house", "sold"): "Open house · Sold",
    ("open_house", "off_market"): "Private viewing",
}
# A reel markets the listing as a post does.
PURPOSES = {"instagram_reel": "listing_promo"}


def headline(kind: str, status: str | None, chosen: str | None = None) -> str:
    """The headline of a `kind` piece for a listing in `status`, in capitals; the template's own
    `headline` setting (`chosen`) when it has one."""
    if chosen:
        return chosen.upper()
    purpose = PURPOSES.get(kind, kind)
    status = str(status or "active").lower()
    return HEADLINES.get((purpose, status), HEADLINES[(purpose, "active")]).upper()


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


def listing_text(listing: dict, agent: dict, design: Design, kind: str) -> ListingText:
    """The words of a `kind` piece. Everything is a plain string; what the listing or profile leaves
    out is an empty string and the layouts skip it."""
    locality = joined(", ", listing.get("city"), listing.get("state"))
    price = listing.get("price")
    return ListingText(
        headline=headline(kind, listing.get("status"), design.headline),
        address=str(listing.get("address") or ""),
        locality=locality,
        price=format_money(price, design.currency) if price is not None else "",
        facts=listing_facts(
            listing.get("bedrooms"), listing.get("bathrooms"), listing.get("sqft"), design.currency
        ),
        agent_name=str(agent.get("full_name") or "").strip(),
        brokerage=str(agent.get("brokerage") or "").strip(),
        contact=joined("  ·  ", agent.get("phone"), agent.get("email")),
    )
