"""Template jobs: one output file of a template use (a promo image, the flyer PDF or its preview, a reel).

A use with several files has one job per file (each with its share of the price), so every file has
its own `output_url`, media row and refund. Each job renders the use and keeps its own file: the
renderings are fast, and the jobs stay independent. The listing, the agent's profile and the
template's settings were copied into the job when it was submitted. The render runs in a child
process the worker stops at the job's time limit.
"""

from __future__ import annotations

from pathlib import Path

from stagefy_cli.jobs import JobContext, JobOutput


def _photos(ctx: JobContext) -> tuple[list[bytes], list[str]]:
    entries = ctx.input.get("photos") or []
    photos, names = [], []
    for entry in entries:
        name = entry.get("filename") or ""
        photos.append(ctx.photo(entry["path"], name or "a photo"))
        names.append(name)
    return photos, names


def run_template(ctx: JobContext) -> JobOutput:
    from stagefy_cli.jobs.render_tasks import template_file
    from stagefy_cli.jobs.stoppable import run_stoppable

    job_input = ctx.input
    values = dict(job_input.get("values") or {})
    if job_input.get("logo_path"):
        values["logo"] = ctx.photo(job_input["logo_path"], "the logo")
    photos, names = _photos(ctx)
    data, mime_type, name, thumbnail = run_stoppable(
        ctx.cancelled,
        template_file,
        job_input["template_type"],
        job_input.get("listing"),
        job_input.get("agent") or {},
        dict(job_input.get("settings") or {}),
        values,
        photos,
        names,
        int(job_input.get("output_index") or 0),
    )
    listing = job_input["listing"]
    return JobOutput(
        data=data,
        mime_type=mime_type,
        extension=Path(name).suffix,
        media_type="video" if mime_type == "video/mp4" else "template",
        title=f"{job_input.get('template_name') or 'Template'}: {listing.get('address')} ({job_input.get('part')})",
        thumbnail=thumbnail,
    )
