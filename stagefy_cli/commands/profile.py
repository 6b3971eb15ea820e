"""`stagefy profile`: your agent profile."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, choice, command_group
from stagefy_cli.models import USE_CASES

app = command_group("Show and update your agent profile.")


def _render_profile(profile: dict, as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render

    render.output(
        profile,
        [
            render.Column("full_name", "Name"),
            render.Column("email", "Email"),
            render.Column("brokerage", "Brokerage"),
            render.Column("market", "Market"),
            render.Column("phone", "Phone"),
            render.Column("use_case", "Use case"),
            render.Column("role", "Role"),
            render.Column("subscription_tier", "Plan"),
            render.Column("credits", "Credits"),
            render.Column("created_at", "Member since", render.local_time),
        ],
        as_json=as_json,
        fields=fields,
    )


@app.command()
def show(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show your profile, plan and balance.

    Example: stagefy profile show --json
    """
    from stagefy_cli.backend import client
    from stagefy_cli.services import account

    _render_profile(account.get_profile(client.signed_in()), as_json, fields)


@app.command()
def update(
    name: str = typer.Option(None, "--name", help="Your full name."),
    brokerage: str = typer.Option(None, "--brokerage", help="Your brokerage."),
    market: str = typer.Option(None, "--market", help="The area you sell in."),
    use_case: str = choice(USE_CASES, "--use-case", help="{values}.", refuse=False),
    phone: str = typer.Option(None, "--phone", help="Phone number shown on videos and flyers."),
    avatar_url: str = typer.Option(None, "--avatar-url", help="URL of your photo."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Change your profile; only the options you pass change.

    Example: stagefy profile update --brokerage "Coastal Realty" --phone "+27 82 555 0101"
    """
    from stagefy_cli.backend import client
    from stagefy_cli.services import account

    changes = {
        "full_name": name,
        "brokerage": brokerage,
        "market": market,
        "use_case": use_case,
        "phone": phone,
        "avatar_url": avatar_url,
    }
    _render_profile(account.update_profile(client.signed_in(), changes), as_json, fields)
