"""`stagefy doctor`: check that a project can take payments and run jobs (admins and operators)."""

from __future__ import annotations

import os

import typer

from stagefy_cli.commands.options import FIELDS, JSON
from stagefy_cli.errors import StagefyError

app = typer.Typer(add_completion=False)


@app.command()
def doctor(
    db_url: str = typer.Option(
        None,
        "--db-url",
        help="Database connection string for the migrations and linter checks (else SUPABASE_DB_URL).",
    ),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Check the active profile's project and say what is wrong and how to fix it.

    Checks: the API answers the profile's key; the key kinds (the profile's publishable or anon
    key, the operator's secret key from SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY); every
    migration applied and current; the payfast function deployed, answering and taking calls
    without a JWT; its missing secrets (names only, never values); the media bucket's limits;
    Supabase's linter with no ERROR or WARN; a worker seen recently. Exits 0 only when all pass,
    else 1. The database checks connect with --db-url (on hosted: the Session pooler string of the
    dashboard's Connect dialog); the local stack's is its own.

    Example: SUPABASE_SECRET_KEY=sb_secret_... stagefy doctor --db-url "$SUPABASE_DB_URL"
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client, config
    from stagefy_cli.local.migrate import list_migrations
    from stagefy_cli.services import doctor as checks

    profile = config.current_profile()
    endpoint = client.resolve_endpoint(profile)
    secret_key = client.service_key_from_env()
    db_url = db_url or os.environ.get("SUPABASE_DB_URL")
    if profile.is_local:
        from stagefy_cli.local.stack import LocalStack

        stack = LocalStack()
        secret_key = secret_key or stack.keys().secret_key
        db_url = db_url or stack.state().db_url  # type: ignore[union-attr]
    shipped = {
        m.version: checks.ShippedMigration(m.name, m.path.read_text(encoding="utf-8"))
        for m in list_migrations()
    }
    project = checks.Project(endpoint.url, endpoint.anon_key, secret_key, db_url, shipped)
    results = checks.examine(project)
    failed = [check for check in results if not check.ok]
    columns = [render.Column(name) for name in ("check", "ok", "detail", "fix")]
    render.output([check.as_dict() for check in results], columns, as_json=as_json, fields=fields)
    if failed:
        names = ", ".join(check.check for check in failed)
        raise StagefyError(
            f"{len(failed)} of {len(results)} checks failed ({names}). Fix each as its line says"
        )
