"""Template jobs: one output file of a template use (a promo image, the flyer PDF or its preview, a reel).

A use with several files has one job per file (each with its share of the price), so every file has
its own `output_url`, media row and refund. Each job renders the use with `render_template` and keeps
its own file: the renderings are fast, and the jobs stay independent. The listing, the agent's profile
and the template's settings were copied into the job when it was submitted.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from stagefy_cli.jobs import JobContext, JobOutput

THUMBNAIL_SIDE = 640


def _photos(ctx: JobContext) -> tuple[list[bytes], list[str]]:
    entries = ctx.input.get("photos") or []
    return [ctx.download(entry["path"]) for entry in entries], [
        entry.get("filename") or "" for entry in entries
    ]


def _thumbnail(data: bytes, mime_type: str) -> bytes | None:
    from PIL import Image

    if mime_type == "video/mp4":
        from stagefy_cli.jobs.video import poster_frame

        with tempfile.TemporaryDirectory(prefix="stagefy-reel-") as folder:
            path = Path(folder) / "reel.mp4"
            path.write_bytes(data)
            return poster_frame(path, 1.0)
    if not mime_type.startswith("image/"):
        return None
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB")
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=85)
        return out.getvalue()


def run_template(ctx: JobContext) -> JobOutput:
    from stagefy_cli.imaging.templates import render_template
    from stagefy_cli.imaging.video_types import PhotoError, RenderError

    job_input = ctx.input
    ctx.worker.record_start(ctx.job, "local", ctx.job.get("model") or "stagefy-templates")
    settings = dict(job_input.get("settings") or {})
    values = dict(job_input.get("values") or {})
    if job_input.get("logo_path"):
        values["logo"] = ctx.download(job_input["logo_path"])
    photos, names = _photos(ctx)
    try:
        files = render_template(
            job_input["template_type"],
            ctx.listing(),
            job_input.get("agent") or {},
            settings,
            values,
            photos,
        )
    except PhotoError as exc:
        raise RenderError(f"{exc.message} ({names[exc.index]})") from None
    rendered = files[int(job_input.get("output_index") or 0)]
    listing = job_input["listing"]
    return JobOutput(
        data=rendered.data,
        mime_type=rendered.mime_type,
        extension=Path(rendered.name).suffix,
        media_type="video" if rendered.mime_type == "video/mp4" else "template",
        title=f"{job_input.get('template_name') or 'Template'}: {listing.get('address')} ({job_input.get('part')})",
        thumbnail=_thumbnail(rendered.data, rendered.mime_type),
    )
