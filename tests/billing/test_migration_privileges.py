"""The embedded stack applies migrations the way `supabase db push` does on a hosted project: as
`postgres`, not a superuser, on `auth`/`storage` tables their own admin roles own. (Here with the
billing tests because the payment tables' privileges depend on it.)"""

from __future__ import annotations

import psycopg
import pytest

from stagefy_cli.local.migrate import apply_migrations


def test_migrations_ran_as_postgres_without_superuser(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone() == ("postgres", False)
        owners = dict(
            conn.execute(
                "select schemaname || '.' || tablename, tableowner from pg_tables "
                "where (schemaname, tablename) in (('auth', 'users'), ('storage', 'objects'), "
                "('public', 'users'), ('public', 'payments'))"
            ).fetchall()
        )
        [(applied_by,)] = conn.execute(
            "select distinct r.rolname from pg_proc p join pg_roles r on r.oid = p.proowner "
            "where p.proname = 'apply_payfast_itn'"
        ).fetchall()
    assert owners == {
        "auth.users": "supabase_auth_admin",
        "storage.objects": "supabase_storage_admin",
        "public.users": "postgres",
        "public.payments": "postgres",
    }
    assert applied_by == "postgres"


@pytest.mark.parametrize(
    "statement",
    [
        "alter table auth.users add column stagefy_extra integer",  # auth's tables are not ours
        "create role stagefy_root superuser",
        "copy public.credit_packs from program 'true'",
    ],
)
def test_a_migration_a_hosted_project_would_refuse_fails_here_too(pg_dsn, tmp_path, statement):
    (tmp_path / "29991231000000_needs_more_privilege.sql").write_text(statement + ";\n")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            apply_migrations(conn, tmp_path)
        recorded = conn.execute(
            "select count(*) from supabase_migrations.schema_migrations where version = '29991231000000'"
        ).fetchone()
    assert recorded == (0,)
