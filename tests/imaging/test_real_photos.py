"""The real photographs the imaging tests use carry their licence: every photo in tests/photos has a
note naming its source, author and a free licence, and is small."""

from __future__ import annotations

import pytest
from real_photos import FOLDER, licence, names, pixels

FREE = ("CC0-1.0", "Public-Domain", "CC-BY-4.0", "CC-BY-SA-4.0", "Apache-2.0", "BSD-3-Clause")


@pytest.mark.parametrize("name", names())
def test_each_photo_has_a_licence_note_and_is_small(name):
    note = licence(name)
    assert note["source"] and note["author"] and note["changes"]
    assert any(free in note["licence"] for free in FREE), note["licence"]
    assert max(pixels(name).shape[:2]) <= 1024
    assert (FOLDER / f"{name}.jpg").stat().st_size < 150_000


def test_no_note_without_its_photo():
    assert sorted(path.stem for path in FOLDER.glob("*.licence")) == names()
