-- Supabase Realtime's `realtime` schema as its tenant migrations leave it (embedded stack only), run
-- by the superuser `supabase_admin`. A hosted project and `supabase start` already have it: the
-- Realtime service creates it, and migrate.py skips this file there. Only what Broadcast from
-- Database and private channels use is made: `realtime.messages` (range-partitioned on inserted_at,
-- RLS on, owned by supabase_realtime_admin, which `postgres` is a member of so migrations can put
-- policies on it), `realtime.topic()`, `realtime.send()` and `realtime.broadcast_changes()`, with the
-- grants Realtime's migrations give.
--
-- Hosted Realtime reads new `realtime.messages` rows from the write-ahead log. The local gateway
-- listens instead: a trigger NOTIFYs each committed row on `stagefy_realtime` (the last statement
-- here, the only part that is the local stack's own).

do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin noinherit nologin noreplication;
  end if;
end $$;
grant supabase_realtime_admin to postgres;

create schema realtime;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all privileges on schema realtime to supabase_realtime_admin;

create table realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
) partition by range (inserted_at);
-- Realtime creates a partition a day ahead of time; the local stack keeps one that takes every day.
create table realtime.messages_all partition of realtime.messages default;
create index messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages_all owner to supabase_realtime_admin;
grant select, insert, update on realtime.messages to postgres, anon, authenticated, service_role;

create function realtime.topic() returns text language sql stable as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;
alter function realtime.topic() owner to supabase_realtime_admin;

create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void language plpgsql as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := gen_random_uuid();
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
    end if;
    execute format('SET LOCAL realtime.topic TO %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

create function realtime.broadcast_changes(
  topic_name text, event_name text, operation text, table_name text, table_schema text,
  new record, old record, level text default 'ROW'
) returns void language plpgsql as $$
declare
  row_data jsonb := '{}'::jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation = 'INSERT' or operation = 'UPDATE' or operation = 'DELETE' then
    row_data := jsonb_build_object(
      'old_record', old, 'record', new, 'operation', operation, 'table', table_name, 'schema', table_schema
    );
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception
  when others then
    raise exception 'Failed to process the row: %', sqlerrm;
end;
$$;
grant all privileges on all functions in schema realtime to supabase_realtime_admin;
grant execute on all functions in schema realtime to postgres, anon, authenticated, service_role;

-- The local stack's stand-in for reading the write-ahead log: each committed message, once.
-- NOTIFY carries at most 8000 bytes; a larger message is announced by its id and read by the gateway.
create function realtime.notify_local_gateway() returns trigger language plpgsql as $$
declare
  whole text := json_build_object(
    'id', new.id, 'topic', new.topic, 'event', new.event, 'private', new.private,
    'extension', new.extension, 'payload', new.payload
  )::text;
begin
  if octet_length(whole) > 7900 then
    whole := json_build_object('id', new.id, 'topic', new.topic, 'private', new.private,
                               'extension', new.extension, 'large', true)::text;
  end if;
  perform pg_notify('stagefy_realtime', whole);
  return null;
end;
$$;
create trigger notify_local_gateway after insert on realtime.messages
  for each row execute function realtime.notify_local_gateway();
