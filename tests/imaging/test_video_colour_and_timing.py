"""What a viewer sees of a listing video, read back with PyAV: BT.709 colours and tags, each photo
and card on screen as long as asked, photos of the other shape shown whole, a title card."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import Colorspace
from media_photos import jpeg, mean_delta_e, photo
from PIL import Image

from stagefy_cli.imaging.video.photos import enlargement, is_fitted
from stagefy_cli.imaging.video.render import (
    CARD_SECONDS,
    OpeningCard,
    TitleCard,
    probe_video,
    render_slideshow,
)

# Slow: each test encodes a video and reads it back.
pytestmark = pytest.mark.slow

SMALL = (480, 320)
FPS = 10


def _frames(path, **to_image) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [np.asarray(frame.to_image(**to_image)) for frame in container.decode(video=0)]


def test_the_stream_is_tagged_bt709_and_its_colours_are_bt709(tmp_path):
    original = photo("coffee").resize(SMALL)  # same shape as the frame: it fills it
    out = tmp_path / "coffee.mp4"
    render_slideshow([jpeg(original)], out, seconds_per_photo=1, fps=FPS, size=SMALL)
    with av.open(str(out)) as container:
        context = container.streams.video[0].codec_context
        tags = (context.color_primaries, context.color_trc, context.colorspace, context.color_range)
        frame = next(container.decode(video=0))
    assert tags == (1, 1, 1, 1)  # BT.709 primaries, transfer, matrix; limited range
    assert (frame.color_primaries, frame.color_trc, frame.colorspace) == (1, 1, 1)
    # The first frame is the whole photo (the zoom starts wide): decoded as BT.709, as browsers and
    # YouTube decode HD video, it is the photo; as BT.601 it is not.
    as_709 = frame.to_image(src_colorspace=Colorspace.ITU709)
    as_601 = frame.to_image(src_colorspace=Colorspace.ITU601)
    assert mean_delta_e(as_709, original) < 3.0  # what H.264 at CRF 20 and the scaling leave
    assert mean_delta_e(as_601, original) > mean_delta_e(as_709, original) + 2.0


def _solid(colour: tuple[int, int, int], size: tuple[int, int] = (900, 600)) -> bytes:
    return jpeg(Image.new("RGB", size, colour))


def _seconds_seen(frames: list[np.ndarray], colours: list[tuple[int, int, int]]) -> list[float]:
    """Seconds each colour is the nearest to the frame's mean colour (a cross-fade's frames count for
    whichever side of its middle they are on)."""
    means = np.array([frame.reshape(-1, 3).mean(axis=0) for frame in frames])
    nearest = np.linalg.norm(means[:, None, :] - np.array(colours)[None], axis=2).argmin(axis=1)
    return [float((nearest == index).sum()) / FPS for index in range(len(colours))]


def test_each_photo_is_on_screen_as_long_as_asked(tmp_path):
    colours = [(200, 40, 40), (40, 180, 60), (40, 60, 200)]
    out = tmp_path / "timing.mp4"
    render_slideshow([_solid(c) for c in colours], out, seconds_per_photo=3, fps=FPS, size=SMALL)
    seen = _seconds_seen(_frames(out), colours)
    assert seen == pytest.approx([3.0, 3.0, 3.0], abs=1.01 / FPS)
    assert probe_video(out).duration_s == pytest.approx(9.0, abs=0.01)


def test_a_reel_shows_each_photo_two_seconds_when_asked_between_its_cards(tmp_path):
    # the reel's shape at a small size (the template's reel at full size: test_template_render)
    colours = [(220, 60, 40), (60, 200, 80), (240, 220, 60)]
    out = tmp_path / "reel.mp4"
    render_slideshow(
        [_solid(c, (600, 900)) for c in colours],
        out,
        format="reel",
        seconds_per_photo=2,
        fps=FPS,
        size=(360, 640),
        opening=OpeningCard("9 Oak Street", price=1_200_000),
    )
    frames = _frames(out)
    card = tuple(frames[0].reshape(-1, 3).mean(axis=0))
    seen = _seconds_seen(frames, [*colours, card])
    assert seen == pytest.approx([2.0, 2.0, 2.0, CARD_SECONDS], abs=1.01 / FPS)
    assert probe_video(out).duration_s == pytest.approx(CARD_SECONDS + 3 * 2.0, abs=0.01)


def _portrait() -> Image.Image:
    """A real photo of portrait shape (a tall crop of the coffee cup)."""
    return photo("coffee").crop((20, 0, 320, 400))


@pytest.mark.parametrize("fit", ["blur", "letterbox"])
def test_a_portrait_photo_in_a_landscape_video_is_shown_whole(fit, tmp_path):
    portrait = _portrait()
    out = tmp_path / f"{fit}.mp4"
    render_slideshow([jpeg(portrait)], out, seconds_per_photo=1, fps=FPS, size=SMALL, fit=fit)
    first = _frames(out)[0]  # the widest view: the whole prepared frame
    width = round(SMALL[1] * portrait.width / portrait.height)
    left = (SMALL[0] - width) // 2
    shown = first[:, left : left + width]
    expected = portrait.resize((width, SMALL[1]), Image.Resampling.LANCZOS)
    assert mean_delta_e(shown[4:-4, 4:-4], np.asarray(expected)[4:-4, 4:-4]) < 4.0  # top to bottom
    sides = np.concatenate([first[:, : left - 4], first[:, left + width + 4 :]], axis=1)
    if fit == "letterbox":
        assert sides.max() < 40  # black bars
    else:
        assert sides.mean() > 25 and sides.std() > 3  # the photo's own colours, blurred


def test_which_photos_are_fitted_and_how_much_they_are_enlarged():
    landscape, reel, square = (1920, 1080), (1080, 1920), (1080, 1080)
    assert not is_fitted((4000, 3000), landscape)  # 4:3 fills 16:9, losing a quarter of its height
    assert is_fitted((3000, 4000), landscape)
    assert is_fitted((4000, 3000), reel)
    assert not is_fitted((2000, 3000), square)  # 2:3 fills a square, losing a third
    assert enlargement((600, 400), landscape) == pytest.approx(3.2)  # filling: the larger scale
    assert enlargement((600, 800), landscape) == pytest.approx(1.35)  # fitted: the smaller scale
    assert enlargement((4000, 3000), landscape) < 1


def test_a_title_without_a_listing_opens_the_video(tmp_path):
    colour = (40, 180, 60)
    out = tmp_path / "titled.mp4"
    render_slideshow(
        [_solid(colour)], out, seconds_per_photo=2, fps=FPS, size=SMALL, opening=TitleCard("Sunset Villa")
    )
    frames = _frames(out)
    assert probe_video(out).duration_s == pytest.approx(CARD_SECONDS + 2, abs=0.01)
    card = frames[0].reshape(-1, 3).mean(axis=0)
    assert np.linalg.norm(card - colour) > 100  # the card, not the photo
    assert _seconds_seen(frames, [colour, tuple(card)]) == pytest.approx([2.0, CARD_SECONDS], abs=1.01 / FPS)
