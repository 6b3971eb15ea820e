"""Supabase's database linter (splinter, as the dashboard's Advisors run it) finds no ERROR and no
WARN on the migrated database, and the SECURITY DEFINER code behind the API keeps working from the
SECURITY INVOKER functions the API exposes."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from stagefy_testing import new_database

from stagefy_cli.lints import FIELDS, exposed_schemas, run_lints
from stagefy_cli.local.migrate import list_migrations, migrations_dir, prepare_database

LINTER_CLEAN = "20261206009000_linter_clean.sql"


def _problems(lints: list[dict]) -> list[str]:
    return [f"{lint['level']} {lint['name']}: {lint['detail']}" for lint in lints if lint["level"] != "INFO"]


def test_the_migrated_database_has_no_linter_error_or_warning(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        lints = run_lints(conn)
    assert lints, "the linter ran (a database always has INFO findings, e.g. unused indexes)"
    assert all(set(lint) == set(FIELDS) for lint in lints)
    assert _problems(lints) == []


def test_the_linter_reads_the_schemas_the_local_stack_exposes(pg_dsn):
    """Splinter looks at the exposed schemas only; a definer RPC the API exposes is a WARN."""
    with psycopg.connect(pg_dsn) as conn:
        assert exposed_schemas(conn) == "public"
        conn.execute(
            "create function public.lint_probe() returns int language sql security definer "
            "set search_path = '' as 'select 1'; "
            "revoke all on function public.lint_probe() from public, anon; "
            "grant execute on function public.lint_probe() to authenticated"
        )
        found = {(lint["level"], lint["name"]) for lint in run_lints(conn) if "lint_probe" in lint["detail"]}
        outside_the_api = {
            lint["name"] for lint in run_lints(conn, "graphql_public") if "lint_probe" in lint["detail"]
        }
        conn.rollback()
    assert found == {("WARN", "authenticated_security_definer_function_executable")}
    assert outside_the_api == set()


def test_a_public_bucket_that_lets_anyone_list_it_is_a_warning(pg_dsn):
    """Lint 0025 reads storage.buckets without XML functions on the embedded server (no libxml)."""
    with psycopg.connect(pg_dsn, user="supabase_admin") as conn:
        conn.execute("insert into storage.buckets (id, name, public) values ('lint_pub', 'lint_pub', true)")
        conn.execute(
            "create policy \"lint_pub: list\" on storage.objects for select to anon using (bucket_id = 'lint_pub')"
        )
        found = [lint["detail"] for lint in run_lints(conn) if lint["name"] == "public_bucket_allows_listing"]
        conn.rollback()
    assert len(found) == 1 and "Public bucket `lint_pub`" in found[0]


def test_the_api_exposes_no_security_definer_function_only_callers_of_one(pg_dsn):
    """Each RPC of `public` has the arguments (names, defaults), result, volatility and EXECUTE
    grants of the definer function it calls, so PostgREST and the gateway call it as before."""
    query = """
        select p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.provolatile,
               p.proretset, p.prosecdef, array(select (a.grantee::regrole::text, a.privilege_type)::text
                                                from aclexplode(p.proacl) a order by 1)
          from pg_proc p where p.pronamespace = %s::regnamespace and p.prokind = 'f'
           and p.prorettype <> 'trigger'::regtype
    """
    with psycopg.connect(pg_dsn) as conn:
        exposed = {row[0]: row for row in conn.execute(query, ("public",))}
        behind = {row[0]: row for row in conn.execute(query, ("api_definer",))}
    assert {"quote_edit", "submit_edit", "claim_jobs", "apply_payfast_itn", "is_admin"} <= set(behind)
    assert [name for name, row in exposed.items() if row[5]] == []
    for name, row in behind.items():
        assert row[5], f"api_definer.{name} is SECURITY DEFINER"
        assert exposed[name][1:5] == row[1:5]
        assert exposed[name][6] == row[6], f"public.{name} has other grants than api_definer.{name}"


# Shapes of functions an earlier migration may add: the linter-clean migration must wrap each.
SHAPES = """
create type public.lint_pair as (a int, b text);
create function public.shape_table(p_n int default 2)
  returns table (n int, who text, runs_as text) language sql stable security definer set search_path = ''
  as $$ select g, auth.uid()::text, current_user::text from generate_series(1, p_n) g $$;
create function public.shape_variadic(variadic p_xs int[]) returns int language sql immutable
  security definer set search_path = '' as $$ select sum(x)::int from unnest(p_xs) x $$;
create function public.shape_row(p_null boolean) returns public.lint_pair language sql security definer
  set search_path = '' as $$ select case when p_null then null else row(1, 'one')::public.lint_pair end $$;
create function public.shape_out(p_x int, out doubled int, out who text) language sql security definer
  set search_path = '' as $$ select p_x * 2, auth.jwt() ->> 'email' $$;
create function public.shape_anon() returns void language plpgsql security definer set search_path = ''
  as $$ begin perform 1; end $$;
comment on function public.shape_table(int) is 'Rows for the caller.';
revoke all on function public.shape_table(int), public.shape_variadic(int[]), public.shape_row(boolean),
  public.shape_out(int), public.shape_anon() from public, anon, authenticated, service_role;
grant execute on function public.shape_table(int), public.shape_variadic(int[]), public.shape_row(boolean),
  public.shape_out(int) to authenticated;
grant execute on function public.shape_anon() to anon;
"""


def test_definer_functions_an_earlier_migration_adds_are_wrapped_and_see_the_callers_token(pg_dsn, tmp_path):
    for migration in list_migrations(migrations_dir()):
        if migration.path.name <= LINTER_CLEAN:
            (tmp_path / migration.path.name).write_bytes(migration.path.read_bytes())
    (tmp_path / "20261206008999_shapes.sql").write_text(SHAPES, encoding="utf-8")
    user = str(uuid.uuid4())
    claims = json.dumps({"sub": user, "role": "authenticated", "email": "shape@example.com"})
    with new_database(pg_dsn, "stagefy_linter_shapes") as dsn:
        prepare_database(dsn, tmp_path)
        with psycopg.connect(dsn) as conn:
            assert _problems(run_lints(conn)) == []
            conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
            conn.execute("set local role authenticated")
            table = conn.execute("select * from public.shape_table()").fetchall()
            variadic = conn.execute("select public.shape_variadic(1, 2, 3)").fetchone()[0]
            null_row, row = (
                conn.execute("select public.shape_row(%s) is null", (v,)).fetchone()[0] for v in (True, False)
            )
            out = conn.execute("select * from public.shape_out(21)").fetchone()
            comment = conn.execute(
                "select obj_description('public.shape_table(int)'::regprocedure)"
            ).fetchone()[0]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select public.shape_anon()")
            conn.rollback()
    assert table == [(1, user, "postgres"), (2, user, "postgres")]  # the token's user, the owner's rights
    assert (variadic, null_row, row, out) == (6, True, False, (42, "shape@example.com"))
    assert comment == "Rows for the caller."
