"""Render time of each template type (listing promo, open-house flyer on A4 and Letter, Instagram reel)
with generated 12-megapixel photos, and the process's peak memory after each.

Run: .venv/bin/python benchmarks/render_templates.py [--runs 3] [--reel-photos 6]
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import time

from PIL import Image, ImageDraw

from stagefy_cli.imaging.templates.render import render_template

LISTING = {
    "address": "14 Beach Road, Camps Bay",
    "city": "Cape Town",
    "state": "Western Cape",
    "price": 12_500_000,
    "bedrooms": 4,
    "bathrooms": 3.5,
    "sqft": 3200,
}
AGENT = {
    "full_name": "Thandi Nkosi",
    "brokerage": "Coastal Homes",
    "phone": "+27 82 555 0101",
    "email": "t@coastal.example",
}


def make_photo(index: int, size: tuple[int, int] = (4000, 3000)) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for k in range(24):
        x, y = (k * 173) % size[0], (k * 311 + index * 997) % size[1]
        draw.rectangle((x, y, x + 600, y + 400), fill=((index * 53 + k * 9) % 256, (k * 31) % 256, 180))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reel-photos", type=int, default=6)
    args = parser.parse_args()
    photos = [make_photo(index) for index in range(max(4, args.reel_photos))]
    open_house = {"date": "2025-06-14", "time": "10:00 – 13:00"}
    cases = [
        ("listing_promo (classic)", "listing_promo", {}, {}, photos[:1], args.runs),
        ("listing_promo (overlay)", "listing_promo", {"layout": "overlay"}, {}, photos[:1], args.runs),
        ("open_house (A4)", "open_house", {"paper": "a4"}, open_house, photos[:4], args.runs),
        ("open_house (Letter)", "open_house", {"paper": "letter"}, open_house, photos[:4], args.runs),
        (
            f"instagram_reel ({args.reel_photos} photos)",
            "instagram_reel",
            {},
            {},
            photos[: args.reel_photos],
            1,
        ),
    ]
    for label, kind, settings, values, chosen, runs in cases:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            files = render_template(kind, LISTING, AGENT, settings, values, chosen)
            samples.append(time.perf_counter() - start)
        sizes = ", ".join(f"{f.name} {len(f.data) / 1e6:.1f} MB" for f in files)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label:28s} {statistics.median(samples):6.2f} s (median of {runs})  peak RSS {peak:4.0f} MB  {sizes}"
        )


if __name__ == "__main__":
    main()
