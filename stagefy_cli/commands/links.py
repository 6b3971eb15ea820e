"""Output of the share commands (`media share`, `projects share`): signed links for a seller."""

from __future__ import annotations

import typer

EXPIRES = typer.Option(
    "7d", "--expires", help="How long the link works: 30m, 12h, 7d, 2w (at most 365d).", metavar="DURATION"
)


def print_links(links: dict | list[dict], as_json: bool, fields: str | None) -> None:
    """JSON as given (one link or a list); else each title and URL, or only the URLs when piped."""
    from stagefy_cli import render

    render.output(links, as_json=as_json, fields=fields, show=lambda: _print_links(links))


def _print_links(links: dict | list[dict]) -> None:
    from stagefy_cli import render

    items = links if isinstance(links, list) else [links]
    if not render.stdout_is_tty():
        for link in items:
            typer.echo(link["url"])
        return
    for link in items:
        render.emphasis(f"{link['title'] or link['id'][:8]} ({link['id'][:8]})")
        typer.echo(link["url"])
    until = render.local_time(items[0]["expires_at"])
    render.notice(f"Anyone with {'a link' if len(items) > 1 else 'the link'} can download until {until}.")
