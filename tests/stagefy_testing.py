"""Helpers shared by the tests (imported as `stagefy_testing`; fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stagefy_cli.local.ephemeral import EphemeralStack, ServerThread, free_port  # noqa: F401 - re-exported

PASSWORD = "correct-horse-battery"
# The test stacks hash passwords at bcrypt's lowest cost: at the gateway's default (10, GoTrue's) the
# sign-ups and sign-ins of the whole suite cost minutes of CPU.
PASSWORD_COST = 4


Stack = EphemeralStack


@dataclass
class Agent:
    """A signed-up user with a signed-in supabase-py client."""

    id: str
    email: str
    password: str
    client: object


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        import json

        return json.loads(self.stdout)


def run_cli(args: list[str], input: str | None = None, env: dict | None = None) -> CliResult:
    """Run `stagefy ARGS` in-process through the real Typer app, stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from stagefy_cli.backend import config
    from stagefy_cli.cli import app

    config.select_profile(None)
    result = CliRunner().invoke(app, args, input=input, env=env, prog_name="stagefy")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def make_photo(path: Path, size=(400, 300), color=(170, 140, 110), fmt="JPEG") -> Path:
    """A small synthetic photo with some structure, saved at `path` (small: the local provider
    enhances every photo an edit test submits, and its cost grows with the pixels)."""
    from PIL import Image

    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure so edits have something to work on
        image.paste((90, 80, 70), (x, size[1] // 2, x + 20, size[1] // 2 + 80))
    image.save(path, fmt)
    return path


def cli_json(args: list[str], **kwargs):
    """Run a command with --json, assert success, return the parsed output."""
    result = run_cli([*args, "--json"], **kwargs)
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    return result.json()


def add_listing(**fields) -> dict:
    """`stagefy crm listings add --KEY VALUE ...` for the signed-in agent."""
    args = ["crm", "listings", "add"]
    for key, value in fields.items():
        args += [f"--{key}", str(value)]
    return cli_json(args)


def price(code: str) -> int:
    """The server's price for `code` (e.g. 'edit:enhance'), as `stagefy credits prices` shows it."""
    return {p["code"]: p["credits"] for p in cli_json(["credits", "prices"])}[code]


def sql(stack, query: str, *params):
    """Run SQL as the database owner (for assertions and fixtures only)."""
    import psycopg

    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def balance(stack, user_id: str) -> int:
    return sql(stack, "select credits from public.users where id = %s", user_id)[0][0]


def sign_in(agent) -> None:
    """Make `agent` the CLI's signed-in user."""
    result = run_cli(
        ["auth", "login", "--email", agent.email, "--password-stdin"], input=agent.password + "\n"
    )
    assert result.exit_code == 0, result.stderr


@contextmanager
def new_database(pg_dsn: str, name: str) -> Iterator[str]:
    """An empty database `name` in the cluster of `pg_dsn` (dropped first if left over), dropped after.

    Created and dropped as the cluster's superuser: `drop ... with (force)` must end every session
    in it, and an autovacuum worker visiting the new database is a superuser's, which `postgres`
    may not end."""
    import psycopg
    from psycopg import conninfo, sql

    def drop() -> None:
        with psycopg.connect(pg_dsn, user="supabase_admin", autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    drop()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield conninfo.make_conninfo(pg_dsn, dbname=name)
    finally:
        drop()


def library_item(stack, user_id: str, content: bytes, name: str) -> dict:
    """A media row and its file, as a finished edit leaves them in the agent's library."""
    service = stack.service_client()
    path = f"{user_id}/outputs/{name}"
    service.storage.from_("media").upload(path, content, {"content-type": "image/jpeg"})
    row = {"user_id": user_id, "type": "image", "title": name, "url": path, "file_size": len(content)}
    return service.table("media_items").insert(row).execute().data[0]
