"""Before/after pictures of a project's results, as the signed-in agent: each completed photo result
with the photo it was made from, both read from the agent's own folder of the bucket."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from PIL import Image

from stagefy_cli.backend import paths
from stagefy_cli.backend.client import UserContext
from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.imaging.comparison import Pair, sheet
from stagefy_cli.services.projects import result_tag

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_SIDE = 1280  # enough for any preview; keeps a 60-megapixel photo from filling memory


def _image(ctx: UserContext, path: str) -> Image.Image:
    from stagefy_cli.imaging.colour import upright_srgb
    from stagefy_cli.services.photos import _register_heif

    if PurePosixPath(path).suffix.lower() in (".heic", ".heif"):
        _register_heif()
    opened = Image.open(io.BytesIO(ctx.rest.storage.from_(MEDIA_BUCKET).download(path)))
    opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale straight away
    image = upright_srgb(opened)  # an original in Adobe RGB or Display P3 shows its true colours
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _label(job: dict, tag: str) -> str:
    source = job["input"].get("filename") or job["id"][:8]
    variation = job["input"].get("variation") or 1
    return f"{source} · {tag.replace('_', ' ')}" + (f" (variation {variation})" if variation > 1 else "")


def is_photo_result(job: dict) -> bool:
    """A finished job whose output is a picture of a photo the agent gave (not a video or a clip)."""
    source = (job.get("input") or {}).get("source_path")
    output = job.get("output_url")
    if job.get("status") != "completed" or not (source and output) or job["input"].get("intermediate"):
        return False
    return PurePosixPath(output).suffix.lower() in IMAGE_SUFFIXES


def photo_results(project: dict) -> list[dict]:
    return [job for job in project.get("jobs") or [] if is_photo_result(job)]


def pairs(ctx: UserContext, project: dict) -> Iterator[Pair]:
    """One pair per photo result of `project` (as `projects.get_project` returns it), in job order,
    fetched one at a time so a large batch never sits in memory at once."""
    tag = result_tag(project)
    for job in photo_results(project):
        yield Pair(_label(job, tag), _image(ctx, job["input"]["source_path"]), _image(ctx, job["output_url"]))


def sheet_row_height(count: int) -> int:
    """Rows of the comparison sheet: 720 px for a few results, down to 240 px for a large batch,
    so the sheet stays under about 7,200 px tall."""
    return max(240, min(720, 7200 // max(1, count)))


def save_sheet(project_id: str, rows: list[Pair], row_height: int) -> Path:
    """The before/after sheet as a JPEG in the agent's private data folder (one file per project)."""
    folder = paths.ensure_private_dir(paths.data_dir() / "previews")
    path = folder / f"{project_id[:8]}.before-after.jpg"
    sheet(rows, row_height).save(path, "JPEG", quality=90)
    return path
