"""Marketing templates rendered from a listing, the agent's profile and the template's settings.

`render_template` is a pure function: the caller loads the listing, the profile, the template's
`settings` and the photos (as bytes), and stores what comes back. `check_template_request` runs the
same validation without rendering, so a caller can refuse a request before spending credits.

Outputs per type: `listing_promo` a 1080x1080 and a 1080x1350 JPEG; `open_house` a one-page PDF
flyer (A4 or US Letter, `settings["paper"]`) and a PNG preview, with `values["date"]` and
`values["time"]`; `instagram_reel` a 1080x1920 MP4. `custom` templates are AI edits: their prompt is
filled by `fill_placeholders` and submitted as an edit, so there is nothing to render here.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from stagefy_cli.imaging.colour import SRGB_ICC
from stagefy_cli.imaging.errors import RenderError
from stagefy_cli.imaging.templates.content import headline, listing_text
from stagefy_cli.imaging.templates.design import Design, design_from_settings
from stagefy_cli.imaging.templates.flyer import FLYER_LAYOUTS, flyer_pdf, flyer_preview, render_flyer
from stagefy_cli.imaging.templates.placeholders import (
    MissingPlaceholder,
    fill_placeholders,
    listing_placeholders,
    placeholder_names,
)
from stagefy_cli.imaging.templates.promo import PROMO_LAYOUTS, PROMO_SIZES, render_promo
from stagefy_cli.imaging.video.photos import check_photo
from stagefy_cli.imaging.video.types import CardStyle, ClosingCard, OpeningCard

__all__ = [
    "MissingPlaceholder",
    "RenderError",
    "RenderedFile",
    "TEMPLATE_KINDS",
    "check_template_request",
    "fill_placeholders",
    "listing_placeholders",
    "render_template",
]

TEMPLATE_KINDS = ("listing_promo", "open_house", "instagram_reel", "custom")
LAYOUTS = {
    "listing_promo": PROMO_LAYOUTS,
    "open_house": FLYER_LAYOUTS,
    "instagram_reel": ("classic",),
    "custom": ("classic",),
}
REQUIRED_VALUES = {"open_house": ("date", "time")}
REEL_SECONDS_PER_PHOTO = 2.5
JPEG_QUALITY = 90


@dataclass(frozen=True)
class RenderedFile:
    name: str
    data: bytes
    mime_type: str
    width: int
    height: int


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*colour)


def check_template_request(
    kind: str,
    listing: dict,
    agent: dict,
    settings: dict,
    values: dict,
    photo_count: int,
    prompt_template: str | None = None,
) -> Design:
    """Everything that can be wrong before rendering: unknown type, bad settings, missing `--set`
    values or prompt placeholders (MissingPlaceholder names them all), a reel without photos."""
    if kind not in TEMPLATE_KINDS:
        raise RenderError(f"Unknown template type {kind!r}; choose one of: {', '.join(TEMPLATE_KINDS)}.")
    design = design_from_settings(settings, values, LAYOUTS[kind])
    if listing.get("currency"):  # the price is in the listing's currency, whatever the template says
        design = replace(design, currency=str(listing["currency"]).upper())
    missing = [name for name in REQUIRED_VALUES.get(kind, ()) if not str(values.get(name) or "").strip()]
    if kind == "custom":
        known = {**listing_placeholders(listing, agent, design.currency), **values}
        missing += [
            name for name in placeholder_names(prompt_template or "") if known.get(name) in (None, "")
        ]
    if missing:
        raise MissingPlaceholder(missing)
    if kind == "instagram_reel" and photo_count == 0:
        raise RenderError("An Instagram reel needs at least one photo.")
    return design


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, icc_profile=SRGB_ICC)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True, icc_profile=SRGB_ICC)
    return buffer.getvalue()


def _listing_promo(design: Design, listing: dict, agent: dict, photos: Sequence[bytes]) -> list[RenderedFile]:
    text = listing_text(listing, agent, design, "listing_promo")
    files = []
    for size in PROMO_SIZES:
        image = render_promo(size, design, text, photos).image
        files.append(
            RenderedFile(f"listing_promo_{size[0]}x{size[1]}.jpg", _jpeg(image), "image/jpeg", *size)
        )
    return files


def _open_house(
    design: Design, listing: dict, agent: dict, values: dict, photos: Sequence[bytes]
) -> list[RenderedFile]:
    text = listing_text(listing, agent, design, "open_house")
    canvas = render_flyer(design, text, photos, (str(values["date"]), str(values["time"])))
    page = canvas.image
    preview = flyer_preview(page)
    return [
        RenderedFile(
            f"open_house_flyer_{design.paper}.pdf",
            flyer_pdf(canvas),
            "application/pdf",
            *page.size,
        ),
        RenderedFile("open_house_preview.png", _png(preview), "image/png", *preview.size),
    ]


def _instagram_reel(
    design: Design, listing: dict, agent: dict, settings: dict, values: dict, photos: Sequence[bytes]
) -> list[RenderedFile]:
    from stagefy_cli.imaging.video.render import render_slideshow  # PyAV: the CLI checks templates without it

    style = CardStyle(
        background=_hex(design.primary),
        text=_hex(design.on_primary),
        accent=_hex(design.accent),
        font=design.font,
    )
    opening = OpeningCard(
        address=str(listing.get("address") or ""),
        city=listing.get("city"),
        price=listing.get("price"),
        currency=design.currency,
        bedrooms=listing.get("bedrooms"),
        bathrooms=listing.get("bathrooms"),
        sqft=listing.get("sqft"),
        title=headline("instagram_reel", listing.get("status"), design.headline),
        style=style,
    )
    closing = None
    if agent.get("full_name"):
        closing = ClosingCard(
            agent["full_name"], agent.get("brokerage"), agent.get("phone"), agent.get("email"), style
        )
    seconds = float(
        values.get("seconds_per_photo") or settings.get("seconds_per_photo") or REEL_SECONDS_PER_PHOTO
    )
    with tempfile.TemporaryDirectory(prefix="stagefy-reel-") as folder:
        out = Path(folder) / "instagram_reel.mp4"
        info = render_slideshow(
            photos,
            out,
            format="reel",
            seconds_per_photo=seconds,
            opening=opening if opening.address else None,
            closing=closing,
        )
        return [RenderedFile("instagram_reel.mp4", out.read_bytes(), "video/mp4", info.width, info.height)]


def render_template(
    kind: str, listing: dict, agent: dict, settings: dict, values: dict, photos: Sequence[bytes]
) -> list[RenderedFile]:
    """Render one use of a template. Raises MissingPlaceholder (a usage error) for missing values and
    RenderError for bad settings or an unreadable photo (PhotoError names which)."""
    design = check_template_request(kind, listing, agent, settings, values, len(photos))
    for index, photo in enumerate(photos):
        check_photo(photo, index, len(photos))
    if kind == "listing_promo":
        return _listing_promo(design, listing, agent, photos)
    if kind == "open_house":
        return _open_house(design, listing, agent, values, photos)
    if kind == "instagram_reel":
        return _instagram_reel(design, listing, agent, settings, values, photos)
    raise RenderError(
        "Custom templates are AI edits: fill the prompt with fill_placeholders() and submit it as an edit."
    )
