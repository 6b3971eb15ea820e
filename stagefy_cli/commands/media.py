"""`stagefy media`: your library of edited photos, videos and templates."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.commands.links import EXPIRES
from stagefy_cli.commands.options import (
    FIELDS,
    FORCE,
    JSON,
    LIMIT,
    YES,
    choice,
    command_group,
    id_to_delete,
    out_folder,
)
from stagefy_cli.commands.reads import media as reads
from stagefy_cli.commands.reads import runs
from stagefy_cli.models import MEDIA_TYPES

app = command_group("Your library of edited photos, videos and templates: find, tag, link, download.")

MEDIA_ID = typer.Argument(..., help="Media ID (or its first characters).")


def _show(media: dict, as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render

    render.output(
        media,
        [
            render.Column("id", "ID"),
            render.Column("type", "Type"),
            render.Column("title", "Title"),
            render.Column("description", "Description"),
            render.Column("url", "File"),
            render.Column("file_size", "Size", render.file_size),
            render.Column("is_favorite", "Favorite", lambda v: "yes" if v else "no"),
            render.Column("tags", "Tags", lambda v: ", ".join(v)),
            render.Column("listing_id", "Listing"),
            render.Column("contact_id", "Contact"),
            render.Column("project_id", "Project"),
            render.Column("credits_used", "Credits"),
            render.Column("created_at", "Created", render.local_time),
        ],
        as_json=as_json,
        fields=fields,
    )


@app.command("list")
@runs(reads.list_media)
def list_(
    listing: str = typer.Option(
        None, "--listing", help="Only media of this listing (ID or its first characters)."
    ),
    contact: str = typer.Option(
        None, "--contact", help="Only media of this contact (ID or its first characters)."
    ),
    media_type: str = choice(MEDIA_TYPES, "--type", help="Only this type: {values}."),
    favorites: bool = typer.Option(False, "--favorites", help="Only your favorites."),
    tag: str = typer.Option(None, "--tag", help="Only media with this tag."),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List your media, newest first.

    Example: stagefy media list --listing 7b1e04 --type image --favorites
    """


@app.command()
def show(media_id: str = MEDIA_ID, as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show one media item.

    Example: stagefy media show 9d4c2e
    """
    from stagefy_cli.backend import client
    from stagefy_cli.services import media

    _show(media.get_media(client.signed_in(), media_id), as_json, fields)


@app.command()
def download(
    media_ids: list[str] = typer.Argument(..., help="Media IDs (or their first characters)."),
    out: Path = out_folder("Directory for the files.", Path(".")),
    force: bool = FORCE,
    as_json: bool = JSON,
) -> None:
    """Download media files from your private library, named by their titles.

    A file of the same name is never overwritten (the new one gets -2, -3, ...) unless --force.

    Example: stagefy media download 9d4c2e 51ab07 --out listing-photos/
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import media
    from stagefy_cli.services.downloads import save_outputs

    ctx = client.signed_in()
    items, plans = media.plan_downloads(ctx, media_ids, out, force)
    with render.progress() as bar:
        tasks = {id(plan): bar.add_task(plan.target.name, total=plan.size) for plan in plans}
        saved = save_outputs(
            ctx,
            plans,
            force=force,
            progress=lambda plan, done, total: bar.update(tasks[id(plan)], completed=done, total=total),
        )
    render.output(
        [{"id": item["id"], "path": str(path)} for item, path in zip(items, saved, strict=True)],
        as_json=as_json,
        show=lambda: render.print_paths(saved),
    )


@app.command()
def favorite(
    media_id: str = MEDIA_ID,
    off: bool = typer.Option(False, "--off", help="Remove from favorites instead."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Mark a media item as a favorite (or not, with --off).

    Example: stagefy media favorite 9d4c2e
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import media

    updated = media.set_favorite(client.signed_in(), media_id, not off)
    state = "Marked as favorite" if updated["is_favorite"] else "Removed from favorites"
    render.output(updated, as_json=as_json, fields=fields, done=f"{state}: {updated['id'][:8]}.")


@app.command()
def tag(
    media_id: str = MEDIA_ID,
    tags: list[str] = typer.Argument(..., help="Tags to add (or remove, with --remove)."),
    remove: bool = typer.Option(False, "--remove", help="Remove these tags instead of adding them."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Add tags to a media item (or remove them).

    Example: stagefy media tag 9d4c2e kitchen hero-shot
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import media

    updated = media.tag(client.signed_in(), media_id, tags, remove=remove)
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Tags of {updated['id'][:8]}: {', '.join(updated['tags']) or '(none)'}.",
    )


@app.command()
def link(
    media_id: str = MEDIA_ID,
    listing: str = typer.Option(
        ..., "--listing", help="The listing to attach it to (ID or its first characters)."
    ),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Attach a media item to one of your listings.

    Example: stagefy media link 9d4c2e --listing 7b1e04
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import media

    updated = media.link(client.signed_in(), media_id, listing)
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Linked {updated['id'][:8]} to listing {updated['listing_id'][:8]}.",
    )


@app.command()
def delete(media_id: str = id_to_delete("Media"), yes: bool = YES, as_json: bool = JSON) -> None:
    """Delete a media item and its file.

    Example: stagefy media delete 9d4c2e --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import media

    ctx = client.signed_in()
    found = media.get_media(ctx, media_id)
    if not render.confirm(
        f"Delete {found['type']} '{found.get('title') or found['id'][:8]}' and its file?", yes
    ):
        raise Cancelled("nothing was deleted.")
    deleted = media.delete(ctx, found["id"])
    render.output(deleted, as_json=as_json, done=f"Deleted {deleted['id'][:8]}.")


@app.command()
def share(
    media_id: str = MEDIA_ID, expires: str = EXPIRES, as_json: bool = JSON, fields: str = FIELDS
) -> None:
    """Print a link to send to a seller: anyone with it can download the file until it expires.

    The library stays private: Storage signs the link for this one file.

    Example: stagefy media share 9d4c2e --expires 3d
    """
    from stagefy_cli.backend import client
    from stagefy_cli.commands.links import print_links
    from stagefy_cli.services import sharing

    link = sharing.share_media(client.signed_in(), media_id, expires)
    print_links(link, as_json, fields)
