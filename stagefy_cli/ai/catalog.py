"""The vocabulary of photo edits shared by the CLI, the worker and the SQL price list.

Values are the stable identifiers stored in `ai_jobs.input` and accepted on the command line;
`label()` turns one into the words shown to people.
"""

from __future__ import annotations

from stagefy_cli.models import PROVIDERS  # noqa: F401 - the catalog of providers, as the registry reads it

EDIT_TYPES = ("virtual_staging", "declutter", "enhance", "sky_replacement", "day_to_dusk", "custom")

STYLES = (
    "modern",
    "scandinavian",
    "industrial",
    "coastal",
    "farmhouse",
    "luxury",
    "minimalist",
    "mid_century",
    "bohemian",
    "traditional",
    "contemporary",
    "japandi",
    "rustic",
    "french_country",
    "art_deco",
    "transitional",
)

ROOM_TYPES = (
    "living_room",
    "bedroom",
    "kitchen",
    "dining_room",
    "office",
    "bathroom",
    "outdoor",
    "kids_room",
    "nursery",
    "family_room",
    "entryway",
    "patio",
)


#: The edits that keep the photo's geometry (the camera, the walls, every edge where it was): their
#: result can borrow the full-size photo's detail (`imaging.fullres`); staging and custom redraw.
KEEPS_GEOMETRY = ("declutter", "enhance", "sky_replacement", "day_to_dusk")


def label(value: str) -> str:
    """'living_room' -> 'living room', 'mid_century' -> 'mid-century modern' (for prompts and tables)."""
    if value == "mid_century":
        return "mid-century modern"
    return value.replace("_", " ")


#: What each provider can do. The remote models edit from an instruction, so they take every type;
#: `local` does only what classic image processing can do honestly.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "replicate": EDIT_TYPES,
    "nano_banana": EDIT_TYPES,
    "qwen": EDIT_TYPES,
    "local": ("enhance", "sky_replacement", "day_to_dusk"),
}

#: Which provider to prefer for each type when several are usable (first usable wins).
#: Staging goes to a model built for interiors; instruction editors lead for the rest; `local` is
#: the offline fallback.
PREFERENCE: dict[str, tuple[str, ...]] = {
    "virtual_staging": ("replicate", "nano_banana", "qwen"),
    "declutter": ("nano_banana", "qwen", "replicate"),
    "enhance": ("nano_banana", "replicate", "qwen", "local"),
    "sky_replacement": ("nano_banana", "qwen", "replicate", "local"),
    "day_to_dusk": ("nano_banana", "qwen", "replicate", "local"),
    "custom": ("nano_banana", "qwen", "replicate"),
}


def providers_for(edit_type: str) -> tuple[str, ...]:
    """The providers able to do `edit_type`, most preferred first."""
    return PREFERENCE.get(edit_type, ())


#: The environment variable holding each remote provider's token (read by the worker only).
TOKEN_ENV = {"replicate": "REPLICATE_API_TOKEN", "nano_banana": "GEMINI_API_KEY", "qwen": "DASHSCOPE_API_KEY"}


def unsupported_message(edit_type: str, provider: str) -> str:
    """'local cannot do virtual_staging; use replicate, nano_banana or qwen (REPLICATE_API_TOKEN, ...)'."""
    able = [name for name in providers_for(edit_type) if name != provider]
    if not able:
        return f"{provider} cannot do {edit_type}"
    names = ", ".join(able[:-1]) + (" or " if len(able) > 1 else "") + able[-1]
    tokens = [TOKEN_ENV[name] for name in able if name in TOKEN_ENV]
    hint = f" (the worker needs {' / '.join(tokens)})" if tokens else ""
    return f"{provider} cannot do {edit_type}; use {names}{hint}"
