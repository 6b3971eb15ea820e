"""Prepare a database for Stagefy: Supabase's platform schemas when missing, then the migrations.

Hosted Supabase and `supabase start` already have the roles and the `auth`/`storage` schemas; the
embedded stack does not, so `sql/bootstrap_*.sql` create minimal versions of them (and of `realtime`), and only when the
database has none; then, at every start, the changes Supabase's own migrations made to them since. The migrations in `supabase/migrations/` are applied in file-name order, each once,
tracked in `supabase_migrations.schema_migrations` -- the table the Supabase CLI uses, so the same
database can later be handled by `supabase db push` without re-applying anything. A database whose
recorded migration differs from the file of the same version (the history was rewritten before the
first release) is refused with a clear error rather than left half-migrated: reset the local stack.

Like `supabase db push` on a hosted project, the migrations run as `postgres`, which is not a
superuser there: on a fresh embedded cluster the bootstrap superuser (named `postgres` by initdb)
becomes `supabase_admin`, and `postgres` is made again with what Supabase gives it (login,
createrole, createdb, bypassrls, and grants on `auth`/`storage`, which their admin roles own). A
migration that needs more privilege than a hosted project allows fails here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from stagefy_cli.backend.migration_history import same_sql

if TYPE_CHECKING:  # psycopg comes with the local extras; `stagefy doctor` lists migrations without it
    import psycopg

BOOTSTRAP_FILES = (
    "bootstrap_roles.sql",
    "bootstrap_auth.sql",
    "bootstrap_storage.sql",
    "bootstrap_realtime.sql",
)
# Supabase's later changes to its roles and schemas (and the stand-in for supautils' policy grants):
# idempotent, applied at every start, so that a stack bootstrapped earlier catches up as hosted does.
PLATFORM_MIGRATION_FILES = ("bootstrap_platform_migrations.sql", "bootstrap_policy_grants.sql")


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
    """Create Supabase's roles, `auth` and `storage` schemas where the database lacks them, then bring
    them to what hosted has today. Returns the files that created something."""
    applied = []
    sql_dir = resources.files("stagefy_cli.local") / "sql"
    checks = {
        "bootstrap_roles.sql": lambda: (
            conn.execute("select 1 from pg_roles where rolname = 'authenticated'").fetchone() is not None
        ),
        "bootstrap_auth.sql": lambda: _schema_exists(conn, "auth"),
        "bootstrap_storage.sql": lambda: _schema_exists(conn, "storage"),
        "bootstrap_realtime.sql": lambda: _schema_exists(conn, "realtime"),
    }
    for filename in BOOTSTRAP_FILES:
        if checks[filename]():
            continue
        with conn.transaction():
            conn.execute((sql_dir / filename).read_text(encoding="utf-8"))
        applied.append(filename)
    for filename in PLATFORM_MIGRATION_FILES:
        with conn.transaction():
            conn.execute((sql_dir / filename).read_text(encoding="utf-8"))
    return applied


@contextmanager
def policy_grants(admin: psycopg.Connection) -> Iterator[None]:
    """While the migrations run, `postgres` may manage the policies of Storage's tables, as supautils
    lets it on hosted: here by a membership of their owner, which the event triggers of
    bootstrap_policy_grants.sql restrict to policies. Revoked afterwards, whatever happened."""
    admin.execute("grant supabase_storage_admin to postgres")
    try:
        yield
    finally:
        admin.execute("revoke supabase_storage_admin from postgres")


class MigrationHistoryMismatch(RuntimeError):
    """The database was migrated with other files than those of the same versions here."""


def _check_history(done: dict[str, tuple[str, list[str] | None]], migrations: list[Migration]) -> None:
    for migration in migrations:
        if migration.version not in done:
            continue
        name, statements = done[migration.version]
        changed = statements is not None and not same_sql(
            statements, migration.path.read_text(encoding="utf-8")
        )
        if name != migration.name or changed:
            raise MigrationHistoryMismatch(
                f"the database was migrated with another {migration.version} migration ({name}) than "
                f"{migration.path.name}; reset the local stack (stagefy local reset) to start from the current one"
            )


def apply_migrations(conn: psycopg.Connection, directory: Path | None = None) -> list[Migration]:
    """Apply every pending migration, each in its own transaction. Returns those applied."""
    with conn.transaction():
        conn.execute("create schema if not exists supabase_migrations")
        conn.execute(
            "create table if not exists supabase_migrations.schema_migrations "
            "(version text primary key, statements text[], name text)"
        )
    done = {
        row[0]: (row[1], row[2])
        for row in conn.execute("select version, name, statements from supabase_migrations.schema_migrations")
    }
    migrations = list_migrations(directory)
    _check_history(done, migrations)
    applied = []
    for migration in migrations:
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


MIGRATOR = "postgres"
ADMIN = "supabase_admin"
_SETUP = "stagefy_setup"  # a superuser only while the bootstrap superuser is renamed


def _fresh_cluster(conn: psycopg.Connection) -> bool:
    """A cluster initdb made, nothing of Supabase's in it yet, connected as its superuser postgres."""
    row = conn.execute(
        "select rolsuper, (select count(*) from pg_roles where rolname in ('authenticated', %s)) "
        "from pg_roles where rolname = current_user and current_user = %s",
        (ADMIN, MIGRATOR),
    ).fetchone()
    return row is not None and row[0] and row[1] == 0


def split_superuser(dsn: str) -> None:
    """On a fresh cluster: the bootstrap superuser becomes `supabase_admin` and `postgres` a role
    like Supabase's (not a superuser). A role cannot rename itself, hence the short-lived setup role."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        if not _fresh_cluster(conn):
            return
        conn.execute(f"create role {_SETUP} superuser login")
    with psycopg.connect(dsn, user=_SETUP, autocommit=True) as setup:
        setup.execute(f"alter role {MIGRATOR} rename to {ADMIN}")
        setup.execute(f"create role {MIGRATOR} login createrole createdb replication bypassrls")
    with psycopg.connect(dsn, user=ADMIN, autocommit=True) as admin:
        admin.execute(f"drop role {_SETUP}")


def _admin_user(dsn: str) -> str | None:
    """`supabase_admin` when the cluster has it (else the DSN's own user, a superuser)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("select 1 from pg_roles where rolname = %s and rolsuper", (ADMIN,)).fetchone()
    return ADMIN if row else None


def prepare_database(dsn: str, directory: Path | None = None) -> list[str]:
    """Bootstrap (when needed) and migrate the database at `dsn` with the migrations in `directory`
    (the shipped ones unless told). Returns what was applied."""
    import psycopg

    split_superuser(dsn)
    admin = _admin_user(dsn)
    with psycopg.connect(dsn, autocommit=True, **({"user": admin} if admin else {})) as admin_conn:
        applied = bootstrap_platform(admin_conn)
        with policy_grants(admin_conn), psycopg.connect(dsn, autocommit=True) as conn:
            applied += [m.path.name for m in apply_migrations(conn, directory)]
    return applied
