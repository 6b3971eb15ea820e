-- What Supabase's own migrations changed after the roles and schemas were first made (embedded stack
-- only), so that the local roles are hosted's as they are today. Idempotent; applied by
-- migrate.py at every start as `supabase_admin`, so a stack bootstrapped earlier catches up, as a
-- hosted project does. Each statement names its source; tests/test_hosted_roles.py checks the result.

-- supabase/postgres migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit;

-- supabase/postgres 20221028101028_set_authenticator_timeout.sql and
-- 20231130133139_set_lock_timeout_to_authenticator_role.sql (anon 3s and authenticated 8s come
-- from init-scripts/00000000000000-initial-schema.sql, in bootstrap_roles.sql)
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';

-- supabase/postgres init-scripts/00000000000001-auth-schema.sql, 00000000000002-storage-schema.sql
-- and 20220322085208_gotrue-session-limit.sql
alter role supabase_auth_admin set search_path = 'auth';
alter role supabase_auth_admin set idle_in_transaction_session_timeout = 60000;
alter role supabase_storage_admin set search_path = 'storage';

-- supabase/postgres 20260821154147_revoke_createrole_from_auth_admin.sql
alter role supabase_auth_admin nocreaterole;

-- supabase/postgres 20230201083204_grant_auth_roles_to_postgres.sql and
-- 20250605172253_grant_with_admin_to_postgres_16_and_above.sql (PostgreSQL 16 and later)
do $$ begin
  if current_setting('server_version_num')::int >= 160000 then
    grant anon, authenticated, service_role to postgres with admin option;
  else
    grant anon, authenticated, service_role to postgres;
  end if;
end $$;

-- supabase/postgres 20231013070755_grant_authenticator_to_supabase_storage_admin.sql
grant authenticator to supabase_storage_admin;

-- supabase/postgres 20240319072844_lock_down_postgres_access_to_auth_and_storage.sql and
-- 20250421084701_revoke_admin_roles_from_postgres.sql. On hosted, supautils' `policy_grants` lets
-- postgres manage the policies of storage.objects without owning it; here migrate.py stands in for
-- it while the migrations run (see bootstrap_policy_grants.sql).
revoke supabase_auth_admin from postgres;
revoke supabase_storage_admin from postgres;
revoke create on schema auth, storage from postgres;

-- supabase/auth migrations/20240612123726_enable_rls_update_grants.up.sql (the auth tables the
-- local stack has). GoTrue's own role owns them; postgres (BYPASSRLS) and the triggers still read them.
alter table auth.users enable row level security;
alter table auth.sessions enable row level security;
alter table auth.refresh_tokens enable row level security;

-- supabase/storage migrations/tenant/0055-prevent-direct-deletes.sql: a DELETE on the storage tables
-- fails unless the transaction set `storage.allow_delete_query` (Storage's API sets it for each request).
set local role supabase_storage_admin;
create or replace function storage.protect_delete() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('storage.allow_delete_query', true), 'false') != 'true' then
    raise exception 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
      using hint = 'This prevents accidental data loss from orphaned objects.', errcode = '42501';
  end if;
  return null;
end $$;
create or replace trigger protect_buckets_delete before delete on storage.buckets
  for each statement execute function storage.protect_delete();
create or replace trigger protect_objects_delete before delete on storage.objects
  for each statement execute function storage.protect_delete();
reset role;
