"""`stagefy edit`: AI photo edits, from the photo on disk to the edited photo next to it."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.commands.options import FIELDS, JSON, YES

app = typer.Typer(add_completion=False)


@app.command()
def edit(
    photos: list[Path] = typer.Argument(
        ..., help="Photos to edit (JPEG, PNG, WebP, HEIC); several run in parallel."
    ),
    edit_type: str = typer.Option(
        ...,
        "--type",
        "-t",
        help="virtual_staging, declutter, enhance, sky_replacement, day_to_dusk or custom.",
    ),
    style: str = typer.Option(
        None, "--style", "-s", help="Staging style, e.g. modern, scandinavian, coastal, luxury."
    ),
    room: str = typer.Option(
        None, "--room", "-r", help="Room type, e.g. living_room, bedroom, kitchen, office."
    ),
    prompt: str = typer.Option(
        None, "--prompt", help="What to change, in words (required for --type custom)."
    ),
    variations: int = typer.Option(
        1, "--variations", "-n", help="Results per photo, 1 to 4 (each is charged)."
    ),
    listing: str = typer.Option(
        None, "--listing", help="Link the results to this CRM listing (ID or prefix)."
    ),
    provider: str = typer.Option(
        None, "--provider", help="Ask for a provider: replicate, nano_banana, qwen or local."
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Directory for the results (default: next to each photo)."
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the project ID and return (exit 8) while it runs."
    ),
    timeout: float = typer.Option(None, "--timeout", help="Stop waiting after this many seconds (exit 8)."),
    yes: bool = YES,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Edit listing photos with AI: stage, declutter, enhance, replace the sky, turn day to dusk.

    Shows the price and your balance first and asks (--yes skips). The results are saved next to
    each photo as NAME.TYPE.jpg (never overwriting anything) unless --out is given.

    Example: stagefy edit living-room.jpg --type virtual_staging --style scandinavian --room living_room
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled, InsufficientCredits
    from stagefy_cli.services import edits, ids
    from stagefy_cli.services.photos import check_photo

    options = edits.EditOptions(edit_type, style, room, prompt, variations, None, provider)
    edits.validate_options(options)
    checked = [check_photo(p) for p in photos]
    ctx = client.signed_in()
    if listing:
        options = edits.EditOptions(
            edit_type,
            style,
            room,
            prompt,
            variations,
            ids.resolve(ctx.client, "crm_listings", listing, "listing"),
            provider,
        )

    quote = edits.quote(ctx, edit_type, len(checked), variations)
    summary = (
        f"{len(checked)} photo{'s' if len(checked) > 1 else ''} x {variations} variation"
        f"{'s' if variations > 1 else ''} x {quote['price_each']} credits = {quote['total']} credits"
        f" (balance {quote['balance']})"
    )
    if quote["total"] > quote["balance"]:
        raise InsufficientCredits(
            f"not enough credits: this edit costs {quote['total']} and your balance is {quote['balance']}. "
            "Buy more with: stagefy credits packs"
        )
    if not yes and not render.confirm(
        f"{edit_type.replace('_', ' ').capitalize()}: {summary}. Continue?", yes
    ):
        raise Cancelled("nothing was spent.")
    if yes and not as_json:
        render.notice(f"Quote: {summary}")

    uploaded = _upload_all(ctx, checked)
    submitted = edits.submit(ctx, uploaded, options)
    project_id = submitted["project_id"]
    if not as_json:
        render.notice(
            f"Project {project_id[:8]} queued; {submitted['credits_charged']} credits charged, balance {submitted['balance']}."
        )
    if no_wait:
        _report_pending(project_id, as_json, fields, submitted)
        return

    from stagefy_cli.commands.projects import wait_and_download

    wait_and_download(ctx, project_id, out, {p.path.name: p.path for p in checked}, timeout, as_json, fields)


def _upload_all(ctx, checked) -> list[dict]:
    from stagefy_cli.render import progress
    from stagefy_cli.services import edits

    uploaded = []
    with progress() as bar:
        task = bar.add_task("Uploading", total=sum(p.size for p in checked))
        for photo in checked:
            uploaded.append(edits.upload_photo(ctx, photo))
            bar.advance(task, photo.size)
    return uploaded


def _report_pending(project_id: str, as_json: bool, fields: str | None, submitted: dict) -> None:
    from stagefy_cli import render
    from stagefy_cli.errors import StillPending

    if as_json:
        render.emit_json(submitted, fields)
    else:
        typer.echo(project_id)
        render.notice(f"Still running. Follow it with: stagefy projects watch {project_id[:8]}")
    raise typer.Exit(StillPending.exit_code)
