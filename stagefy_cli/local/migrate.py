"""Prepare a database for Stagefy: Supabase's platform schemas when missing, then the migrations.

Hosted Supabase and `supabase start` already have the roles and the `auth`/`storage` schemas; the
embedded stack does not, so `sql/bootstrap_*.sql` create minimal versions of them, and only when the
database has none. The migrations in `supabase/migrations/` are applied in file-name order, each once,
tracked in `supabase_migrations.schema_migrations` -- the table the Supabase CLI uses, so the same
database can later be handled by `supabase db push` without re-applying anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

BOOTSTRAP_FILES = ("bootstrap_roles.sql", "bootstrap_auth.sql", "bootstrap_storage.sql")


def migrations_dir() -> Path:
    """The migrations shipped with the package (wheel) or the repository's `supabase/migrations`."""
    packaged = resources.files("stagefy_cli") / "_supabase" / "migrations"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "supabase" / "migrations"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @classmethod
    def from_path(cls, path: Path) -> Migration:
        version, _, name = path.stem.partition("_")
        return cls(version=version, name=name, path=path)


def list_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or migrations_dir()
    return [Migration.from_path(p) for p in sorted(directory.glob("*.sql"))]


def _schema_exists(conn: psycopg.Connection, schema: str) -> bool:
    row = conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone()
    return row is not None


def bootstrap_platform(conn: psycopg.Connection) -> list[str]:
    """Create Supabase's roles, `auth` and `storage` schemas where the database lacks them."""
    applied = []
    sql_dir = resources.files("stagefy_cli.local") / "sql"
    checks = {
        "bootstrap_roles.sql": lambda: (
            conn.execute("select 1 from pg_roles where rolname = 'authenticated'").fetchone() is not None
        ),
        "bootstrap_auth.sql": lambda: _schema_exists(conn, "auth"),
        "bootstrap_storage.sql": lambda: _schema_exists(conn, "storage"),
    }
    for filename in BOOTSTRAP_FILES:
        if checks[filename]():
            continue
        with conn.transaction():
            conn.execute((sql_dir / filename).read_text(encoding="utf-8"))
        applied.append(filename)
    return applied


def apply_migrations(conn: psycopg.Connection, directory: Path | None = None) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns those applied."""
    with conn.transaction():
        conn.execute("create schema if not exists supabase_migrations")
        conn.execute(
            "create table if not exists supabase_migrations.schema_migrations "
            "(version text primary key, statements text[], name text)"
        )
    done = {row[0] for row in conn.execute("select version from supabase_migrations.schema_migrations")}
    applied = []
    for migration in list_migrations(directory):
        if migration.version in done:
            continue
        sql = migration.path.read_text(encoding="utf-8")
        with conn.transaction():
            conn.execute(sql)
            conn.execute(
                "insert into supabase_migrations.schema_migrations (version, statements, name) "
                "values (%s, %s, %s)",
                (migration.version, [sql], migration.name),
            )
        applied.append(migration)
    return applied


def prepare_database(dsn: str) -> list[str]:
    """Bootstrap (when needed) and migrate the database at `dsn`. Returns what was applied."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        applied = bootstrap_platform(conn)
        applied += [m.path.name for m in apply_migrations(conn)]
    return applied
