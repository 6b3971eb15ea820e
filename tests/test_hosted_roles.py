"""The local stack's roles, memberships, role settings, auth RLS and Storage triggers are hosted
Supabase's, as Supabase's own sources define them today. Each fact names its source: `postgres` is
github.com/supabase/postgres (migrations/db/init-scripts and migrations/db/migrations), `auth` is
github.com/supabase/auth (migrations) and `storage` is github.com/supabase/storage (migrations/tenant)."""

from __future__ import annotations

import psycopg
import pytest
from stagefy_testing import new_database

from stagefy_cli.local.migrate import prepare_database

# role -> attributes (login, inherit, createrole, bypassrls, superuser)
ROLE_ATTRIBUTES = {
    # postgres 10000000000000_demote-postgres.sql: NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS
    "postgres": (True, True, True, True, False),
    # postgres init-scripts/00000000000000-initial-schema.sql, then 20230529180330_alter_api_roles_for_inherit.sql
    "anon": (False, True, False, False, False),
    "authenticated": (False, True, False, False, False),
    "service_role": (False, True, False, True, False),
    # postgres 00000000000000-initial-schema.sql: `create user authenticator noinherit`
    "authenticator": (True, False, False, False, False),
    # postgres 00000000000001-auth-schema.sql, then 20260821154147_revoke_createrole_from_auth_admin.sql
    "supabase_auth_admin": (True, False, False, False, False),
    # postgres 00000000000002-storage-schema.sql: NOINHERIT CREATEROLE LOGIN
    "supabase_storage_admin": (True, False, True, False, False),
}

# (granted role, member) -> admin option, or None: not a member
MEMBERSHIPS = {
    # postgres 00000000000000-initial-schema.sql
    ("anon", "authenticator"): False,
    ("authenticated", "authenticator"): False,
    ("service_role", "authenticator"): False,
    # postgres 20230201083204_grant_auth_roles_to_postgres.sql, 20250605172253_grant_with_admin_to_postgres_16_and_above.sql
    ("anon", "postgres"): True,
    ("authenticated", "postgres"): True,
    ("service_role", "postgres"): True,
    # postgres 20231013070755_grant_authenticator_to_supabase_storage_admin.sql (it also revokes the API roles)
    ("authenticator", "supabase_storage_admin"): False,
    ("anon", "supabase_storage_admin"): None,
    ("authenticated", "supabase_storage_admin"): None,
    ("service_role", "supabase_storage_admin"): None,
    # postgres 20240319072844_lock_down_postgres_access_to_auth_and_storage.sql, 20250421084701_revoke_admin_roles_from_postgres.sql
    ("supabase_storage_admin", "postgres"): None,
    ("supabase_auth_admin", "postgres"): None,
}

# (role, setting) -> value
ROLE_SETTINGS = {
    # postgres 00000000000000-initial-schema.sql
    ("anon", "statement_timeout"): "3s",
    ("authenticated", "statement_timeout"): "8s",
    # postgres 20221028101028_set_authenticator_timeout.sql, 20231130133139_set_lock_timeout_to_authenticator_role.sql
    ("authenticator", "statement_timeout"): "8s",
    ("authenticator", "lock_timeout"): "8s",
    # postgres 00000000000001-auth-schema.sql, 20220322085208_gotrue-session-limit.sql
    ("supabase_auth_admin", "search_path"): "auth",
    ("supabase_auth_admin", "idle_in_transaction_session_timeout"): "60000",
    # postgres 00000000000002-storage-schema.sql
    ("supabase_storage_admin", "search_path"): "storage",
}

# auth 20240612123726_enable_rls_update_grants.up.sql (the auth tables the project uses)
AUTH_TABLES_WITH_RLS = {"users", "sessions", "refresh_tokens"}

# storage 0055-prevent-direct-deletes.sql: (table, trigger) -> definition
STORAGE_TRIGGERS = {
    ("buckets", "protect_buckets_delete"): "BEFORE DELETE ON storage.buckets FOR EACH STATEMENT "
    "EXECUTE FUNCTION storage.protect_delete()",
    ("objects", "protect_objects_delete"): "BEFORE DELETE ON storage.objects FOR EACH STATEMENT "
    "EXECUTE FUNCTION storage.protect_delete()",
}


def test_the_roles_are_hosted_supabase_s(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        attributes = {
            row[0]: tuple(row[1:])
            for row in conn.execute(
                "select rolname, rolcanlogin, rolinherit, rolcreaterole, rolbypassrls, rolsuper "
                "from pg_roles where rolname = any(%s)",
                (list(ROLE_ATTRIBUTES),),
            )
        }
        members = {
            (row[0], row[1]): row[2]
            for row in conn.execute(
                "select r.rolname, m.rolname, a.admin_option from pg_auth_members a "
                "join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member"
            )
        }
        settings = {
            (row[0], name): value
            for row in conn.execute(
                "select r.rolname, s.setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole "
                "where s.setdatabase = 0"
            )
            for name, _, value in (setting.partition("=") for setting in row[1])
        }
    assert attributes == ROLE_ATTRIBUTES
    assert {pair: members.get(pair) for pair in MEMBERSHIPS} == MEMBERSHIPS
    assert {key: settings.get(key) for key in ROLE_SETTINGS} == ROLE_SETTINGS


def test_rls_is_on_for_the_auth_tables_and_storage_keeps_its_delete_protection(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        rls = {
            row[0]
            for row in conn.execute(
                "select relname from pg_class where relnamespace = 'auth'::regnamespace and relrowsecurity"
            )
        }
        triggers = {
            (row[0], row[1]): row[2].split(" TRIGGER " + row[1] + " ", 1)[1]
            for row in conn.execute(
                "select c.relname, t.tgname, pg_get_triggerdef(t.oid) from pg_trigger t "
                "join pg_class c on c.oid = t.tgrelid where c.relnamespace = 'storage'::regnamespace "
                "and not t.tgisinternal"
            )
        }
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Use the Storage API instead"):
            conn.execute("delete from storage.objects where false")
        conn.rollback()
        conn.execute(
            "select set_config('storage.allow_delete_query', 'true', true)"
        )  # what Storage's API sets
        conn.execute("delete from storage.objects where false")
        conn.rollback()
    assert rls >= AUTH_TABLES_WITH_RLS
    assert {key: triggers.get(key) for key in STORAGE_TRIGGERS} == STORAGE_TRIGGERS


def test_migrations_may_manage_storage_policies_and_nothing_else_of_storage(pg_dsn, tmp_path):
    """supautils' policy_grants (supabase/postgres ansible/files/postgresql_config/supautils.conf.j2)
    lets postgres manage the policies of storage.objects; altering Storage's tables stays refused."""
    (tmp_path / "29990101000000_storage_policy.sql").write_text(
        'create policy "probe: nothing" on storage.objects for select to authenticated using (false);\n'
    )
    altering = tmp_path / "29990101000001_alter_storage.sql"
    altering.write_text("alter table storage.objects add column stagefy_extra integer;\n")
    with new_database(pg_dsn, "stagefy_policy_grants") as dsn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only policies of storage tables"):
            prepare_database(dsn, tmp_path)
        with psycopg.connect(dsn) as conn:
            policies = conn.execute(
                "select policyname from pg_policies where tablename = 'objects'"
            ).fetchall()
            member = conn.execute(
                "select pg_has_role('postgres', 'supabase_storage_admin', 'member')"
            ).fetchone()[0]
    assert policies == [("probe: nothing",)]
    assert member is False  # only while migrations run
