"""Pictures in the terminal: real pixels through the kitty, iTerm2 or sixel protocol where the
terminal speaks one, colour half-block characters everywhere else.

The protocol is chosen from the environment only (no query is written to the terminal, so nothing
can hang or swallow a keystroke): kitty and Ghostty announce themselves (`KITTY_WINDOW_ID`,
`TERM=xterm-kitty`, `TERM_PROGRAM=ghostty`); iTerm2, WezTerm and mintty through `TERM_PROGRAM` (or
`LC_TERMINAL=iTerm2`, which survives ssh); foot, mlterm, contour and yaft through `TERM`. Inside
tmux or screen, and when nothing is said, half-blocks, which every colour terminal shows.
`STAGEFY_PREVIEW=kitty|iterm2|sixel|blocks|off` overrides the choice.

Half-blocks come from rich-pixels. The three pixel protocols are written here, each a few lines
around Pillow: the maintained libraries that speak them do not fit a command-line tool (term-image
needs Pillow < 11; textual-image queries the terminal when imported and writes kitty images around
the output stream; chafa.py needs GLib from the system), while the sequences themselves are short
and documented: kitty's graphics protocol and iTerm2's inline images carry a base64 PNG, sixel a
palette image in bands of six rows.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from PIL import Image

from stagefy_cli.errors import UsageError

PROTOCOLS = ("kitty", "iterm2", "sixel", "blocks")
_ITERM2_PROGRAMS = ("iterm.app", "wezterm", "mintty")
_SIXEL_TERMS = ("foot", "mlterm", "contour", "yaft")
_KITTY_CHUNK = 4096
_SIXEL_COLORS = 255
_SIXEL_RUN = re.compile(rb"(.)\1{3,}")
_PLUS_63 = bytes((value + 63) % 256 for value in range(256))  # a sixel character from its bits


def detect(env: Mapping[str, str]) -> str | None:
    """The protocol for the terminal `env` describes, or None for a terminal that shows no colour."""
    forced = env.get("STAGEFY_PREVIEW", "").strip().lower()
    if forced:
        if forced in ("off", "none"):
            return None
        if forced not in PROTOCOLS:
            raise UsageError(f"STAGEFY_PREVIEW '{forced}' is not one of: {', '.join(PROTOCOLS)}, off.")
        return forced
    term, program = env.get("TERM", "").lower(), env.get("TERM_PROGRAM", "").lower()
    if term == "dumb":
        return None
    if env.get("TMUX") or term.startswith(("screen", "tmux")) or program == "tmux":
        return "blocks"  # multiplexers drop image sequences unless passthrough is set up
    if env.get("KITTY_WINDOW_ID") or term in ("xterm-kitty", "xterm-ghostty") or program == "ghostty":
        return "kitty"
    if program in _ITERM2_PROGRAMS or env.get("LC_TERMINAL", "").lower() == "iterm2":
        return "iterm2"
    if term.startswith(_SIXEL_TERMS):
        return "sixel"
    return "blocks"


def cell_pixels(stream: TextIO) -> tuple[int, int]:
    """A character cell's size in pixels as the terminal reports it (TIOCGWINSZ), else the VT340's
    10x20 that sixel terminals assume."""
    try:
        import fcntl
        import struct
        import termios

        packed = fcntl.ioctl(stream.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        rows, columns, x_pixels, y_pixels = struct.unpack("HHHH", packed)
    except (ImportError, OSError, ValueError, io.UnsupportedOperation):
        return (10, 20)
    if rows and columns and x_pixels and y_pixels:
        return (max(1, x_pixels // columns), max(1, y_pixels // rows))
    return (10, 20)


@dataclass(frozen=True)
class Box:
    """Where a picture goes: a number of terminal cells, each `cell_px` pixels (width, height)."""

    columns: int
    rows: int
    cell_px: tuple[int, int] = (10, 20)

    @classmethod
    def fit(cls, image: Image.Image, columns: int, max_rows: int, cell_px=(10, 20)) -> Box:
        """The largest box at most `columns` x `max_rows` cells with the image's shape."""
        cell_w, cell_h = cell_px
        columns = max(1, columns)
        rows = max(1, round(columns * cell_w * image.height / (image.width * cell_h)))
        if rows > max_rows:
            rows = max(1, max_rows)
            columns = max(1, round(rows * cell_h * image.width / (image.height * cell_w)))
        return cls(columns, rows, cell_px)


