"""The steps every paid submission shares (edit, video, templates, projects retry/watch use): show
the quote and ask, upload with a progress bar, report the queued project, then wait and download
or return pending."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer


def confirm_quote(quote: dict, what: str, summary: str, *, yes: bool, as_json: bool) -> None:
    """Refuse when the balance does not cover `quote['total']`; otherwise ask (unless --yes)."""
    from stagefy_cli import render
    from stagefy_cli.errors import Cancelled, InsufficientCredits

    if quote["total"] > quote["balance"]:
        raise InsufficientCredits(
            f"not enough credits: {what} costs {quote['total']} and your balance is {quote['balance']}. "
            "Buy more with: stagefy credits packs"
        )
    if not yes and not render.confirm(f"{summary}. Continue?", yes):
        raise Cancelled("nothing was spent.")
    if yes and not as_json:
        render.notice(f"Quote: {summary}")


def upload_with_progress(ctx, sources: Sequence) -> list[dict]:
    from stagefy_cli import render
    from stagefy_cli.services.uploads import upload_sources

    with render.progress() as bar:
        task = bar.add_task("Uploading", total=sum(getattr(s, "size", 0) for s in sources) or None)
        return upload_sources(ctx, sources, lambda size: bar.advance(task, size))


def follow(
    ctx,
    submitted: dict,
    *,
    no_wait: bool,
    out: Path | None,
    sources: dict[str, Path],
    timeout: float | None,
    as_json: bool,
    fields: str | None,
    before_after=None,
) -> None:
    """After a submission: say what was charged, then wait and download, or return pending (exit 8);
    `before_after` (a `BeforeAfter`) draws or opens the results beside their originals."""
    from stagefy_cli import render
    from stagefy_cli.errors import StillPending

    project_id = submitted["project_id"]
    if not as_json:
        render.notice(
            f"Project {project_id[:8]} queued; {submitted['credits_charged']} credits charged, "
            f"balance {submitted['balance']}."
        )
    if no_wait:
        hint = watch_command(project_id, out, sources)
        render.output(
            submitted, as_json=as_json, fields=fields, show=lambda: _print_still_running(project_id, hint)
        )
        raise typer.Exit(StillPending.exit_code)
    wait_and_download(ctx, project_id, out, sources, timeout, as_json, fields, before_after)


def _print_still_running(project_id: str, hint: str) -> None:
    from stagefy_cli import render

    typer.echo(project_id)
    render.notice(f"Still running. Follow it with: {hint}")


def watch_command(project_id: str, out: Path | None, sources: dict[str, Path]) -> str:
    """The `projects watch` command that saves the results where this command would have: `--out`
    as given, else the folder of the photos when they share one (results go next to them)."""
    import shlex

    folders = {path.parent for path in sources.values()}
    folder = out or (folders.pop() if len(folders) == 1 else None)
    where = f" --out {shlex.quote(str(folder.resolve()))}" if folder else ""
    return f"stagefy projects watch {project_id[:8]}{where}"


def _failed_jobs(project: dict) -> str:
    """'room.jpg variation 2, room.jpg variation 3 (the reason)': the failed jobs, grouped by why."""
    by_reason: dict[str, list[str]] = {}
    for job in project.get("jobs") or []:
        if job["status"] != "failed":
            continue
        given = job.get("input") or {}
        name = given.get("filename") or f"job {job['id'][:8]}"
        variation = given.get("variation")
        reason = (job.get("error_message") or "failed").rstrip(".")
        by_reason.setdefault(reason, []).append(
            f"{name} variation {variation}" if variation and variation > 1 else name
        )
    return "; ".join(f"{', '.join(names)} ({reason})" for reason, names in by_reason.items())


def _progress_line(short: str, state: dict) -> str:
    """'Project 3f2a9c1d: processing (2 of 6 done, 1 failed)'."""
    output = state.get("output_data") or {}
    total = output.get("total")
    if not total:
        return f"Project {short}: {state['status']}"
    done = (output.get("completed") or 0) + (output.get("failed") or 0) + (output.get("cancelled") or 0)
    failed = f", {output['failed']} failed" if output.get("failed") else ""
    return f"Project {short}: {state['status']} ({done} of {total} done{failed})"


def wait_and_download(
    ctx,
    project_id: str,
    out: Path | None,
    sources: dict,
    timeout,
    as_json: bool,
    fields,
    before_after=None,
) -> None:
    """Wait for a project with a spinner, download its results, print where they went.

    Ctrl-C stops waiting (not the job) and says how to resume. Exit codes follow the outcome.
    """
    from stagefy_cli import render
    from stagefy_cli.backend.api_errors import ApiError
    from stagefy_cli.errors import PartlyFailed, StagefyError, StillPending
    from stagefy_cli.services import projects

    short = project_id[:8]
    hint = watch_command(project_id, out, sources)
    try:
        with render.spinner(f"Project {short}: queued") as status:
            projects.wait(
                ctx,
                [project_id],
                on_update=lambda _, state: status.update(_progress_line(short, state)),
                on_debug=render.debug,
                timeout=timeout,
            )
    except KeyboardInterrupt:
        render.notice(f"Stopped waiting; the project keeps running. Resume with: {hint}")
        raise typer.Exit(3) from None
    except TimeoutError:
        render.notice(f"Still running after {timeout:g} s. Resume with: {hint}")
        raise typer.Exit(StillPending.exit_code) from None
    except ApiError as exc:
        if exc.service != "transport":
            raise
        raise StagefyError(
            f"lost the server while waiting ({exc.message}); the project is kept. When the server is "
            f"back (stagefy local start, on the local stack), resume with: {hint}"
        ) from None
    project = projects.read_project(ctx, project_id)
    saved = projects.download_outputs(ctx, project, out, sources)
    render.output(
        {**project, "files": [str(p) for p in saved]},
        as_json=as_json,
        fields=fields,
        show=lambda: render.print_paths(saved),
    )
    if before_after:
        before_after.show(ctx, project)
    if project["status"] != "completed":
        reason = (project.get("error_message") or "no result").rstrip(".")
        raise StagefyError(
            f"project {short} {project['status']}: {reason}. Credits for failed work were refunded."
        )
    failed = project["output_data"].get("failed") or 0
    if failed:
        total = project["output_data"].get("total") or len(project.get("jobs") or [])
        raise PartlyFailed(
            f"project {short}: {failed} of {total} jobs failed and were refunded: {_failed_jobs(project)}. "
            f"The other results were saved."
        )
