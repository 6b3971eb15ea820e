"""Instructions for the generative image editors, one per edit type.

Written for instruction-following editors (Gemini image, Qwen image edit): say what to change,
then what must not change, because listing photos must stay truthful about the property itself
(walls, windows, floors, fixtures and views are what a buyer will see when they visit).
"""

from __future__ import annotations

import functools

from .catalog import EDIT_TYPES, label

KEEP_ARCHITECTURE = (
    "Keep the architecture exactly as it is: walls, ceiling, floor, windows, doors, built-in fixtures, "
    "the view through the windows, the camera position, perspective and framing."
)
PHOTOREAL = "The result must look like an unedited professional real-estate photograph: photorealistic, natural light."

STYLE_HINTS = {
    "modern": "clean lines, neutral palette with black accents, low-profile furniture",
    "scandinavian": "light oak wood, white and soft grey textiles, simple functional furniture, cosy throws",
    "industrial": "leather and metal furniture, reclaimed wood, dark accents, Edison-style lighting",
    "coastal": "white and sand tones with soft blues, linen, rattan and light wood",
    "farmhouse": "warm wood, white shiplap-friendly tones, comfortable slipcovered seating, vintage touches",
    "luxury": "high-end designer furniture, marble and brass accents, velvet and rich textures",
    "minimalist": "very few carefully chosen pieces, neutral colours, uncluttered surfaces",
    "mid_century": "walnut wood, tapered legs, organic shapes, mustard and teal accents",
    "bohemian": "layered rugs and textiles, plants, rattan, warm earthy colours",
    "traditional": "classic wood furniture, rich fabrics, symmetrical arrangement, warm tones",
    "contemporary": "current design, soft curves, neutral base with one accent colour",
    "japandi": "low natural-wood furniture, muted earth tones, linen, calm minimal arrangement",
    "rustic": "rough-hewn wood, stone and natural fibres, warm cabin feel",
    "french_country": "soft pastels, distressed painted wood, toile fabrics",
    "art_deco": "geometric patterns, gold accents, velvet, bold symmetrical shapes",
    "transitional": "a blend of classic and modern: neutral colours, simple silhouettes",
}

ROOM_FURNITURE = {
    "living_room": "a sofa, armchairs, a coffee table, a rug, side tables, lamps and wall art",
    "bedroom": "a made bed with bedding and pillows, bedside tables with lamps, a rug and a dresser",
    "kitchen": "bar stools, a fruit bowl, a few tasteful countertop accessories and a small plant",
    "dining_room": "a dining table with chairs, a pendant-friendly centrepiece, a sideboard and a rug",
    "office": "a desk, an ergonomic chair, shelving with books, a lamp and a plant",
    "bathroom": "folded towels, a bath mat, a plant and a few toiletries in matching containers",
    "outdoor": "outdoor lounge furniture, potted plants and an outdoor rug",
    "kids_room": "a child's bed, a play rug, toy storage, a small desk and playful wall art",
    "nursery": "a crib, a rocking chair, a soft rug and a changing dresser",
    "family_room": "a large sectional sofa, a media console, a coffee table and a rug",
    "entryway": "a console table, a mirror, a bench and a runner rug",
    "patio": "an outdoor dining set or lounge chairs, potted plants and string lights",
}


#: The instruction-length limits of the services that have one, in characters: DashScope's image
#: edit models silently cut the text after 800, so a prompt for them must fit whole.
PROMPT_LIMITS = {"qwen": 800}


class PromptTooLong(ValueError):
    """The user's words cannot fit the service's limit beside the instructions that protect the
    property; `max_wish` is how many characters of their own would."""

    def __init__(self, provider: str, limit: int, max_wish: int, wish: int):
        self.max_wish = max(0, max_wish)
        super().__init__(
            f"the request is too long for {provider} ({wish} characters; at most {self.max_wish} fit "
            f"its {limit}-character instruction limit beside the built-in instructions)"
        )


def build_prompt(
    edit_type: str,
    style: str | None = None,
    room: str | None = None,
    prompt: str | None = None,
    *,
    limit: int | None = None,
    provider: str = "the provider",
) -> str:
    """The instruction for one edit. `prompt` is the user's own words: required for `custom`,
    added as an extra wish for the other types, always before the instructions that protect the
    property (the last word an editor reads).

    With a `limit`, the detailed wording is shortened (style and furniture hints, the photo-style
    sentence) until the whole fits; the user's words and the protective instructions are never
    cut: PromptTooLong when even the short wording cannot hold them."""
    if edit_type not in EDIT_TYPES:
        raise ValueError(f"unknown edit type {edit_type!r}")
    extra = (prompt or "").strip()
    if edit_type == "custom" and not extra:
        raise ValueError("a custom edit needs a prompt")
    full = _compose(edit_type, style, room, extra, detailed=True)
    if limit is None or len(full) <= limit:
        return full
    short = _compose(edit_type, style, room, extra, detailed=False)
    if len(short) <= limit:
        return short
    overhead = len(short) - len(extra)
    raise PromptTooLong(provider, limit, limit - overhead, len(extra))


