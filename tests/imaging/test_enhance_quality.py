"""`enhance` as a photographer would judge it, in numbers, on generated photos whose truth is known:
greys end up grey, coloured objects keep their true hue, no shadow is crushed or highlight clipped
that was not already, and grain goes down."""

from __future__ import annotations

import numpy as np
import pytest
from photo_set import (
    chroma,
    clipped,
    crushed,
    exterior,
    hue_difference,
    interior,
    mean_colour,
    noise_over_contrast,
)
from PIL import Image

from stagefy_cli.imaging.enhance import enhance

# Slow: image quality in numbers, one full enhance per case (2-4 s each on a busy 2-core machine).
pytestmark = pytest.mark.slow

# Every cast at a dim and a normal exposure; the flat (hazy, low-contrast) exposure with the casts
# where it is not ambiguous (under blue shade light a flattened brown floor really is grey).
CASES = [
    (cast, exposure)
    for cast in ("none", "tungsten", "shade", "fluorescent", "magenta")
    for exposure in ("dim", "normal")
]
CASES += [("none", "flat"), ("tungsten", "flat"), ("fluorescent", "flat"), ("magenta", "flat")]


def enhanced(pixels: np.ndarray) -> np.ndarray:
    return np.asarray(enhance(Image.fromarray(pixels)))


@pytest.mark.parametrize(("cast", "exposure"), CASES)
def test_a_cast_is_removed_and_object_colours_come_back(cast, exposure):
    photo = interior(cast, exposure)
    after = enhanced(photo.pixels)
    for name, region in photo.neutrals.items():
        before_chroma, after_chroma = (
            chroma(mean_colour(photo.pixels, region)),
            chroma(mean_colour(after, region)),
        )
        assert after_chroma < 4.0, (name, before_chroma, after_chroma)
        if cast != "none":
            assert before_chroma > 6, name  # the cast really was visible
    tolerance = 6.0 if exposure == "flat" else 5.0  # flat photos start 10-30 degrees off
    for name, (region, truth) in photo.colours.items():
        assert hue_difference(mean_colour(after, region), np.array(truth) * 255) < tolerance, name


@pytest.mark.parametrize(("cast", "exposure"), CASES)
def test_no_more_crushed_shadows_or_clipped_highlights_and_less_grain(cast, exposure):
    photo = interior(cast, exposure)
    after = enhanced(photo.pixels)
    assert crushed(after) <= crushed(photo.pixels) + 0.001
    assert clipped(after) <= clipped(photo.pixels) + 0.001
    assert noise_over_contrast(photo, after) < 0.5 * noise_over_contrast(photo, photo.pixels)


@pytest.mark.parametrize("cast", ["none", "tungsten"])
def test_beige_walls_stay_beige_and_a_grey_sofa_stays_grey(cast):
    """Gray-world takes warm walls for a cast and turns a grey sofa navy; the scene's greys decide."""
    photo = interior(cast, "normal", beige_walls=True)
    after = enhanced(photo.pixels)
    sofa = mean_colour(after, photo.neutrals["sofa"])
    assert chroma(sofa) < 4.0
    assert sofa[2] - sofa[0] < 6  # not blue
    wall, truth = photo.colours["beige wall"]
    assert hue_difference(mean_colour(after, wall), np.array(truth) * 255) < 5
    assert chroma(mean_colour(after, wall)) > 0.7 * chroma(np.array(truth) * 255)


def test_a_dim_photo_is_brightened():
    """A photo well below mid-grey is brought most of the way up; one near it (the "dim" set's
    median is 0.41) is left where it is, as a balanced photo stays itself."""
    photo = interior("none", "dim")
    luma = np.array([0.299, 0.587, 0.114])
    darker = (photo.pixels * 0.6).astype(np.uint8)
    before, after = darker @ luma, enhanced(darker) @ luma
    assert np.median(after) > 1.5 * np.median(before)
    assert np.median(after) > 0.4 * 255
    near_mid_grey = photo.pixels @ luma
    assert abs(np.median(enhanced(photo.pixels) @ luma) - np.median(near_mid_grey)) < 0.03 * 255


def test_a_grey_sky_over_a_green_lawn_stays_grey_and_the_lawn_green():
    photo = exterior("overcast")
    after = enhanced(photo.pixels)
    sky = (photo.sky > 0.999)[..., None]
    sky_colour = (after * sky).reshape(-1, 3).sum(axis=0) / sky.sum()
    assert chroma(sky_colour) < 4.0
    lawn = (slice(700, 790), slice(400, 800))
    assert hue_difference(mean_colour(after, lawn), mean_colour(photo.pixels, lawn)) < 5


@pytest.mark.parametrize("cast", ["none", "tungsten", "shade", "fluorescent", "magenta"])
@pytest.mark.parametrize("exposure", ["dim", "normal", "flat"])
def test_colours_are_never_oversaturated_and_nothing_clips(cast, exposure):
    """Even where the cast is ambiguous (a flat photo under blue shade), the objects' colours end
    no more saturated than the true scene's, and no highlight is blown that was not."""
    photo = interior(cast, exposure)
    after = enhanced(photo.pixels)
    for name, (region, truth) in photo.colours.items():
        assert chroma(mean_colour(after, region)) < 1.2 * chroma(np.array(truth) * 255), name
    assert clipped(after) <= clipped(photo.pixels) + 0.001
    assert crushed(after) <= crushed(photo.pixels) + 0.001
