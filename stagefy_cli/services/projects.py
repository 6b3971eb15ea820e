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
STATUS_FIELDS = ("id", "status", "output_data", "error_message")
JOIN_WAIT_S = 2.0  # how long a wait gives Realtime to join before it reads (and polls meanwhile)
PUSH_SAFETY_READ_S = 60.0  # with pushes live, a read this often anyway, should a push be lost
POLL_FIRST_S = 0.05
POLL_MAX_S = 5.0  # polling (no Realtime) backs off to one read every 5 s
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
    project = ctx.rest.table("projects").select(",".join(STATUS_FIELDS)).eq("id", project_id)
    return project.single().execute().data


def wait(
    ctx: UserContext,
    project_ids: Iterable[str],
    *,
    on_update: Callable[[str, dict], None] | None = None,
    on_debug: Callable[[str], None] | None = None,
    timeout: float | None = None,
    push: bool = True,
) -> dict[str, dict]:
    """Wait until every project is terminal; returns their last state.

    Progress is pushed: the database broadcasts each change of the user's projects to their private
    Realtime channel, and this follows it (`backend/realtime.py`), reading the projects only when the
    channel is joined (once at the start, again after a reconnect: what changed meanwhile) and, as a
    safety net, every `PUSH_SAFETY_READ_S`. Where Realtime cannot be had (refused, unreachable,
    `push=False`), it polls, backing off from `POLL_FIRST_S` to one read every `POLL_MAX_S`; it says
    so once through `on_debug`.

    `on_update(project_id, state)` is called whenever a project's status or progress changes.
    Raises TimeoutError when `timeout` passes first.
    """
    import queue  # here: the everyday reads of this module never wait

    pending = list(dict.fromkeys(project_ids))
    states: dict[str, dict] = {}
    deadline = time.monotonic() + timeout if timeout else None
    events: queue.SimpleQueue[tuple[str, dict]] = queue.SimpleQueue()
    feed = _follow_progress(ctx, lambda kind, data: events.put((kind, data))) if push else None
    live = feed.wait_joined(JOIN_WAIT_S) if feed else False
    first_join_read = live  # the read below is the one that follows this join
    if not live and on_debug:
        on_debug("Realtime progress unavailable; polling for project status")

    def apply(project_id: str, state: dict) -> None:
        if project_id not in pending:
            return
        if on_update and states.get(project_id) != state:
            on_update(project_id, state)
        states[project_id] = state
        if state["status"] in TERMINAL:
            pending.remove(project_id)

    def read_all() -> None:
        for project_id in list(pending):
            apply(project_id, project_status(ctx, project_id))

    interval = POLL_FIRST_S
    try:
        read_all()
        while pending:
            wait_for = PUSH_SAFETY_READ_S if live else interval
            if deadline is not None:
                wait_for = min(wait_for, deadline - time.monotonic())
                if wait_for <= 0:
                    raise TimeoutError
            try:
                kind, data = events.get(timeout=wait_for)
            except queue.Empty:
                read_all()
                interval = min(interval * 1.5, POLL_MAX_S)
                continue
            if kind == "broadcast" and data.get("event") == "project_changed":
                state = data.get("payload") or {}
                apply(str(state.get("id")), {key: state.get(key) for key in STATUS_FIELDS})
            elif kind == "joined":
                live = True
                if first_join_read:
                    first_join_read = False
                else:
                    read_all()
            elif kind in ("down", "refused") and live:
                live, interval = False, POLL_FIRST_S
                if on_debug:
                    on_debug(f"Realtime progress lost ({data.get('reason')}); polling until it is back")
    finally:
        if feed:
            feed.close()
    return states


def _follow_progress(ctx: UserContext, on_event: Callable[[str, dict], None]):
    """The user's private channel `user:<id>`, followed from a thread (None without a user id)."""
    from stagefy_cli.backend.realtime import ChannelFeed, websocket_url

    if not ctx.user_id:
        return None
    url = websocket_url(ctx.rest.wire.base_url, ctx.rest.api_key)
    return ChannelFeed(url, f"user:{ctx.user_id}", ctx.rest.access_token, on_event).start()


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
