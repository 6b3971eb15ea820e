"""A template's `settings` (jsonb) read into the design choices the renderers use.

Recognised keys: `primary`, `accent`, `background`, `text` (hex colours), `font` (a shipped family),
`layout` (a variant of the template type), `currency` (ISO code, for a listing without one; ZAR by
default), `paper` (`a4` or `letter`, flyers only), `headline` and `seconds_per_photo` (reels). The logo arrives as
image bytes in `values["logo"]` or `settings["logo"]`: the caller resolves a logo media id to bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from stagefy_cli.imaging.colour import RGB, parse_hex_colour, to_srgb
from stagefy_cli.imaging.errors import RenderError
from stagefy_cli.imaging.typefaces import resolve_family
from stagefy_cli.money import DEFAULT_CURRENCY

DEFAULT_COLOURS = {
    "primary": "#1F2A44",
    "accent": "#C9A227",
    "background": "#F7F5F0",
    "text": "#1B1B1B",
}
PAPERS = ("a4", "letter")


def readable_on(background: RGB) -> RGB:
    """White or near-black, whichever reads better on `background` (WCAG relative luminance)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in background)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (255, 255, 255) if luminance < 0.4 else (27, 27, 27)


def load_logo(data: bytes) -> Image.Image:
    """The logo upright, as RGBA in sRGB (converted from its embedded profile, its transparency kept)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            icc = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise RenderError(f"The logo is not a readable image ({exc}).") from None
    logo = to_srgb(upright.convert("RGB"), icc)
    logo.putalpha(upright.getchannel("A"))
    return logo


@dataclass(frozen=True)
class Design:
    primary: RGB
    accent: RGB
    background: RGB
    text: RGB
    font: str
    layout: str
    currency: str
    paper: str
    headline: str | None
    logo: Image.Image | None

    @property
    def on_primary(self) -> RGB:
        return readable_on(self.primary)


def design_from_settings(settings: dict, values: dict, layouts: tuple[str, ...]) -> Design:
    """Read `settings` for a template whose type offers `layouts` (the first is the default)."""
    colours = {
        key: parse_hex_colour(settings.get(key) or default, key) for key, default in DEFAULT_COLOURS.items()
    }
    layout = str(settings.get("layout") or layouts[0]).lower()
    if layout not in layouts:
        raise RenderError(f"Unknown layout {layout!r}; choose one of: {', '.join(layouts)}.")
    paper = str(settings.get("paper") or "a4").lower()
    if paper not in PAPERS:
        raise RenderError(f"Unknown paper {paper!r}; choose one of: {', '.join(PAPERS)}.")
    logo_bytes = values.get("logo") or settings.get("logo")
    return Design(
        **colours,
        font=resolve_family(settings.get("font")),
        layout=layout,
        currency=str(settings.get("currency") or DEFAULT_CURRENCY).upper(),
        paper=paper,
        headline=values.get("headline") or settings.get("headline"),
        logo=load_logo(logo_bytes) if isinstance(logo_bytes, bytes | bytearray) else None,
    )
