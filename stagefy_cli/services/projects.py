"""The life of a project (a photo edit, a video or a template), as the signed-in agent: find it,
read it, list, cancel, retry, wait for it, save its results.

Every kind of project is queued, charged and refunded by SQL functions, and read here the same way:
a `projects` row and its `ai_jobs`. Results are saved by the one download policy
(`services/downloads.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from stagefy_cli.backend.client import UserContext
from stagefy_cli.services import ids
from stagefy_cli.services.charging import charge

if TYPE_CHECKING:  # imported where files are saved: reading a project does not need it
    from stagefy_cli.services.downloads import Download

TERMINAL = ("completed", "failed", "cancelled")
POLL_FIRST_S = 0.05
POLL_MAX_S = 0.2
PROJECT_COLUMNS = (
    "id,name,type,status,credit_cost,refunded_credits,input_data,output_data,error_message,"
    "created_at,completed_at"
)
JOB_COLUMNS = (
    "id,project_id,service,model,status,output_url,error_message,credit_cost,api_cost,latency_ms,"
    "input,created_at,completed_at,attempts"
)


def resolve_project(ctx: UserContext, project_ref: str) -> str:
    return ids.resolve(ctx.rest, "projects", project_ref, "project")


def get_project(ctx: UserContext, project_ref: str) -> dict:
    """The project an ID or a prefix names, with its jobs."""
    return read_project(ctx, resolve_project(ctx, project_ref))


def read_project(ctx: UserContext, project_id: str) -> dict:
    """The project with this full ID (known to exist: just submitted or resolved), with its jobs."""
    project = ctx.rest.table("projects").select(PROJECT_COLUMNS).eq("id", project_id).single().execute().data
    project["jobs"] = (
        ctx.rest.table("ai_jobs")
        .select(JOB_COLUMNS)
        .eq("project_id", project_id)
        .order("created_at")
        .execute()
        .data
    )
    for job in project["jobs"]:
        if not job.get("attempts"):  # no worker claimed it: its service and model are only the plan
            job["service"] = job["model"] = None
    return project


def list_projects(
    ctx: UserContext, *, status: str | None, project_type: str | None, limit: int
) -> tuple[list[dict], int | None]:
    query = ctx.rest.table("projects").select(PROJECT_COLUMNS, count="exact")
    if status:
        query = query.eq("status", status)
    if project_type:
        query = query.eq("type", project_type)
    response = query.order("created_at", desc=True).limit(limit).execute()
    for project in response.data:
        project["net_credits"] = project["credit_cost"] - (project.get("refunded_credits") or 0)
    return response.data, response.count


def cancel(ctx: UserContext, project_ref: str) -> dict:
    project_id = resolve_project(ctx, project_ref)
    return ctx.rest.rpc("cancel_project", {"p_project_id": project_id}).execute().data


def retry_cost(project: dict) -> tuple[int, int]:
    """What `retry_project` runs again and charges: a photo edit's photos without a result (each
    at its variations' price), another project whole. Returns (credits, photos)."""
    if project.get("type") != "photo_edit":
        return project["credit_cost"], len((project.get("input_data") or {}).get("photos") or [])
    unfinished = {
        job["input"].get("source_path") for job in project["jobs"] if job["status"] in ("failed", "cancelled")
    }
    data = project.get("input_data") or {}
    variations = int((data.get("options") or {}).get("variations") or 1)
    return int(data.get("price_each") or 0) * variations * len(unfinished), len(unfinished)


def retry(ctx: UserContext, project_ref: str, idempotency_key: str | None = None) -> dict:
    """Run a failed or cancelled project again (charged again); a project is retried once. A photo
    edit runs again only its photos without a result."""
    project_id = resolve_project(ctx, project_ref)
    return charge(ctx, "retry_project", {"p_project_id": project_id}, idempotency_key)


def project_status(ctx: UserContext, project_id: str) -> dict:
    project = ctx.rest.table("projects").select("id,status,output_data,error_message").eq("id", project_id)
    return project.single().execute().data


