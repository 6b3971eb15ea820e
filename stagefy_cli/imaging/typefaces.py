"""The typefaces shipped in `imaging/fonts/` (SIL Open Font License, texts beside the files).

Families are looked up case-insensitively; an unknown family is a clear error rather than a silent
fallback, because a template that names a font the agent never sees rendered would be a surprise.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from stagefy_cli.imaging.errors import RenderError

FONT_DIR = Path(__file__).with_name("fonts")

FAMILIES: dict[str, tuple[str, str]] = {
    "Lato": ("Lato-Regular.ttf", "Lato-Bold.ttf"),
    "Manrope": ("Manrope-Regular.ttf", "Manrope-Bold.ttf"),
    "Source Serif Pro": ("SourceSerifPro-Regular.ttf", "SourceSerifPro-Bold.ttf"),
}
DEFAULT_FAMILY = "Lato"


def resolve_family(name: str | None) -> str:
    """The canonical family name for `name` (None means the default)."""
    if not name:
        return DEFAULT_FAMILY
    for family in FAMILIES:
        if family.lower() == name.strip().lower():
            return family
    raise RenderError(f"Unknown font {name!r}; choose one of: {', '.join(FAMILIES)}.")


def font_path(family: str, bold: bool = False) -> Path:
    regular, heavy = FAMILIES[resolve_family(family)]
    return FONT_DIR / (heavy if bold else regular)


@lru_cache(maxsize=256)
def load_font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(family, bold)), size=max(1, int(size)))


@lru_cache(maxsize=16)
def _code_points(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def has_glyph(family: str, char: str, bold: bool = False) -> bool:
    """Whether the family draws `char` itself (its cmap maps it). A character it lacks (an emoji in
    Lato) would come out as the font's .notdef box ("tofu")."""
    return char.isspace() or ord(char) in _code_points(font_path(family, bold))


def drawable(text: str, family: str, bold: bool = False) -> str:
    """`text` without the characters the family cannot draw (left out, never drawn as boxes), with
    the spaces they leave behind collapsed: "Sea views 🏡 12 Beach Rd" -> "Sea views 12 Beach Rd"."""
    kept = "".join(char for char in text if has_glyph(family, char, bold))
    if kept == text:
        return text
    return "\n".join(" ".join(line.split()) for line in kept.splitlines())
