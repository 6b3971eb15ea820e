"""`stagefy profile`: your agent profile."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, choice, command_group
from stagefy_cli.commands.reads import account as reads
from stagefy_cli.commands.reads import runs
from stagefy_cli.models import USE_CASES

app = command_group("Show and update your agent profile.")


@app.command()
@runs(reads.show_profile)
def show(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show your profile, plan and balance.

    Example: stagefy profile show --json
    """


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
    reads.render_profile(account.update_profile(client.signed_in(), changes), as_json, fields)
