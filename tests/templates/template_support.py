"""Helpers for the template tests: photos, listings, other agents, SQL reads."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from stagefy_testing import add_listing, balance, cli_json, price, run_cli, sign_in, sql  # noqa: F401 - re-exported


def make_photo(path: Path, size=(900, 600), colour=(150, 130, 110)) -> Path:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(225, 225, 215))
    image.save(path, "JPEG", quality=90)
    return path


def builtin(template_type: str, name: str | None = None) -> dict:
    rows = cli_json(["templates", "list", "--public", "--type", template_type])
    return next(row for row in rows if row["user_id"] is None and (name is None or row["name"] == name))
