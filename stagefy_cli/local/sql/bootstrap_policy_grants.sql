-- A stand-in for supautils' `policy_grants` (embedded stack only). On hosted Supabase, supautils lets
-- `postgres` create, alter and drop the policies of storage.objects and storage.buckets, which
-- `supabase_storage_admin` owns (supabase/postgres ansible/files/postgresql_config/supautils.conf.j2);
-- PostgreSQL alone lets only the owner's members do that, and the embedded server has no supautils.
-- So migrate.py makes `postgres` a member of `supabase_storage_admin` only while migrations run,
-- and this event trigger refuses, while it is one, any other DDL on Storage's objects (altering
-- or dropping its tables, indexes, functions...), as hosted refuses it. Idempotent, run at every start.
create schema if not exists local_supautils;
revoke all on schema local_supautils from public;

create or replace function local_supautils.policy_grants() returns event_trigger language plpgsql
  set search_path = '' as $$
declare
  command record;
begin
  if current_user <> 'postgres' or (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    return;  -- only the migrator, not a superuser (a stack from before the superuser split)
  end if;
  for command in select * from pg_catalog.pg_event_trigger_ddl_commands() loop
    if command.schema_name = 'storage'
       and command.command_tag not in ('CREATE POLICY', 'ALTER POLICY', 'CREATE TRIGGER') then
      raise exception 'permission denied: % % (only policies of storage tables are granted to postgres)',
        command.command_tag, command.object_identity using errcode = '42501';
    end if;
  end loop;
end $$;
revoke all on function local_supautils.policy_grants() from public;

drop event trigger if exists local_supautils_policy_grants;
create event trigger local_supautils_policy_grants on ddl_command_end
  execute function local_supautils.policy_grants();

create or replace function local_supautils.policy_grants_on_drop() returns event_trigger language plpgsql
  set search_path = '' as $$
declare
  dropped record;
begin
  if current_user <> 'postgres' or (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    return;
  end if;
  for dropped in select * from pg_catalog.pg_event_trigger_dropped_objects() loop
    if dropped.schema_name = 'storage' and dropped.object_type not in ('policy', 'trigger') then
      raise exception 'permission denied: DROP % (only policies of storage tables are granted to postgres)',
        dropped.object_identity using errcode = '42501';
    end if;
  end loop;
end $$;
revoke all on function local_supautils.policy_grants_on_drop() from public;

drop event trigger if exists local_supautils_policy_grants_on_drop;
create event trigger local_supautils_policy_grants_on_drop on sql_drop
  execute function local_supautils.policy_grants_on_drop();