@functools.cache
def max_wish(edit_type: str, provider: str) -> int | None:
    """The longest wish (the user's own words) an edit of `edit_type` can carry within `provider`'s
    limit, whatever the style and room: None when the provider has no limit. The server refuses
    longer ones with the same figures (`private.max_wish`, a test keeps them equal)."""
    limit = PROMPT_LIMITS.get(provider)
    if limit is None:
        return None
    fits = []
    for style in (None, *STYLE_HINTS):
        for room in (None, *ROOM_FURNITURE):
            try:
                build_prompt(edit_type, style, room, "w" * (limit + 1), limit=limit, provider=provider)
            except PromptTooLong as exc:
                fits.append(exc.max_wish)
    return min(fits)


def check_fits(edit_type: str, prompt: str | None, providers: tuple[str, ...]) -> None:
    """Refuse (PromptTooLong) a wish that would not fit the limit of any of `providers` (those
    that may run the edit), before anything is charged."""
    wish = len((prompt or "").strip())
    for name in providers:
        most = max_wish(edit_type, name)
        if most is not None and wish > most:
            raise PromptTooLong(name, PROMPT_LIMITS[name], most, wish)


def _compose(edit_type: str, style: str | None, room: str | None, extra: str, *, detailed: bool) -> str:
    body = {
        "virtual_staging": lambda: _staging(style, room, detailed),
        "declutter": _declutter,
        "enhance": _enhance,
        "sky_replacement": _sky,
        "day_to_dusk": _dusk,
        "custom": lambda: f"Edit this real-estate photo: {extra}.",
    }[edit_type]()
    if extra and edit_type != "custom":
        body += f" Also: {extra}."
    if edit_type in KEEPS_ARCHITECTURE:
        body += f" {KEEP_ARCHITECTURE}"
    return f"{body} {PHOTOREAL if detailed else PHOTOREAL_SHORT}"


#: The edits whose instruction ends with KEEP_ARCHITECTURE (the others say what alone may change).
KEEPS_ARCHITECTURE = ("virtual_staging", "declutter", "custom")
PHOTOREAL_SHORT = "Photorealistic."


def _staging(style: str | None, room: str | None, detailed: bool = True) -> str:
    room_words = label(room) if room else "room"
    if not detailed:
        style_words = f"{label(style)} style" if style in STYLE_HINTS else "a tasteful style"
        return (
            f"Virtually stage this empty {room_words} in {style_words}: add suitable furniture at a "
            "realistic scale with correct perspective and shadows. Do not block doors or windows."
        )
    furniture = ROOM_FURNITURE.get(room or "", "furniture and decor that suit the room")
    style_words = (
        f"{label(style)} style ({STYLE_HINTS[style]})" if style in STYLE_HINTS else "a tasteful style"
    )
    return (
        f"Virtually stage this empty {room_words} in {style_words}: add {furniture}, "
        "placed at a realistic scale on the floor with correct perspective, contact shadows and lighting "
        "that match the photo. Do not block doors or windows."
    )


def _declutter() -> str:
    return (
        "Remove all clutter and personal items from this room: loose objects, boxes, clothes, toiletries, "
        "papers, cables, photos and personal decorations. Where objects are removed, reconstruct the floor, "
        "walls and surfaces behind them seamlessly. Keep the large furniture unless it is clearly clutter."
    )


def _enhance() -> str:
    return (
        "Enhance this real-estate photo like a professional photo editor: neutral white balance, balanced "
        "exposure with bright but not blown-out windows, lifted shadows, vertical lines straight, crisp "
        "detail and low noise. Do not add, remove or restyle any object."
    )


def _sky() -> str:
    return (
        "Replace the sky with a clear blue sky with a few soft white clouds, and adjust the light on the "
        "building and garden to match a sunny day. Change nothing but the sky and the light; keep roof "
        "lines, trees and edges precise."
    )


def _dusk() -> str:
    return (
        "Turn this daytime exterior photo into a twilight photo: a deep blue dusk sky with a warm orange "
        "glow at the horizon, warm yellow light glowing from the windows and exterior lights switched on, "
        "the rest of the scene in soft evening light. Do not change the building, garden or any object."
    )


def describe_staged_room(style: str | None, room: str | None) -> str:
    """A description (not an instruction) for diffusion models that redraw a room from its photo,
    such as adirik/interior-design: they are prompted with what the result shows."""
    room_words = label(room) if room else "room"
    style_words = f"{label(style)} style " if style else ""
    furniture = ROOM_FURNITURE.get(room or "", "tasteful furniture and decor")
    hints = f", {STYLE_HINTS[style]}" if style in STYLE_HINTS else ""
    return (
        f"A beautifully staged {style_words}{room_words} with {furniture}{hints}, "
        "professional real-estate interior photograph, natural light, photorealistic, high detail"
    )


NEGATIVE_PROMPT = (
    "lowres, blurry, distorted perspective, warped walls, extra windows, extra doors, deformed furniture, "
    "floating objects, text, watermark, cartoon, painting, oversaturated"
)
