"""Sky replacement and day-to-dusk measured on generated exteriors whose true sky is known: the
mask follows the roof lines and leaves, no old sky is left in the sky, the ground is untouched, the
new sky matches the photo's brightness, and at dusk the windows glow."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from photo_set import (
    LUMA,
    SKIES,
    edge_error,
    exterior,
    ground_change,
    mask_errors,
    mean_colour,
    sky_residue,
)
from PIL import Image

from stagefy_cli.imaging.sky import day_to_dusk, replace_sky
from stagefy_cli.imaging.sky_mask import find_sky

# Slow: image quality of sky edits in numbers, one full edit per case.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=sorted(SKIES))
def photo(request):
    return exterior(request.param)


def test_the_mask_follows_roof_lines_and_trees(photo):
    alpha = find_sky(Image.fromarray(photo.pixels)).alpha
    missed, spilled = mask_errors(photo, alpha)
    assert missed < 0.005  # of the sky, including the pockets between branches
    assert spilled < 0.002  # of the ground: walls, roof, trees, lawn
    assert edge_error(photo, alpha) < 0.06  # antialiased edge pixels get their coverage


def test_no_old_sky_is_left_and_the_ground_is_untouched(photo):
    after = np.asarray(replace_sky(Image.fromarray(photo.pixels), seed=1))
    assert sky_residue(photo, photo.pixels, after) < 0.005
    assert ground_change(photo, photo.pixels, after) < 1.0
    # The band beside walls and roofs, where grey stripes of old sky used to stay, is all new sky:
    # fully covered from the first whole sky pixel on.
    alpha = find_sky(Image.fromarray(photo.pixels)).alpha
    inner = photo.sky > 0.999
    near_edge = inner & cv2.dilate((photo.sky < 0.999).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(
        bool
    )
    assert (alpha[near_edge] > 0.95).mean() > 0.99


def test_the_new_sky_is_blue_and_as_bright_as_the_old_one(photo):
    after = np.asarray(replace_sky(Image.fromarray(photo.pixels), seed=1)).astype(float)
    sky = photo.sky > 0.999
    old_luma, new_luma = (photo.pixels[sky] @ LUMA).mean(), (after[sky] @ LUMA).mean()
    assert abs(new_luma / old_luma - 1) < 0.15
    top = after[:40].reshape(-1, 3).mean(axis=0)
    assert top[2] - top[0] > 40
    assert (after[sky] @ LUMA).mean() > 1.3 * (after[photo.sky < 0.001] @ LUMA).mean()  # still the brightest


def test_each_seed_gets_its_own_clouds(photo):
    image = Image.fromarray(photo.pixels)
    first, second = (np.asarray(replace_sky(image, seed)).astype(int) for seed in (1, 2))
    assert np.abs(first - second)[photo.sky > 0.999].mean() > 3
    assert np.array_equal(first, np.asarray(replace_sky(image, 1)))


def test_dusk_darkens_and_warms_the_scene_and_lights_the_windows(photo):
    after = np.asarray(day_to_dusk(Image.fromarray(photo.pixels), seed=1)).astype(float)
    before = photo.pixels.astype(float)
    assert sky_residue(photo, photo.pixels, after.astype(np.uint8)) < 0.005
    top, horizon = after[:40].reshape(-1, 3).mean(axis=0), after[470:490, 450:750].reshape(-1, 3).mean(axis=0)
    assert top[2] > top[0] and top @ LUMA < 0.5 * (before[:40].reshape(-1, 3).mean(axis=0) @ LUMA)
    assert horizon[0] > horizon[2] + 40  # the afterglow
    lawn = (slice(700, 790), slice(400, 800))
    assert mean_colour(after, lawn) @ LUMA < 0.6 * (mean_colour(before, lawn) @ LUMA)
    wall_before, wall_after = mean_colour(before, photo.wall), mean_colour(after, photo.wall)
    assert wall_after @ LUMA < 0.7 * (wall_before @ LUMA)
    assert wall_after[0] / wall_after[2] > 1.15 * wall_before[0] / wall_before[2]  # warmer
    for pane in photo.windows:
        glow = mean_colour(after, pane)
        assert glow @ LUMA > 1.5 * (wall_after @ LUMA)
        assert glow[0] > glow[2] + 80  # warm light, where the glass was blue-grey
        lit = after[pane] @ LUMA > 1.3 * (wall_after @ LUMA)
        assert lit.mean() > 0.9
