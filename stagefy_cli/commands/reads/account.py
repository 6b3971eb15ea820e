"""`stagefy auth status`, `auth token` and `profile show`."""

from __future__ import annotations


def status(as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render
    from stagefy_cli.services import account

    info = account.status()
    render.output(
        info,
        [
            render.Column("email", "Signed in as"),
            render.Column("profile", "Profile"),
            render.Column("url", "API"),
            render.Column("expires_in", "Token expires in (s)"),
        ],
        as_json=as_json,
        fields=fields,
    )


def token() -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client

    render.line(client.signed_in().tokens.access_token())


def show_profile(as_json: bool, fields: str | None) -> None:
    from stagefy_cli.backend import client
    from stagefy_cli.services import account

    render_profile(account.get_profile(client.signed_in()), as_json, fields)


def render_profile(profile: dict, as_json: bool, fields: str | None) -> None:
    """A profile as `profile show` and `profile update` print it."""
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
