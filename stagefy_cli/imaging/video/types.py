"""The vocabulary of the video renderer: output formats, title cards and the probe result."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from stagefy_cli.imaging.errors import RenderError

VideoFormat = Literal["landscape", "reel", "square"]

FRAME_SIZES: dict[str, tuple[int, int]] = {
    "landscape": (1920, 1080),
    "reel": (1080, 1920),
    "square": (1080, 1080),
}


def frame_size(format: str) -> tuple[int, int]:
    try:
        return FRAME_SIZES[format]
    except KeyError:
        raise RenderError(
            f"Unknown video format {format!r}; choose one of: {', '.join(FRAME_SIZES)}."
        ) from None


@dataclass(frozen=True)
class CardStyle:
    """Colours (hex) and font family of the opening and closing cards."""

    background: str = "#1F2A44"
    text: str = "#FFFFFF"
    accent: str = "#C9A227"
    font: str = "Lato"


@dataclass(frozen=True)
class OpeningCard:
    """The listing card shown before the first photo."""

    address: str
    city: str | None = None
    price: Decimal | float | int | None = None
    currency: str = "ZAR"
    bedrooms: int | None = None
    bathrooms: Decimal | float | None = None
    sqft: int | None = None
    title: str | None = None
    style: CardStyle = CardStyle()


@dataclass(frozen=True)
class TitleCard:
    """The opening card of a video with a title and no listing: the title alone."""

    title: str
    style: CardStyle = CardStyle()


@dataclass(frozen=True)
class ClosingCard:
    """The agent card shown after the last photo."""

    agent_name: str
    brokerage: str | None = None
    phone: str | None = None
    email: str | None = None
    style: CardStyle = CardStyle()


@dataclass(frozen=True)
class VideoInfo:
    """What a rendered file really contains, as read back from it."""

    width: int
    height: int
    fps: float
    duration_s: float
    video_codec: str
    audio_codec: str | None
    frames: int
