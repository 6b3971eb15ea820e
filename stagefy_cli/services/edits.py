"""Photo edits and projects, as the signed-in agent: upload, quote, submit, wait, download, cancel.

Prices, the debit and the queueing happen in one SQL function (`submit_edit`); this module only
moves files and calls RPCs, so the same code works against any Supabase project.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import UsageError
from stagefy_cli.services import ids
from stagefy_cli.services.charging import charge
from stagefy_cli.services.uploads import BUCKET

TERMINAL = ("completed", "failed", "cancelled")
POLL_FIRST_S = 0.05
POLL_MAX_S = 0.2
DOWNLOAD_THREADS = 8
PROJECT_COLUMNS = (
    "id,name,type,status,credit_cost,input_data,output_data,error_message,created_at,completed_at"
)
JOB_COLUMNS = (
    "id,project_id,service,model,status,output_url,error_message,credit_cost,api_cost,latency_ms,"
    "input,created_at,completed_at,attempts"
)


@dataclass(frozen=True)
class EditOptions:
    edit_type: str
    style: str | None = None
    room: str | None = None
    prompt: str | None = None
    variations: int = 1
    listing_id: str | None = None
    provider: str | None = None

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "edit_type" and v is not None}


def validate_options(options: EditOptions) -> None:
    from stagefy_cli.ai.catalog import EDIT_TYPES, PROVIDERS, ROOM_TYPES, STYLES

    def check(value, allowed, flag):
        if value is not None and value not in allowed:
            raise UsageError(f"unknown {flag} '{value}'. Choose one of: {', '.join(allowed)}.")

    check(options.edit_type, EDIT_TYPES, "--type")
    check(options.style, STYLES, "--style")
    check(options.room, ROOM_TYPES, "--room")
    check(options.provider, PROVIDERS, "--provider")
    if not 1 <= options.variations <= 4:
        raise UsageError("--variations must be between 1 and 4.")
    if options.edit_type == "custom" and not (options.prompt or "").strip():
        raise UsageError('a custom edit needs --prompt "what to change".')


def quote(
    ctx: UserContext, edit_type: str, photos: int, variations: int, provider: str | None = None
) -> dict:
    """The price and balance; the server refuses here what it would refuse or fail later (a
    provider that cannot do the type, more variations than it gives different results)."""
    params = {
        "p_edit_type": edit_type,
        "p_photos": photos,
        "p_variations": variations,
        "p_provider": provider,
    }
    return ctx.client.rpc("quote_edit", params).execute().data


def submit(
    ctx: UserContext, uploaded: Sequence[dict], options: EditOptions, idempotency_key: str | None = None
) -> dict:
    return charge(
        ctx,
        "submit_edit",
        {"p_edit_type": options.edit_type, "p_photos": list(uploaded), "p_options": options.as_json()},
        idempotency_key,
    )


def resolve_project(ctx: UserContext, project_ref: str) -> str:
    return ids.resolve(ctx.rest, "projects", project_ref, "project")


def get_project(ctx: UserContext, project_ref: str) -> dict:
    project_id = resolve_project(ctx, project_ref)
    project = ctx.rest.table("projects").select(PROJECT_COLUMNS).eq("id", project_id).single().execute().data
    project["jobs"] = (
        ctx.rest.table("ai_jobs")
        .select(JOB_COLUMNS)
        .eq("project_id", project_id)
        .order("created_at")
        .execute()
        .data
    )
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
    return response.data, response.count


def cancel(ctx: UserContext, project_ref: str) -> dict:
    project_id = resolve_project(ctx, project_ref)
    return ctx.client.rpc("cancel_project", {"p_project_id": project_id}).execute().data


def retry(ctx: UserContext, project_ref: str, idempotency_key: str | None = None) -> dict:
    """Run a failed or cancelled project again (charged again); a project is retried once."""
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


def output_name(source_name: str, edit_type: str, variation: int, suffix: str = ".jpg") -> str:
    """`living-room.jpg` -> `living-room.virtual_staging.jpg`, then `.v2`, `.v3` for further variations."""
    stem = Path(source_name).stem
    tag = f".v{variation}" if variation > 1 else ""
    return f"{stem}.{edit_type}{tag}{suffix}"


def unique_path(path: Path, taken: set[Path] = frozenset()) -> Path:
    """`path` if free, else `name-2.ext`, `name-3.ext`, ...: nothing on disk (nor any path in
    `taken`, chosen for a download still to come) is ever overwritten."""
    if not path.exists() and path not in taken:
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists() and candidate not in taken:
            return candidate
    raise UsageError(f"too many files named like {path}.")


def download_outputs(
    ctx: UserContext, project: dict, out_dir: Path | None, sources: dict[str, Path]
) -> list[Path]:
    """Save each completed job's output next to its source photo (or in `out_dir`).

    Names are chosen first, in job order, then the files download in parallel; each is written to
    a `.part` file and renamed, so an interrupted download never leaves a truncated result.
    """
    edit_type = project["input_data"].get("edit_type", "edit")
    plan: list[tuple[str, Path]] = []
    for job in project["jobs"]:
        if job["status"] != "completed" or not job["output_url"] or job["input"].get("intermediate"):
            continue  # intermediate outputs (a video's clips before the join) are not results
        filename = job["input"].get("filename") or f"{job['id']}.jpg"
        directory = out_dir or (sources[filename].parent if filename in sources else Path.cwd())
        directory.mkdir(parents=True, exist_ok=True)
        suffix = Path(job["output_url"]).suffix or ".jpg"
        name = output_name(filename, edit_type, job["input"].get("variation") or 1, suffix)
        taken = {target for _, target in plan}
        target = unique_path(directory / name, taken)
        plan.append((job["output_url"], target))

    def fetch(item: tuple[str, Path]) -> Path:
        url, target = item
        data = ctx.rest.storage.from_(BUCKET).download(url)
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(data)
        tmp.replace(target)
        return target

    if len(plan) <= 1:
        return [fetch(item) for item in plan]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(DOWNLOAD_THREADS, len(plan))) as pool:
        return list(pool.map(fetch, plan))


def prices(ctx: UserContext) -> list[dict]:
    return ctx.rest.table("prices").select("code,credits,description").order("code").execute().data
