"""`stagefy templates`: marketing templates (promo posts, open-house flyers, reels, custom AI edits)."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.commands.options import (
    FIELDS,
    JSON,
    LIMIT,
    TIMEOUT,
    YES,
    choice,
    command_group,
    id_to_delete,
    out_folder,
)
from stagefy_cli.models import PROVIDERS, TEMPLATE_TYPES

app = command_group("Marketing templates: promo posts, open-house flyers, reels, custom AI edits.")

SET_HELP = (
    "Design setting KEY=VALUE (repeatable): primary, accent, background, text (hex colours), font, "
    "layout, currency, paper (a4|letter), headline, seconds_per_photo, logo (a media ID)."
)


def _columns():
    from stagefy_cli import render

    return [
        render.Column("id", "ID", lambda v: v[:8]),
        render.Column("name", "NAME", max_width=32),
        render.Column("type", "TYPE"),
        render.Column("owner", "OWNER"),
        render.Column("usage_count", "USES"),
        render.Column("description", "DESCRIPTION", max_width=50),
    ]


def _with_owner(rows: list[dict], user_id: str) -> list[dict]:
    """The rows as the table shows them, with whose each template is."""
    return [{**row, "owner": _owner(row, user_id)} for row in rows]


def _owner(row: dict, user_id: str) -> str:
    if row["user_id"] == user_id:
        return "you" + (" (public)" if row["is_public"] else "")
    return "built-in" if row["user_id"] is None else "shared"


def _show(template: dict, as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render

    settings = ", ".join(f"{k}={v}" for k, v in (template["settings"] or {}).items())
    render.output(
        template,
        [
            render.Column("id", "ID"),
            render.Column("name", "Name"),
            render.Column("type", "Type"),
            render.Column("description", "Description"),
            render.Column("prompt_template", "Prompt"),
            render.Column("settings_text", "Settings"),
            render.Column("is_public", "Public"),
            render.Column("usage_count", "Uses"),
            render.Column("credits_used", "Credits used"),
            render.Column("updated_at", "Updated", render.local_time),
        ],
        as_json=as_json,
        fields=fields,
        shown={**template, "settings_text": settings},
    )


@app.command("list")
def list_(
    template_type: str = choice(TEMPLATE_TYPES, "--type", "-t", help="Only this type: {values}."),
    public: bool = typer.Option(False, "--public", help="Only public templates (built-in and shared)."),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List the templates you can use: yours, the built-in ones and those other agents published.

    Example: stagefy templates list --type open_house
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import templates

    ctx = client.signed_in()
    rows, total = templates.list_templates(ctx, template_type=template_type, public_only=public, limit=limit)
    render.output(
        rows, _columns(), as_json=as_json, fields=fields, total=total, shown=_with_owner(rows, ctx.user_id)
    )


@app.command()
def show(
    template: str = typer.Argument(..., help="Template ID (or its first characters)."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Show a template: its type, prompt, design settings and how often it was used.

    Example: stagefy templates show 3f2a
    """
    from stagefy_cli.backend import client
    from stagefy_cli.services import templates

    _show(templates.get_template(client.signed_in(), template), as_json, fields)


