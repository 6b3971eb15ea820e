"""`stagefy projects`: follow, download, cancel and retry edits, videos and templates."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.commands.before_after import BeforeAfter
from stagefy_cli.commands.links import EXPIRES
from stagefy_cli.commands.options import (
    FIELDS,
    FORCE,
    JSON,
    LIMIT,
    OPEN,
    PREVIEW,
    TIMEOUT,
    YES,
    choice,
    command_group,
    out_folder,
)
from stagefy_cli.commands.reads import projects as reads
from stagefy_cli.commands.reads import runs
from stagefy_cli.models import PROJECT_STATUSES, PROJECT_TYPES

app = command_group("Follow, download, cancel and retry your edits, videos and templates.")


@app.command("list")
@runs(reads.list_projects)
def list_(
    status: str = choice(PROJECT_STATUSES, "--status", help="Only this status: {values}."),
    project_type: str = choice(PROJECT_TYPES, "--type", help="Only this type: {values}."),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List your projects, newest first, with what each cost after refunds.

    Example: stagefy projects list --status failed --limit 10
    """


@app.command()
@runs(reads.show)
def show(
    project: str = typer.Argument(..., help="Project ID (or its first characters)."),
    preview: bool = PREVIEW,
    open_: bool = OPEN,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Show a project and its jobs; --preview draws each result beside its original.

    Example: stagefy projects show 3f2a9c --preview
    """


@app.command()
def watch(
    project: str = typer.Argument(..., help="Project ID (or its first characters)."),
    out: Path = out_folder("Download the results here when done (default: current directory)."),
    timeout: float = TIMEOUT,
    preview: bool = PREVIEW,
    open_: bool = OPEN,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Wait for a project to finish and download its results; exits with its outcome.

    Example: stagefy projects watch 3f2a9c --out edited/
    """
    from stagefy_cli.backend import client
    from stagefy_cli.commands import submission
    from stagefy_cli.services import projects

    before_after = BeforeAfter(preview, open_)
    before_after.check(as_json)
    ctx = client.signed_in()
    project_id = projects.resolve_project(ctx, project)
    submission.wait_and_download(
        ctx, project_id, out or Path.cwd(), {}, timeout, as_json, fields, before_after
    )


@app.command()
def download(
    project: str = typer.Argument(..., help="Project ID (or its first characters)."),
    out: Path = out_folder("Directory for the files.", Path(".")),
    force: bool = FORCE,
    as_json: bool = JSON,
) -> None:
    """Download a project's results, named after their photos (living-room.enhance.jpg).

    A file of the same name is never overwritten (the new one gets -2, -3, ...) unless --force.

    Example: stagefy projects download 3f2a9c --out edited/
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import NotFound
    from stagefy_cli.services import projects

    ctx = client.signed_in()
    data = projects.get_project(ctx, project)
    saved = projects.download_outputs(ctx, data, out, {}, force)
    if not saved:
        raise NotFound(projects.no_results(data))
    render.output([str(p) for p in saved], as_json=as_json, show=lambda: render.print_paths(saved))


@app.command()
def share(
    project: str = typer.Argument(..., help="Project ID (or its first characters)."),
    expires: str = EXPIRES,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Print a link to each result of a project, to send to a seller (valid until --expires).

    Example: stagefy projects share 3f2a9c --expires 14d
    """
    from stagefy_cli.backend import client
    from stagefy_cli.commands.links import print_links
    from stagefy_cli.services import sharing

    print_links(sharing.share_project(client.signed_in(), project, expires), as_json, fields)


@app.command()
def cancel(
    project: str = typer.Argument(..., help="Project ID (or its first characters)."),
    yes: bool = YES,
    as_json: bool = JSON,
) -> None:
    """Cancel queued or running work and get its credits back.

    Example: stagefy projects cancel 3f2a9c --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import projects

    ctx = client.signed_in()
    if not render.confirm(f"Cancel project {project}?", yes):
        raise Cancelled("nothing was cancelled.")
    result = projects.cancel(ctx, project)
    render.output(
        result,
        as_json=as_json,
        done=f"Cancelled {result['cancelled_jobs']} job(s); refunded {result['refunded']} credits. Balance: {result['balance']}.",
    )


@app.command()
def retry(
    project: str = typer.Argument(..., help="Project ID (or its first characters)."),
    yes: bool = YES,
    no_wait: bool = typer.Option(False, "--no-wait", help="Print the new project ID and return."),
    out: Path = out_folder("Directory for the results (default: current directory)."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Run a failed or cancelled project again (charged again; the price is shown first).

    A photo edit runs again only the photos without a result: the rest of a cancelled batch, or
    those that failed.

    Example: stagefy projects retry 3f2a9c
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.commands import submission
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import projects

    ctx = client.signed_in()
    original = projects.get_project(ctx, project)
    credits, photos = projects.retry_cost(original)
    what = (
        f" ({photos} photo{'s' if photos != 1 else ''} without a result)"
        if original["type"] == "photo_edit"
        else ""
    )
    if not render.confirm(f"Retry '{original['name']}'{what} for {credits} credits?", yes):
        raise Cancelled("nothing was spent.")
    submitted = projects.retry(ctx, original["id"])
    submission.follow(
        ctx,
        submitted,
        no_wait=no_wait,
        out=out or Path.cwd(),
        sources={},
        timeout=None,
        as_json=as_json,
        fields=fields,
    )