def draw(image: Image.Image, protocol: str, box: Box, stream: TextIO) -> None:
    """Write `image` into `box` on `stream` with `protocol`, ending on a fresh line."""
    if protocol == "blocks":
        _blocks(image, box, stream)
    elif protocol == "kitty":
        stream.write(_kitty(_png(image, box), box) + "\n")
    elif protocol == "iterm2":
        stream.write(_iterm2(_png(image, box), box) + "\n")
    elif protocol == "sixel":
        width, height = box.columns * box.cell_px[0], box.rows * box.cell_px[1]
        stream.write(_sixel(image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)))
        stream.write("\n")
    else:
        raise ValueError(f"unknown protocol {protocol!r}")
    stream.flush()


def _png(image: Image.Image, box: Box) -> bytes:
    """The image at the box's pixel size (never enlarged), as PNG."""
    width = min(image.width, box.columns * box.cell_px[0])
    scaled = image.convert("RGB").resize(
        (width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    scaled.save(buffer, "PNG")
    return buffer.getvalue()


def _kitty(png: bytes, box: Box) -> str:
    """Kitty graphics protocol: transmit-and-display (a=T) a PNG (f=100) scaled to the cell box,
    in chunks of 4096 base64 bytes (m=1 while more follow); q=2 keeps the terminal from answering."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[i : i + _KITTY_CHUNK] for i in range(0, len(data), _KITTY_CHUNK)]
    parts = []
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        keys = f"a=T,f=100,c={box.columns},r={box.rows},q=2,m={more}" if n == 0 else f"m={more}"
        parts.append(f"\x1b_G{keys};{chunk}\x1b\\")
    return "".join(parts)


def _iterm2(png: bytes, box: Box) -> str:
    """iTerm2 inline image (OSC 1337 File=), sized in cells."""
    data = base64.standard_b64encode(png).decode("ascii")
    return (
        f"\x1b]1337;File=inline=1;size={len(png)};width={box.columns};height={box.rows};"
        f"preserveAspectRatio=1:{data}\x07"
    )


def _sixel(image: Image.Image) -> str:
    """DEC sixel: a palette of up to 255 colours, then bands of six pixel rows, one pass per colour
    present in the band (`#n` selects it, each character is 63 + the six bits of a column, `$`
    returns to the band's start, `-` moves to the next band, `!N` repeats a character).

    Without NumPy (the plain install has none): a band's bits for one colour are its six rows, each
    translated to that row's bit where the colour is and 0 elsewhere, OR-ed as big integers (the
    bits never overlap, so no byte carries into the next)."""
    indexed = image.quantize(colors=_SIXEL_COLORS, method=Image.Quantize.MEDIANCUT)
    width, height = indexed.size
    pixels = indexed.tobytes()  # one palette index per pixel
    palette = indexed.getpalette()[: 3 * (max(pixels) + 1)]
    out = [f'\x1bP0;1q"1;1;{width};{height}'.encode()]  # P2=1: unset bits keep the colour drawn
    for n in range(len(palette) // 3):
        r, g, b = (round(v * 100 / 255) for v in palette[3 * n : 3 * n + 3])
        out.append(f"#{n};2;{r};{g};{b}".encode())
    for top in range(0, height, 6):
        rows = [pixels[y * width : (y + 1) * width] for y in range(top, min(top + 6, height))]
        for colour in sorted(set(b"".join(rows))):
            bits = 0
            for row_number, row in enumerate(rows):
                table = bytearray(256)
                table[colour] = 1 << row_number
                bits |= int.from_bytes(row.translate(table), "big")
            line = bits.to_bytes(width, "big").translate(_PLUS_63)
            out.append(b"#%d" % colour + _SIXEL_RUN.sub(lambda m: b"!%d%s" % (len(m[0]), m[1]), line) + b"$")
        out.append(b"-")
    out.append(b"\x1b\\")
    return b"".join(out).decode("ascii")


def _blocks(image: Image.Image, box: Box, stream: TextIO) -> None:
    """Two pixels per cell: '▄' with the lower pixel as foreground and the upper as background."""
    import os

    from rich.console import Console
    from rich_pixels import Pixels

    scaled = image.convert("RGB").resize((box.columns, box.rows * 2), Image.Resampling.LANCZOS)
    truecolor = os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit")
    console = Console(
        file=stream,
        force_terminal=True,
        no_color=False,  # a picture the user asked for is content, not decoration
        color_system="truecolor" if truecolor else "256",
        width=box.columns + 1,
        highlight=False,
    )
    console.print(Pixels.from_image(scaled), end="")
