"""`stagefy profiles`: named Supabase projects (hosted, `supabase start`, or the local stack)."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, YES, command_group

app = command_group("Choose which Stagefy project (Supabase) to use.")


@app.command()
def add(
    name: str = typer.Argument(..., help="A short name, e.g. prod."),
    url: str = typer.Option(..., "--url", help="The project URL, e.g. https://abcd.supabase.co"),
    anon_key: str = typer.Option(
        ...,
        "--publishable-key",
        "--anon-key",
        help="The project's publishable key (sb_publishable_...) or legacy anon key; never a secret key.",
    ),
    use: bool = typer.Option(True, "--use/--no-use", help="Make it the active profile."),
) -> None:
    """Add a hosted project.

    Example: stagefy profiles add prod --url https://abcd.supabase.co --publishable-key sb_publishable_...
    """
    from stagefy_cli import render
    from stagefy_cli.backend import config

    config.add_profile(name, url, anon_key, activate=use)
    render.success(f"Added profile '{name}'" + (" and made it active." if use else "."))


@app.command("list")
def list_(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """List profiles; the active one is marked.

    Example: stagefy profiles list
    """
    from stagefy_cli import render
    from stagefy_cli.backend import config

    rows = config.list_profiles()
    render.output(
        rows,
        [render.Column("mark", " "), render.Column("name"), render.Column("url")],
        as_json=as_json,
        fields=fields,
        shown=[{**row, "mark": "*" if row["active"] else ""} for row in rows],
    )


@app.command()
def use(name: str = typer.Argument(..., help="Profile name, or 'local'.")) -> None:
    """Make a profile the active one.

    Example: stagefy profiles use prod
    """
    from stagefy_cli import render
    from stagefy_cli.backend import config

    config.use_profile(name)
    render.success(f"Now using profile '{name}'.")


@app.command()
def remove(name: str = typer.Argument(..., help="Profile name."), yes: bool = YES) -> None:
    """Remove a profile (and forget its session).

    Example: stagefy profiles remove staging --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import config
    from stagefy_cli.backend.session_store import SessionStore
    from stagefy_cli.errors import Cancelled

    config.check_removable(name)
    if not render.confirm(f"Remove profile '{name}' and its session?", yes):
        raise Cancelled("nothing removed.")
    config.remove_profile(name)
    SessionStore(name).clear()
    render.success(f"Removed profile '{name}'.")
