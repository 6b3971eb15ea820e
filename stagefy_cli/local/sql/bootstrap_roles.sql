-- Supabase's roles, as supabase/postgres init-scripts create them (embedded stack only), run by
-- the superuser `supabase_admin`. Hosted Supabase and `supabase start` already have these;
-- migrate.py skips this file there. `postgres` (created by migrate.py, not a superuser) applies
-- the migrations and owns what they create, as on a hosted project.
create role supabase_auth_admin noinherit createrole login;
create role supabase_storage_admin noinherit createrole login;
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator noinherit login;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant pg_checkpoint to postgres;  -- lets the local stack's owner flush to disk (the tests do)

create schema if not exists extensions;

grant usage on schema public to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;
grant all on schema public, extensions to postgres;
do $$ begin execute format('grant create on database %I to postgres', current_database()); end $$;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- The Data API's exposed schemas, as PostgREST's in-database configuration records them (the
-- gateway serves `public` only); Supabase's linter reads them (stagefy_cli.lints).
alter role authenticator set pgrst.db_schemas = 'public';
