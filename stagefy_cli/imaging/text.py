"""Text that never overflows its box: shrink the size down to a minimum, then wrap, then ellipsize.

`Canvas` draws fitted text and records the ink box of every line it drew, so a layout (and its
tests) can prove that all text stays inside the safe area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from stagefy_cli.imaging.typefaces import drawable, load_font

ELLIPSIS = "…"
LINE_SPACING = 1.12
SMALLEST_READABLE_PX = 6
MIN_SIZE_SHARE = 0.6  # a stacked item shrinks alone to 60% of its size before it is cut
# A stack of text shrinks as a whole in these steps (down to 70%) before single items give way,
# so one long address cannot make the price tiny.
STACK_SCALES = tuple(round(1 - 0.06 * step, 2) for step in range(6))  # 1.0 .. 0.7


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def inset(self, dx: int, dy: int | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x + dx, self.y + dy, max(0, self.w - 2 * dx), max(0, self.h - 2 * dy))

    def contains(self, bbox: tuple[int, int, int, int]) -> bool:
        left, top, right, bottom = bbox
        return left >= self.x and top >= self.y and right <= self.right and bottom <= self.bottom


@dataclass(frozen=True)
class FittedText:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    line_pitch: int
    height: int
    complete: bool = True  # False when lines were cut and ellipsized


@dataclass(frozen=True)
class Placement:
    """A drawn line: its ink box, and where and how it was set (pen position on the baseline, the
    font file and size in pixels, the advance width), so a PDF can lay the same text over it."""

    text: str
    bbox: tuple[int, int, int, int]
    origin: tuple[int, int] = (0, 0)
    font_path: str = ""
    size: int = 0
    advance: float = 0.0


def ink_width(font: ImageFont.FreeTypeFont, text: str) -> int:
    left, _, right, _ = font.getbbox(text)
    return right - min(0, left)


def _line_metrics(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * LINE_SPACING), ascent + descent


def _break_long_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and ink_width(font, current + char) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap_words(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the box is broken between characters."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if ink_width(font, candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = _break_long_word(word, font, width) if ink_width(font, word) > width else [word]
            lines.extend(pieces[:-1])
            current = pieces[-1]
        lines.append(current)
    return lines


def ellipsize(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    text = line.rstrip()
    while text and ink_width(font, text + ELLIPSIS) > width:
        text = text[:-1].rstrip()
    return text + ELLIPSIS if text else ELLIPSIS


def _block_height(lines: int, pitch: int, extent: int) -> int:
    return (lines - 1) * pitch + extent if lines else 0


def fit_text(
    text: str,
    family: str,
    width: int,
    height: int,
    *,
    max_size: int,
    min_size: int,
    max_lines: int = 1,
    bold: bool = False,
) -> FittedText:
    """The largest size in [min_size, max_size] at which `text` wraps into the box; below that, the
    minimum size with the text cut to the lines that fit and an ellipsis. The minimum only yields
    when not even one line of it fits the height: overflow is never the answer. Characters the
    family lacks are left out (see `drawable`)."""
    text = drawable(text, family, bold)
    size = max(max_size, 1)
    floor = max(1, min(min_size, max_size))
    while True:
        font = load_font(family, size, bold)
        pitch, extent = _line_metrics(font)
        room = min(max_lines, (height - extent) // pitch + 1) if extent <= height else 0
        lines = wrap_words(text, font, width)
        if room and len(lines) <= room:
            return FittedText(lines, font, pitch, _block_height(len(lines), pitch, extent))
        if size > floor:
            size = max(floor, size - max(1, size // 14))
        elif room or size <= SMALLEST_READABLE_PX:
            break
        else:
            size -= 1
    room = max(room, 1)
    kept = lines[:room]
    kept[-1] = ellipsize(kept[-1], font, width)
    return FittedText(kept, font, pitch, _block_height(len(kept), pitch, extent), complete=False)


@dataclass(frozen=True)
class TextItem:
    """One entry of a vertical stack: its text, size range, line limit and the gap below it."""

    text: str
    max_size: int
    fill: tuple[int, ...]
    max_lines: int = 1
    bold: bool = False
    max_height: int | None = None
    gap_after: int = 0
    min_size: int | None = None  # default: MIN_SIZE_SHARE of max_size

    @property
    def smallest(self) -> int:
        return self.min_size if self.min_size is not None else max(1, round(self.max_size * MIN_SIZE_SHARE))


@dataclass
class Canvas:
    """An image plus the ink boxes of every text line drawn on it."""

    image: Image.Image
    placements: list[Placement] = field(default_factory=list)

    def __post_init__(self):
        self.draw = ImageDraw.Draw(self.image)

    def text(
        self,
        text: str,
        box: Box,
        *,
        family: str,
        max_size: int,
        min_size: int,
        fill: tuple[int, ...],
        max_lines: int = 1,
        bold: bool = False,
        align: str = "left",
        valign: str = "top",
    ) -> Box:
        """Draw `text` fitted into `box`; return the box it really used (zero height for no text)."""
        if not text.strip() or box.w <= 0 or box.h <= 0:
            return Box(box.x, box.y, box.w, 0)
        fitted = fit_text(
            text, family, box.w, box.h, max_size=max_size, min_size=min_size, max_lines=max_lines, bold=bold
        )
        top = box.y
        if valign == "middle":
            top = box.y + (box.h - fitted.height) // 2
        elif valign == "bottom":
            top = box.bottom - fitted.height
        self.draw_fitted(fitted, box.x, top, box.w, fill, align)
        return Box(box.x, top, box.w, fitted.height)

    def stack(
        self, items: list[TextItem], box: Box, *, family: str, align: str = "left", valign: str = "top"
    ) -> Box:
        """Draw the items as one block aligned in `box`. The whole block shrinks together (sizes and
        gaps scaled alike) until every item fits at its scaled size; if even the smallest scale does
        not fit, items are fitted top to bottom in what is left, shrinking and ellipsizing the later
        ones. Empty items are skipped."""
        blocks = self._layout(items, box, family)
        if not blocks:
            return Box(box.x, box.y, box.w, 0)
        total = sum(fitted.height + gap for fitted, _, gap in blocks) - blocks[-1][2]
        top = {"top": box.y, "middle": box.y + (box.h - total) // 2, "bottom": box.bottom - total}[valign]
        y = top
        for fitted, item, gap in blocks:
            self.draw_fitted(fitted, box.x, y, box.w, item.fill, align)
            y += fitted.height + gap
        return Box(box.x, top, box.w, total)

    def stack_height(self, items: list[TextItem], box: Box, *, family: str) -> int:
        """The height `stack` would use for `items` in `box`, drawing nothing (to lay out around it)."""
        blocks = self._layout(items, box, family)
        return sum(fitted.height + gap for fitted, _, gap in blocks) - blocks[-1][2] if blocks else 0

    @classmethod
    def _layout(cls, items: list[TextItem], box: Box, family: str) -> list[tuple[FittedText, TextItem, int]]:
        items = [item for item in items if item.text.strip()]
        blocks: list[tuple[FittedText, TextItem, int]] = []
        for scale in STACK_SCALES if items else ():
            blocks, whole = cls._fit_stack(items, box, family, scale)
            if whole:
                break
        return blocks

    @staticmethod
    def _fit_stack(
        items: list[TextItem], box: Box, family: str, scale: float
    ) -> tuple[list[tuple[FittedText, TextItem, int]], bool]:
        """Fit the items at `scale` into `box` top to bottom; also say whether all of them kept their
        scaled size and all their text."""
        blocks: list[tuple[FittedText, TextItem, int]] = []
        remaining, whole = box.h, True
        for item in items:
            height = min(item.max_height or remaining, remaining)
            if height <= 0:
                return blocks, False
            size = max(1, round(item.max_size * scale))
            fitted = fit_text(
                item.text,
                family,
                box.w,
                height,
                max_size=size,
                min_size=min(item.smallest, size),
                max_lines=item.max_lines,
                bold=item.bold,
            )
            whole = whole and fitted.complete and fitted.font.size == size
            gap = round(item.gap_after * scale)
            blocks.append((fitted, item, gap))
            remaining -= fitted.height + gap
        return blocks, whole

    def draw_fitted(
        self, fitted: FittedText, x: int, top: int, width: int, fill: tuple[int, ...], align: str
    ):
        for number, line in enumerate(fitted.lines):
            left_bearing, _, right, _ = fitted.font.getbbox(line)
            line_width = right - min(0, left_bearing)
            line_x = x - min(0, left_bearing)
            if align == "center":
                line_x += (width - line_width) // 2
            elif align == "right":
                line_x += width - line_width
            y = top + number * fitted.line_pitch
            self.draw.text((line_x, y), line, font=fitted.font, fill=fill, anchor="la")
            bbox = self.draw.textbbox((line_x, y), line, font=fitted.font, anchor="la")
            ascent, _ = fitted.font.getmetrics()
            self.placements.append(
                Placement(
                    line,
                    bbox,
                    (line_x, y + ascent),
                    str(fitted.font.path),
                    fitted.font.size,
                    fitted.font.getlength(line),
                )
            )
