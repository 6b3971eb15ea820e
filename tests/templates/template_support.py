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


def use_letter_flyer(listing_id: str, tmp_path: Path) -> Path:
    """`stagefy templates use` of the built-in US Letter open-house flyer for a listing, with a photo,
    a date and a time; the PDF it saved."""
    template = builtin("open_house", "Open house flyer (US Letter)")
    result = run_cli(
        [
            "templates",
            "use",
            template["id"][:8],
            "--listing",
            listing_id[:8],
            "--photo",
            str(make_photo(tmp_path / "front.jpg")),
            "--set",
            "date=2026-12-05",
            "--set",
            "time=10:00 - 12:00",
            "--out",
            str(tmp_path),
            "--yes",
            "--json",
            "--timeout",
            "180",
        ]
    )
    assert result.exit_code == 0, result.stderr
    return next(Path(f) for f in result.json()["files"] if f.endswith(".pdf"))
