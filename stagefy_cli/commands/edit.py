"""`stagefy edit`: AI photo edits, from the photo on disk to the edited photo next to it."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.ai.catalog import EDIT_TYPES, PROVIDERS, ROOM_TYPES, STYLES
from stagefy_cli.commands.before_after import BeforeAfter
from stagefy_cli.commands.options import FIELDS, JSON, OPEN, PREVIEW, TIMEOUT, YES, choice, out_folder

app = typer.Typer(add_completion=False)


@app.command()
def edit(
    photos: list[Path] = typer.Argument(
        ..., help="Photos to edit (JPEG, PNG, WebP, HEIC); several run in parallel."
    ),
    edit_type: str = choice(EDIT_TYPES, "--type", "-t", help="{values}.", default=...),
    style: str = choice(
        STYLES, "--style", "-s", help="Staging style, e.g. modern, scandinavian, coastal, luxury."
    ),
    room: str = choice(
        ROOM_TYPES, "--room", "-r", help="Room type, e.g. living_room, bedroom, kitchen, office."
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
    provider: str = choice(PROVIDERS, "--provider", help="Ask for a provider: {values}."),
    out: Path = out_folder("Directory for the results (default: next to each photo)."),
    keep_metadata: bool = typer.Option(
        False,
        "--keep-metadata",
        help="Keep the photos' GPS position, camera serial numbers and owner in the results "
        "(removed by default, for photos published on portals).",
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the project ID and return (exit 8) while it runs."
    ),
    timeout: float = TIMEOUT,
    preview: bool = PREVIEW,
    open_: bool = OPEN,
    yes: bool = YES,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Edit listing photos with AI: stage, declutter, enhance, replace the sky, turn day to dusk.

    Shows the price and your balance first and asks (--yes skips). The results are saved next to
    each photo as NAME.TYPE.jpg (never overwriting anything) unless --out is given.

    Example: stagefy edit living-room.jpg --type virtual_staging --style scandinavian --room living_room --preview
    """
    from stagefy_cli.backend import client
    from stagefy_cli.commands import submission
    from stagefy_cli.services import edits, ids
    from stagefy_cli.services.photos import check_photos

    keep = True if keep_metadata else None
    options = edits.EditOptions(edit_type, style, room, prompt, variations, None, provider, keep)
    edits.validate_options(options)
    before_after = BeforeAfter(preview, open_)
    before_after.check(as_json, no_wait)
    checked = check_photos(photos)
    ctx = client.signed_in()
    edits.refuse_unfit_photos(options, [p.path for p in checked], ctx)
    if listing:
        options = edits.EditOptions(
            edit_type,
            style,
            room,
            prompt,
            variations,
            ids.resolve(ctx.rest, "crm_listings", listing, "listing"),
            provider,
            keep,
        )

    quote = edits.quote(ctx, edit_type, len(checked), variations, provider)
    summary = (
        f"{edit_type.replace('_', ' ').capitalize()}: {len(checked)} photo{'s' if len(checked) > 1 else ''} x "
        f"{variations} variation{'s' if variations > 1 else ''} x {quote['price_each']} credits = "
        f"{quote['total']} credits (balance {quote['balance']})"
    )
    submission.confirm_quote(quote, "this edit", summary, yes=yes, as_json=as_json)
    submitted = edits.submit(ctx, submission.upload_with_progress(ctx, checked), options)
    submission.follow(
        ctx,
        submitted,
        no_wait=no_wait,
        out=out,
        sources={p.path.name: p.path for p in checked},
        timeout=timeout,
        as_json=as_json,
        fields=fields,
        before_after=before_after,
    )
