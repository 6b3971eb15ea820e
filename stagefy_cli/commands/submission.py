"""The steps every paid submission shares (edit, video, templates use): show the quote and ask,
upload with a progress bar, report the queued project, then wait and download or return pending."""

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
    from stagefy_cli.commands.projects import wait_and_download
    from stagefy_cli.errors import StillPending

    project_id = submitted["project_id"]
    if not as_json:
        render.notice(
            f"Project {project_id[:8]} queued; {submitted['credits_charged']} credits charged, "
            f"balance {submitted['balance']}."
        )
    if no_wait:
        render.output(
            submitted, as_json=as_json, fields=fields, show=lambda: _print_still_running(project_id)
        )
        raise typer.Exit(StillPending.exit_code)
    wait_and_download(ctx, project_id, out, sources, timeout, as_json, fields, before_after)


def _print_still_running(project_id: str) -> None:
    from stagefy_cli import render

    typer.echo(project_id)
    render.notice(f"Still running. Follow it with: stagefy projects watch {project_id[:8]}")