def wait(
    ctx: UserContext,
    project_ids: Iterable[str],
    *,
    on_update: Callable[[str, dict], None] | None = None,
    timeout: float | None = None,
    poll: float = POLL_FIRST_S,
    max_poll: float = POLL_MAX_S,
) -> dict[str, dict]:
    """Poll until every project is terminal; returns their last state.

    The interval starts short and grows to `max_poll` (0.2 s), so a finished job is noticed within
    about a quarter of a second; each poll is one small read through the thin client, whose
    session refreshes itself when it nears expiry.

    `on_update(project_id, state)` is called whenever a project's status or progress changes.
    Raises TimeoutError when `timeout` passes first.
    """
    pending = list(project_ids)
    states: dict[str, dict] = {}
    deadline = time.monotonic() + timeout if timeout else None
    while pending:
        for project_id in list(pending):
            state = project_status(ctx, project_id)
            if on_update and states.get(project_id) != state:
                on_update(project_id, state)
            states[project_id] = state
            if state["status"] in TERMINAL:
                pending.remove(project_id)
        if not pending:
            break
        if deadline and time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(poll)
        poll = min(poll * 1.5, max_poll)
    return states


def result_tag(project: dict) -> str:
    """The word a project's result files are named with: the edit type of a photo edit, `video`,
    or the template's type (the submit functions keep it in `input_data.edit_type` for all three)."""
    return (project.get("input_data") or {}).get("edit_type") or project.get("type") or "result"


def output_name(source_name: str, tag: str, variation: int, suffix: str = ".jpg") -> str:
    """`living-room.jpg` -> `living-room.virtual_staging.jpg`, then `.v2`, `.v3` for further variations."""
    stem = Path(source_name).stem
    variant = f".v{variation}" if variation > 1 else ""
    return f"{stem}.{tag}{variant}{suffix}"


def results(project: dict) -> list[dict]:
    """The completed jobs whose output is a result (a video's clips before the join are not)."""
    return [
        job
        for job in project["jobs"]
        if job["status"] == "completed" and job["output_url"] and not job["input"].get("intermediate")
    ]


def plan_outputs(
    project: dict, out_dir: Path | None, sources: dict[str, Path], force: bool = False
) -> list[Download]:
    """Where each result goes: next to its source photo (or in `out_dir`, else the current
    folder), named after the photo, the result tag and the variation, in job order."""
    from stagefy_cli.services.downloads import Download, choose_targets

    tag = result_tag(project)
    jobs = results(project)
    wanted = []
    for job in jobs:
        filename = job["input"].get("filename") or f"{job['id']}.jpg"
        directory = out_dir or (sources[filename].parent if filename in sources else Path.cwd())
        suffix = Path(job["output_url"]).suffix or ".jpg"
        wanted.append(directory / output_name(filename, tag, job["input"].get("variation") or 1, suffix))
    return [
        Download(job["output_url"], target, f"the result of job {job['id'][:8]}")
        for job, target in zip(jobs, choose_targets(wanted, force), strict=True)
    ]


def download_outputs(
    ctx: UserContext, project: dict, out_dir: Path | None, sources: dict[str, Path], force: bool = False
) -> list[Path]:
    """Save each result of `project` (see `plan_outputs`) by the download policy."""
    from stagefy_cli.services.downloads import save_outputs

    return save_outputs(ctx, plan_outputs(project, out_dir, sources, force), force=force)


def no_results(project: dict) -> str:
    """Why a project has nothing to download, and what to do."""
    short, status = project["id"][:8], project["status"]
    if status == "failed":
        reason = (project.get("error_message") or "").rstrip(".")
        because = f": {reason}" if reason else ""
        return f"project {short} failed{because}; it has no results. Run it again with: stagefy projects retry {short}"
    if status == "cancelled":
        return f"project {short} was cancelled before any result. Run it again with: stagefy projects retry {short}"
    if status == "completed":
        return f"project {short} has no results to download."
    return f"project {short} has no results yet ({status}). Wait for it with: stagefy projects watch {short}"