@app.command()
def create(
    name: str = typer.Option(..., "--name", help="A name you will recognise."),
    template_type: str = choice(
        TEMPLATE_TYPES, "--type", "-t", help="The kind of output: {values}.", default=...
    ),
    description: str = typer.Option(None, "--description", help="What the template is for."),
    prompt_template: str = typer.Option(
        None,
        "--prompt-template",
        help="custom only: the AI edit, with {address}, {price}, {city}, ... placeholders.",
    ),
    sets: list[str] = typer.Option(None, "--set", help=SET_HELP),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Create your own template (private until you publish it).

    Example: stagefy templates create --name "Teal promo" --type listing_promo --set primary=#0F3D3E --set layout=overlay
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import templates

    ctx = client.signed_in()
    created = templates.create_template(
        ctx,
        name=name,
        template_type=template_type,
        description=description,
        prompt_template=prompt_template,
        settings=templates.parse_sets(sets),
    )
    render.output(
        created,
        as_json=as_json,
        fields=fields,
        done=f"Created template {created['id'][:8]} ({created['name']}).",
    )


@app.command()
def update(
    template: str = typer.Argument(..., help="Template ID (or its first characters); yours only."),
    name: str = typer.Option(None, "--name", help="New name."),
    description: str = typer.Option(None, "--description", help="New description."),
    prompt_template: str = typer.Option(None, "--prompt-template", help="New prompt (custom templates)."),
    sets: list[str] = typer.Option(None, "--set", help=SET_HELP),
    unset: list[str] = typer.Option(None, "--unset", help="Remove this setting (repeatable)."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Change your template's name, description, prompt or design settings.

    Example: stagefy templates update 3f2a --set accent=#E2B659 --unset headline
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import templates

    updated = templates.update_template(
        client.signed_in(),
        template,
        name=name,
        description=description,
        prompt_template=prompt_template,
        settings=templates.parse_sets(sets),
        unset=unset or (),
    )
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Updated template {updated['id'][:8]} ({updated['name']}).",
    )


@app.command()
def delete(
    template: str = id_to_delete("Template"),
    yes: bool = YES,
    as_json: bool = JSON,
) -> None:
    """Delete your template (what was made with it stays in your library).

    Example: stagefy templates delete 3f2a --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import templates

    ctx = client.signed_in()
    found = templates.get_template(ctx, template)
    if not render.confirm(f"Delete template '{found['name']}'?", yes):
        raise Cancelled("nothing was deleted.")
    deleted = templates.delete_template(ctx, found["id"])
    render.output(
        {"id": deleted["id"], "deleted": True},
        as_json=as_json,
        done=f"Deleted template {deleted['id'][:8]} ({deleted['name']}).",
    )


@app.command()
def publish(
    template: str = typer.Argument(..., help="Template ID (or its first characters); yours only."),
    off: bool = typer.Option(False, "--off", help="Make it private again."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Share your template with every Stagefy agent (they can use it, not change it).

    Example: stagefy templates publish 3f2a
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import templates

    updated = templates.publish(client.signed_in(), template, not off)
    short = updated["id"][:8]
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Template {short} is private again."
        if off
        else f"Template {short} is public: every agent can use it.",
    )


@app.command()
def use(
    template: str = typer.Argument(..., help="Template ID (or its first characters)."),
    listing: str = typer.Option(..., "--listing", help="CRM listing (ID or prefix) the piece is about."),
    photos: list[str] = typer.Option(
        None, "--photo", help="A photo file or library media ID (repeatable; the first is the hero)."
    ),
    sets: list[str] = typer.Option(
        None,
        "--set",
        help="A value KEY=VALUE (repeatable): date and time for open houses, headline, placeholders.",
    ),
    provider: str = choice(PROVIDERS, "--provider", help="custom only: {values}."),
    out: Path = out_folder("Directory for the results (default: current directory)."),
    no_wait: bool = typer.Option(False, "--no-wait", help="Print the project ID and return (exit 8)."),
    timeout: float = TIMEOUT,
    yes: bool = YES,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Make a marketing piece from a template, the listing and your profile, and download it.

    listing_promo: a 1080x1080 and a 1080x1350 image; open_house: a PDF flyer and a PNG preview
    (--set date=... --set time=...); instagram_reel: a 9:16 MP4; custom: an AI edit of each photo.
    Missing values are reported before anything is spent; the price is shown first (--yes skips).

    Example: stagefy templates use 3f2a --listing 9c1d --photo front.jpg --set date="Sat 14 June" --set time="10:00-12:00"
    """
    from stagefy_cli.backend import client
    from stagefy_cli.commands import submission
    from stagefy_cli.services import templates
    from stagefy_cli.services import video as videos

    ctx = client.signed_in()
    found = templates.get_template(ctx, template)
    sources = videos.resolve_photos(ctx, photos or [])
    prepared = templates.prepare_use(ctx, found, listing, templates.parse_sets(sets), len(sources))

    quote = templates.quote(ctx, found["id"], len(sources))
    summary = f"{found['name']} ({found['type']}): {quote['total']} credits (balance {quote['balance']})"
    submission.confirm_quote(quote, "this", summary, yes=yes, as_json=as_json)
    submitted = templates.submit(ctx, prepared, submission.upload_with_progress(ctx, sources), provider)
    submission.follow(
        ctx,
        submitted,
        no_wait=no_wait,
        out=out or Path.cwd(),
        sources={},
        timeout=timeout,
        as_json=as_json,
        fields=fields,
    )
