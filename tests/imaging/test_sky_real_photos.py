"""Sky replacement and day-to-dusk on real photographs (tests/photos), judged in numbers:
the sky changes only in the region joined to the top edge, walls, roofs and white panels stay as
they were, no rim of the old sky is left at roof lines, the new sky has the old one's grain (no
speckle), windows are lit only where there are windows, and photos without open sky are refused."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from real_photos import image, pixels

from stagefy_cli.imaging.facade_windows import window_mask
from stagefy_cli.imaging.sky import day_to_dusk, replace_sky
from stagefy_cli.imaging.sky_mask import NoSkyFound, find_sky

# Slow: image quality of sky edits on every real photograph.
pytestmark = pytest.mark.slow


def box(top, bottom, left, right):
    return slice(top, bottom), slice(left, right)


# Hand-marked parts of each photo: what must change (open sky) and what must not (the rest).
PHOTOS = {
    "sky-brick-house": {
        "sky": [box(10, 40, 10, 60), box(10, 40, 150, 240)],
        "ground": [
            box(30, 100, 70, 105),
            box(85, 100, 190, 240),
            box(150, 250, 40, 100),
            box(125, 135, 30, 40),
        ],
    },
    "sky-facade-blue-sky": {
        "sky": [box(10, 60, 20, 150), box(200, 300, 20, 80)],
        "ground": [box(260, 380, 320, 500), box(130, 200, 390, 470), box(175, 205, 255, 300)],
    },
    "sky-street-overcast": {
        "sky": [box(10, 60, 200, 330)],
        "ground": [
            box(100, 250, 0, 100),
            box(100, 250, 380, 500),
            box(170, 250, 200, 280),
            box(300, 380, 100, 400),
        ],
    },
    "sky-landscape": {"sky": [box(3, 25, 100, 400)], "ground": [box(150, 341, 0, 512)]},
    "sky-mountains-deep-blue": {"sky": [box(3, 40, 250, 500)], "ground": [box(150, 384, 0, 512)]},
}
NO_SKY = ["sky-none-wall-window", "enhance-interior", "enhance-coffee"]


def mean_change(before: np.ndarray, after: np.ndarray, region) -> float:
    return float(np.abs(after[region].astype(float) - before[region]).mean())


@pytest.fixture(scope="module", params=sorted(PHOTOS))
def edited(request):
    name = request.param
    photo = image(name)
    return (
        name,
        pixels(name),
        find_sky(photo).alpha,
        np.asarray(replace_sky(photo, 1)),
        np.asarray(day_to_dusk(photo, 1)),
    )


def test_only_the_sky_joined_to_the_top_changes(edited):
    name, before, _, after, dusk = edited
    for region in PHOTOS[name]["ground"]:
        assert mean_change(before, after, region) < 1.5, (name, region)
    for region in PHOTOS[name]["sky"]:
        assert mean_change(before, after, region) > 15, (name, region)
        assert mean_change(before, dusk, region) > 40, (name, region)
    changed = (np.abs(after.astype(int) - before).max(axis=2) > 12).astype(np.uint8)
    _, labels = cv2.connectedComponents(changed, connectivity=8)
    joined = np.unique(labels[:3][changed[:3] > 0])
    elsewhere = (changed > 0) & ~np.isin(labels, joined)
    assert elsewhere.mean() < 0.001, name  # of the photo


def test_no_rim_of_old_sky_at_roof_lines(edited):
    """The pixels just outside the new sky (3 px) are not the old sky's colour: no light halo."""
    name, before, alpha, _, _ = edited
    sky = (alpha >= 0.5).astype(np.uint8)
    rim = (cv2.dilate(sky, np.ones((7, 7), np.uint8)) > 0) & (sky == 0)
    sure = cv2.erode((alpha > 0.99).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(np.float32)
    photo = before.astype(np.float32) / 255
    spread = np.maximum(cv2.GaussianBlur(sure, (0, 0), 6), 1e-4)[..., None]
    local_sky = cv2.GaussianBlur(photo * sure[..., None], (0, 0), 6) / spread
    old_sky = np.linalg.norm(photo - local_sky, axis=2) < 0.08
    assert (old_sky & rim).sum() / rim.sum() < 0.04, name


def test_no_speckle_in_the_new_sky(edited):
    """The new sky has about the old one's grain, and the mask has no specks away from its edge."""
    name, before, alpha, after, _ = edited
    inner = cv2.erode((alpha >= 0.5).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)

    def grain(photo):
        grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
        return float(np.median(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 2))[inner]))

    assert grain(after) < 1.6 * grain(before) + 0.2, name
    sky = (alpha >= 0.5).astype(np.uint8)
    for part in (sky, 1 - sky):
        _, _, stats, _ = cv2.connectedComponentsWithStats(part, connectivity=4)
        areas = stats[1:, cv2.CC_STAT_AREA]
        specks = (areas >= 4) & (areas < 0.0005 * part.size)
        assert specks.sum() <= 3, name


def test_dusk_lights_no_window_where_there_is_none(edited):
    """Rocks, gutters and clouds are not windows: no pane is lit in the landscapes, and on a facade
    any lit pane lies on the building, not in the sky."""
    name, before, alpha, _, _ = edited
    panes = window_mask(before.astype(np.float32) / 255, alpha) > 0.5
    if name in ("sky-landscape", "sky-mountains-deep-blue"):
        assert not panes.any(), name
    assert not (panes & (alpha > 0.1)).any(), name


@pytest.mark.parametrize("name", NO_SKY)
def test_a_photo_without_open_sky_is_refused(name):
    with pytest.raises(NoSkyFound, match="no open sky"):
        find_sky(image(name))


def test_white_panels_beside_the_sky_never_become_sky():
    """A facade of white panels next to a little real sky behind a tree: the panels are never
    painted (the photo is refused, or only the real sky on the left changes)."""
    name = "sky-facade-white-panels"
    before = pixels(name)
    panels = [box(5, 25, 200, 240), box(60, 90, 200, 240), box(110, 140, 300, 340), box(160, 190, 420, 470)]
    try:
        after = np.asarray(replace_sky(image(name), 1))
    except NoSkyFound:
        return
    for region in panels:
        assert mean_change(before, after, region) < 1.5, region
    assert (np.abs(after.astype(int) - before).max(axis=2) > 12)[:, 120:].mean() < 0.001
