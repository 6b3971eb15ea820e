-- Chapter 4, the job queue and photo edits: prices, submission, the worker's claim / heartbeat /
-- complete / fail protocol, cancel, retry, and refunds that happen exactly once.
--
-- Money and job state change only in these functions, each one transaction. Agents call
-- quote_edit, submit_edit, cancel_project and retry_project as RPCs; workers (service role) call
-- claim_jobs, heartbeat_jobs, record_provider_job, release_jobs, complete_job, fail_job and
-- purge_idempotency_keys. Videos and templates (20261125004000_video_and_templates.sql) use the
-- same queue, debit and refunds.
--
-- Paid work is never lost: the queue's delivery is at-least-once (a handler may run twice), and
-- the database makes the result exactly-once: one winning attempt, one output, one charge, one
-- media row, one refund.
--
--   * Each claim is an attempt (ai_jobs.attempts). Workers write outputs under attempt-scoped
--     paths; complete_job records the winning attempt atomically, and a losing attempt learns it
--     lost (false) and removes only its own files.
--   * Each job kind has a maximum run time (public.job_kinds). A claim sets the attempt's
--     deadline_at; heartbeats never extend a lease past it (plus a short margin in which the
--     worker reports the time-out itself).
--   * fail_job can put a job back on the queue (retryable provider errors) with a run_after
--     time, up to the attempt limit; after that it fails and refunds once.
--   * Charging RPCs take an idempotency key: a second call with the same key returns the first
--     call's answer and charges nothing. A project is retried at most once (projects.retried_as).
--   * What the server can know will fail is refused before anything is charged: the quote and
--     the submission make the same checks (private.check_edit_request).

-- ---------------------------------------------------------------------------------------------
-- Prices: the server's, per kind of work. A client never chooses its own price.
-- ---------------------------------------------------------------------------------------------
create table public.prices (
  code text primary key,
  credits integer not null check (credits >= 0),
  description text not null,
  default_service public.ai_service,
  default_model text,
  updated_at timestamptz default now()
);

-- default_service and default_model are what a queued edit shows until a worker claims it: the
-- worker's chooser (stagefy_cli/ai/registry.py) answering for a worker with every provider, which
-- records at claim who really runs the job; a test keeps the two equal.
insert into public.prices (code, credits, description, default_service, default_model) values
  ('edit:virtual_staging', 2, 'Virtual staging, per photo and variation', 'replicate', 'adirik/interior-design'),
  ('edit:declutter', 1, 'Declutter (remove furniture and clutter), per photo', 'nano_banana', 'gemini-2.5-flash-image'),
  ('edit:enhance', 1, 'Enhance (white balance, exposure, contrast, sharpness), per photo', 'nano_banana', 'gemini-2.5-flash-image'),
  ('edit:sky_replacement', 1, 'Sky replacement, per photo', 'nano_banana', 'gemini-2.5-flash-image'),
  ('edit:day_to_dusk', 2, 'Day to dusk (twilight), per photo', 'nano_banana', 'gemini-2.5-flash-image'),
  ('edit:custom', 2, 'Custom edit from your own prompt, per photo', 'nano_banana', 'gemini-2.5-flash-image');

alter table public.prices enable row level security;
revoke all on table public.prices from anon, authenticated;
grant select on table public.prices to authenticated;
grant all on table public.prices to service_role;

create policy "prices: readable by signed-in users" on public.prices for select to authenticated using (true);

create trigger set_updated_at before update on public.prices
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Per-kind time limits (operators may tune them; workers read them through claim_jobs).
-- ---------------------------------------------------------------------------------------------
create table public.job_kinds (
  kind text primary key,
  max_run_seconds integer not null check (max_run_seconds between 1 and 86400),
  description text not null
);

insert into public.job_kinds (kind, max_run_seconds, description) values
  ('edit', 900, 'A photo edit by a provider (remote APIs take up to a few minutes)'),
  ('template', 300, 'One file of a template use (a promo image, a flyer, its preview, a reel)'),
  ('video', 1800, 'A slideshow video rendered on the worker (up to 100 photos)'),
  ('video_clip', 900, 'One AI motion clip (image to video) by a provider'),
  ('video_join', 1800, 'Joining the AI clips of a video on the worker');

alter table public.job_kinds enable row level security;
revoke all on table public.job_kinds from anon, authenticated;
grant all on table public.job_kinds to service_role;

-- ---------------------------------------------------------------------------------------------
-- The queue: its columns on ai_jobs are in chapter 1 (worker_id, lease_expires_at, attempts,
-- run_after, deadline_at...). The claim query takes the oldest queued job first; expired leases are
-- found through the same index.
-- ---------------------------------------------------------------------------------------------
create index idx_ai_jobs_queue on public.ai_jobs (status, created_at) where status in ('queued', 'processing');

-- Keys of charging calls, kept with the first call's answer.
create table public.idempotency_keys (
  user_id uuid not null references public.users (id) on delete cascade,
  key text not null check (length(key) between 8 and 200),
  operation text not null,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);

alter table public.idempotency_keys enable row level security;
revoke all on table public.idempotency_keys from anon, authenticated;
grant all on table public.idempotency_keys to service_role;

-- ---------------------------------------------------------------------------------------------
-- Provider capabilities: which provider can do which edit, and how many different results it
-- gives of one photo (the offline `local` provider: one). The same table as
-- stagefy_cli.ai.catalog.CAPABILITIES; a test compares them.
-- ---------------------------------------------------------------------------------------------
create table public.provider_capabilities (
  service public.ai_service not null,
  edit_type text not null,
  max_variations integer not null check (max_variations between 1 and 4),
  primary key (service, edit_type)
);

insert into public.provider_capabilities (service, edit_type, max_variations)
select s.service, e.edit_type, 4
  from unnest(array['replicate', 'nano_banana', 'qwen']::public.ai_service[]) as s (service),
       unnest(array['virtual_staging', 'declutter', 'enhance', 'sky_replacement', 'day_to_dusk', 'custom']) as e (edit_type);

insert into public.provider_capabilities (service, edit_type, max_variations) values
  ('local', 'enhance', 1),  -- classic processing: a second variation would be the same photo
  ('local', 'sky_replacement', 1),
  ('local', 'day_to_dusk', 1);

alter table public.provider_capabilities enable row level security;
revoke all on table public.provider_capabilities from anon, authenticated;
grant select on table public.provider_capabilities to authenticated;
grant all on table public.provider_capabilities to service_role;

create policy "provider_capabilities: readable by signed-in users" on public.provider_capabilities
  for select to authenticated using (true);

-- ---------------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------------

-- One `credit_low` notice when a debit takes the balance under the threshold.
create function private.notify_if_credit_low(p_user_id uuid, p_before integer, p_after integer)
returns void
language plpgsql
set search_path = ''
as $$
declare
  c_threshold constant integer := 10;
begin
  if p_after < c_threshold and p_before >= c_threshold then
    insert into public.notifications (user_id, type, title, message, action_url)
    values (p_user_id, 'credit_low', 'Credits running low',
            format('You have %s credits left. Buy more with: stagefy credits packs', p_after),
            'stagefy credits packs');
  end if;
end;
$$;

revoke execute on function private.notify_if_credit_low(uuid, integer, integer) from public, anon, authenticated;

-- Refund one job's credits, once: an existing refund row makes this a no-op, and the unique index
-- on the job's refund row makes a concurrent second refund fail rather than pay twice.
create function private.refund_job(p_job public.ai_jobs, p_reason text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_project_name text;
begin
  if coalesce(p_job.credit_cost, 0) = 0 then
    return 0;
  end if;
  if exists (select 1 from public.credit_transactions t where t.ai_job_id = p_job.id and t.type = 'refund') then
    return 0;
  end if;
  select p.name into v_project_name from public.projects p where p.id = p_job.project_id;
  perform private.post_ledger(
    p_job.user_id, p_job.credit_cost, 'refund',
    format('Refund for %s (%s)', coalesce(v_project_name, 'job ' || p_job.id), p_reason),
    null, null, p_job.project_id, p_job.id
  );
  return p_job.credit_cost;
end;
$$;

revoke execute on function private.refund_job(public.ai_jobs, text) from public, anon, authenticated;

-- Lock a project row FOR UPDATE. Functions that finish jobs call this before inserting rows that
-- reference the project: those inserts take a KEY SHARE lock on it, and two transactions upgrading
-- KEY SHARE to FOR UPDATE (in refresh_project) would deadlock.
create function private.lock_project(p_project_id uuid)
returns void
language sql
set search_path = ''
as $$
  select 1 from public.projects where id = p_project_id for update;
$$;

revoke execute on function private.lock_project(uuid) from public, anon, authenticated;

-- Recompute a project's status from its jobs; notify once when it reaches a terminal state.
create function private.refresh_project(p_project_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_project public.projects;
  v_total integer; v_queued integer; v_processing integer; v_completed integer; v_failed integer;
  v_cancelled integer;
  v_status public.job_status;
  v_error text;
  v_outputs jsonb;
begin
  select * into v_project from public.projects where id = p_project_id for update;
  if not found then
    return;
  end if;
  -- One pass over the project's jobs (this runs at every job's end: a 100-photo batch, 100 times).
  select count(*), count(*) filter (where j.status = 'queued'), count(*) filter (where j.status = 'processing'),
         count(*) filter (where j.status = 'completed'), count(*) filter (where j.status = 'failed'),
         count(*) filter (where j.status = 'cancelled'),
         string_agg(distinct j.error_message, '; ') filter (where j.status = 'failed'),
         coalesce(jsonb_agg(jsonb_build_object(
           'job_id', j.id, 'path', j.output_url, 'source', j.input ->> 'filename',
           'variation', (j.input ->> 'variation')::int) order by j.created_at)
           filter (where j.status = 'completed'), '[]'::jsonb)
    into v_total, v_queued, v_processing, v_completed, v_failed, v_cancelled, v_error, v_outputs
    from public.ai_jobs j where j.project_id = p_project_id;

  v_status := (case
    when v_processing > 0 then 'processing'
    when v_queued > 0 then (case when v_completed + v_failed > 0 then 'processing' else 'queued' end)
    when v_completed > 0 then 'completed'
    when v_failed > 0 then 'failed'
    when v_cancelled > 0 then 'cancelled'
    else v_project.status::text
  end)::public.job_status;

  update public.projects
     set status = v_status,
         error_message = case when v_failed > 0 then v_error else null end,
         output_data = coalesce(output_data, '{}'::jsonb) || jsonb_build_object(
           'outputs', v_outputs, 'completed', v_completed, 'failed', v_failed, 'cancelled', v_cancelled,
           'total', v_total),
         completed_at = case when v_status in ('completed', 'failed', 'cancelled') then coalesce(completed_at, now()) end
   where id = p_project_id;

  if v_status is distinct from v_project.status and v_status in ('completed', 'failed') then
    insert into public.notifications (user_id, type, title, message, action_url)
    values (
      v_project.user_id,
      case when v_status = 'completed' then 'job_completed' else 'system' end::public.notification_type,
      case when v_status = 'completed' then format('%s is ready', v_project.name)
           else format('%s failed', v_project.name) end,
      case when v_status = 'completed'
           then format('%s of %s results ready%s.', v_completed, v_total,
                       case when v_failed > 0 then format(' (%s failed and were refunded)', v_failed) else '' end)
           else format('%s. Your credits were refunded.', coalesce(v_error, 'The job failed')) end,
      format('stagefy projects show %s', v_project.id)
    );
  end if;
end;
$$;

revoke execute on function private.refresh_project(uuid) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Idempotency keys of charging calls
-- ---------------------------------------------------------------------------------------------

-- The first call with a key records it and gets null (go ahead); a later call gets the first
-- call's answer. Concurrent calls with one key wait on the primary key until the first commits
-- (then replay its answer) or rolls back (then one of them goes ahead).
create function private.idempotent_begin(p_user_id uuid, p_key text, p_operation text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_row public.idempotency_keys;
begin
  if p_key is null then
    return null;
  end if;
  if length(p_key) not between 8 and 200 then
    raise exception using errcode = 'P0422', message = 'an idempotency key has 8 to 200 characters';
  end if;
  -- Lock the user's row first, as every charging path does (the key's foreign key would take a
  -- KEY SHARE lock, and upgrading it in post_ledger under concurrent calls would deadlock).
  perform 1 from public.users where id = p_user_id for update;
  insert into public.idempotency_keys (user_id, key, operation) values (p_user_id, p_key, p_operation)
  on conflict do nothing;
  if found then
    return null;
  end if;
  select * into v_row from public.idempotency_keys where user_id = p_user_id and key = p_key;
  if v_row.operation is distinct from p_operation then
    raise exception using errcode = 'P0422',
      message = format('this idempotency key was already used for %s', v_row.operation);
  end if;
  return v_row.response || jsonb_build_object(
    'replayed', true, 'credits_charged', 0,
    'balance', (select credits from public.users where id = p_user_id));
end;
$$;

revoke execute on function private.idempotent_begin(uuid, text, text) from public, anon, authenticated;

create function private.idempotent_finish(p_user_id uuid, p_key text, p_response jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
begin
  if p_key is not null then
    update public.idempotency_keys set response = p_response where user_id = p_user_id and key = p_key;
  end if;
  return p_response;
end;
$$;

revoke execute on function private.idempotent_finish(uuid, text, jsonb) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- The one create-and-charge path: every submission (edit, video, template, retry) ends here.
-- ---------------------------------------------------------------------------------------------

-- Create a project and its jobs and debit its price, in the caller's transaction. p_price is what
-- the submission's private.price_* function said (the same function its quote_* shows), and the
-- jobs' credit_cost must add up to it: each job is refunded on its own when it fails.
-- p_jobs: [{"service", "model", "input", "credit_cost", "status" ('queued' | 'pending')}]
create function private.create_job_project(
  p_user_id uuid, p_type public.project_type, p_name text, p_input_data jsonb, p_jobs jsonb, p_price jsonb,
  p_description text default null
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_total integer := (p_price ->> 'total')::integer;
  v_jobs_total integer;
  v_before integer;
  v_balance integer;
  v_project_id uuid;
  v_job jsonb;
  v_job_id uuid;
  v_job_ids uuid[] := '{}';
begin
  select coalesce(sum((j ->> 'credit_cost')::integer), 0) into v_jobs_total from jsonb_array_elements(p_jobs) j;
  if v_total is null or v_jobs_total <> v_total then
    raise exception using errcode = 'XX000',
      message = format('the jobs of %s cost %s credits, its price is %s', p_name, v_jobs_total, v_total);
  end if;
  -- Lock the user's row before anything references it: inserting a project takes a KEY SHARE
  -- lock on it (foreign key), and upgrading that to the ledger's FOR UPDATE under concurrent
  -- submissions would deadlock.
  select credits into v_before from public.users where id = p_user_id for update;

  insert into public.projects (user_id, name, type, status, credit_cost, input_data)
  values (p_user_id, p_name, p_type, 'queued', v_total, p_input_data)
  returning id into v_project_id;

  v_balance := private.post_ledger(p_user_id, -v_total, 'usage', coalesce(p_description, p_name), null, null,
                                   v_project_id, null);
  perform private.notify_if_credit_low(p_user_id, v_before, v_balance);

  -- clock_timestamp(): jobs list (and are claimed) in the order given, not in a tie at now().
  for v_job in select * from jsonb_array_elements(p_jobs) loop
    insert into public.ai_jobs (user_id, project_id, service, model, input, status, credit_cost, created_at)
    values (p_user_id, v_project_id, (v_job ->> 'service')::public.ai_service, v_job ->> 'model',
            v_job -> 'input', coalesce(v_job ->> 'status', 'queued')::public.job_status,
            (v_job ->> 'credit_cost')::integer, clock_timestamp())
    returning id into v_job_id;
    v_job_ids := v_job_ids || v_job_id;
  end loop;

  return jsonb_build_object('project_id', v_project_id, 'job_ids', to_jsonb(v_job_ids),
                            'credits_charged', v_total, 'balance', v_balance, 'name', p_name);
end;
$$;

revoke execute on function private.create_job_project(uuid, public.project_type, text, jsonb, jsonb, jsonb, text)
  from public, anon, authenticated;

-- What an edit costs: the price of one photo and variation, and the total. quote_edit shows it and
-- create_edit_project charges it, so a quote never differs from its charge.
create function private.price_edit(p_edit_type text, p_photos integer, p_variations integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_each integer;
begin
  select credits into v_each from public.prices where code = 'edit:' || p_edit_type;
  if v_each is null then
    raise exception using errcode = 'P0422', message = format('unknown edit type %s', p_edit_type);
  end if;
  return jsonb_build_object('price_each', v_each, 'total', v_each * p_photos * p_variations);
end;
$$;

revoke execute on function private.price_edit(text, integer, integer) from public, anon, authenticated;

-- Uploaded inputs must be objects in the user's own folder of the media bucket.
create function private.check_uploads(p_user_id uuid, p_files jsonb, p_noun text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_file jsonb;
begin
  for v_file in select * from jsonb_array_elements(coalesce(p_files, '[]')) loop
    if split_part(v_file ->> 'path', '/', 1) is distinct from p_user_id::text
       or not exists (select 1 from storage.objects o where o.bucket_id = 'media' and o.name = v_file ->> 'path') then
      raise exception using errcode = 'P0404', message = format('uploaded %s %s not found', p_noun, v_file ->> 'path');
    end if;
  end loop;
end;
$$;

revoke execute on function private.check_uploads(uuid, jsonb, text) from public, anon, authenticated;

-- An edit the server can know will fail is refused before anything is charged: the type exists,
-- 1 to 100 photos, 1 to 4 variations, and the chosen provider can do the type and give that many
-- different results of a photo. quote_edit and submit_edit both call it.
create function private.check_edit_request(p_edit_type text, p_photos integer, p_variations integer, p_provider text)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_max integer;
  v_able text;
begin
  if not exists (select 1 from public.prices where code = 'edit:' || p_edit_type) then
    raise exception using errcode = 'P0422', message = format('unknown edit type %s', p_edit_type);
  end if;
  if p_photos is null or p_photos not between 1 and 100 then
    raise exception using errcode = 'P0422', message = 'give between 1 and 100 photos';
  end if;
  if p_variations is null or p_variations not between 1 and 4 then
    raise exception using errcode = 'P0422', message = 'variations must be between 1 and 4';
  end if;
  if nullif(p_provider, '') is null then
    return;  -- the worker picks a provider that can do the type
  end if;
  if not (p_provider = any (enum_range(null::public.ai_service)::text[])) then
    raise exception using errcode = 'P0422', message = format('unknown provider %s', p_provider);
  end if;
  select c.max_variations into v_max from public.provider_capabilities c
   where c.service = p_provider::public.ai_service and c.edit_type = p_edit_type;
  if v_max is null then
    select string_agg(c.service::text, ', ' order by c.service) into v_able
      from public.provider_capabilities c where c.edit_type = p_edit_type;
    raise exception using errcode = 'P0422',
      message = format('the %s provider cannot do %s; use %s', p_provider, p_edit_type, coalesce(v_able, 'another type'));
  end if;
  if p_variations > v_max then
    raise exception using errcode = 'P0422',
      message = format('the %s provider gives %s different result%s of a photo for %s; ask for --variations %s or choose another provider',
                       p_provider, v_max, case when v_max > 1 then 's' else '' end, p_edit_type, v_max);
  end if;
end;
$$;

revoke execute on function private.check_edit_request(text, integer, integer, text) from public, anon, authenticated;

-- An edit's project: one queued job per photo and variation, each costing one photo's price.
-- p_photos: [{"path": "<uid>/uploads/...", "filename": "kitchen.jpg", "size": 123, "mime_type": "image/jpeg"}]
-- p_options: {"style", "room", "prompt", "variations" (1-4), "listing_id", "provider", "name"}
create function private.create_edit_project(p_user_id uuid, p_edit_type text, p_photos jsonb, p_options jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_price public.prices;
  v_variations integer := coalesce((p_options ->> 'variations')::integer, 1);
  v_photo jsonb;
  v_count integer;
  v_cost jsonb;
  v_each integer;
  v_listing_id uuid := nullif(p_options ->> 'listing_id', '')::uuid;
  v_service public.ai_service;
  v_name text;
  v_jobs jsonb := '[]';
begin
  select * into v_price from public.prices where code = 'edit:' || p_edit_type;
  if not found then
    raise exception using errcode = 'P0422', message = format('unknown edit type %s', p_edit_type);
  end if;
  if jsonb_typeof(p_photos) is distinct from 'array' or jsonb_array_length(p_photos) = 0 then
    raise exception using errcode = 'P0422', message = 'no photos to edit';
  end if;
  v_count := jsonb_array_length(p_photos);
  if v_count > 100 then
    raise exception using errcode = 'P0422', message = 'at most 100 photos per submission';
  end if;
  if v_variations not between 1 and 4 then
    raise exception using errcode = 'P0422', message = 'variations must be between 1 and 4';
  end if;
  if p_edit_type = 'custom' and coalesce(btrim(p_options ->> 'prompt'), '') = '' then
    raise exception using errcode = 'P0422', message = 'a custom edit needs a prompt';
  end if;
  if p_options ? 'provider' and nullif(p_options ->> 'provider', '') is not null then
    if not (p_options ->> 'provider' = any (enum_range(null::public.ai_service)::text[])) then
      raise exception using errcode = 'P0422', message = format('unknown provider %s', p_options ->> 'provider');
    end if;
    v_service := (p_options ->> 'provider')::public.ai_service;
  else
    v_service := coalesce(v_price.default_service, 'local');
  end if;
  if v_listing_id is not null and not exists (
    select 1 from public.crm_listings l where l.id = v_listing_id and l.user_id = p_user_id
  ) then
    raise exception using errcode = 'P0404', message = format('listing %s not found', v_listing_id);
  end if;
  perform private.check_uploads(p_user_id, p_photos, 'photo');

  v_cost := private.price_edit(p_edit_type, v_count, v_variations);
  v_each := (v_cost ->> 'price_each')::integer;
  v_name := coalesce(nullif(btrim(p_options ->> 'name'), ''),
                     format('%s: %s%s', replace(p_edit_type, '_', ' '), p_photos -> 0 ->> 'filename',
                            case when v_count > 1 then format(' +%s', v_count - 1) else '' end));

  for v_photo in select * from jsonb_array_elements(p_photos) loop
    for v in 1 .. v_variations loop
      v_jobs := v_jobs || jsonb_build_object(
        'service', v_service,
        'model', case when v_service = v_price.default_service then v_price.default_model else 'auto' end,
        'credit_cost', v_each,
        'input', jsonb_build_object(
          'kind', 'edit', 'edit_type', p_edit_type, 'source_path', v_photo ->> 'path',
          'filename', v_photo ->> 'filename', 'mime_type', v_photo ->> 'mime_type',
          'style', p_options ->> 'style', 'room', p_options ->> 'room', 'prompt', p_options ->> 'prompt',
          'variation', v, 'listing_id', v_listing_id, 'provider', nullif(p_options ->> 'provider', '')));
    end loop;
  end loop;

  return private.create_job_project(
    p_user_id, 'photo_edit', v_name,
    jsonb_build_object('kind', 'edit', 'edit_type', p_edit_type, 'photos', p_photos,
                       'options', p_options, 'price_each', v_each),
    v_jobs, v_cost,
    format('%s (%s photo%s x %s variation%s)', v_name, v_count, case when v_count > 1 then 's' else '' end,
           v_variations, case when v_variations > 1 then 's' else '' end));
end;
$$;

revoke execute on function private.create_edit_project(uuid, text, jsonb, jsonb) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Agent-facing RPCs
-- ---------------------------------------------------------------------------------------------

-- What an edit would cost, and the balance: the price private.price_edit says, which is also
-- what submit_edit charges.
create function public.quote_edit(p_edit_type text, p_photos integer, p_variations integer default 1,
                                  p_provider text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.signed_in_user();
  perform private.check_edit_request(p_edit_type, p_photos, p_variations, p_provider);
  return private.price_edit(p_edit_type, p_photos, p_variations)
         || jsonb_build_object('edit_type', p_edit_type, 'photos', p_photos, 'variations', p_variations,
                               'balance', (select credits from public.users where id = (select auth.uid())));
end;
$$;

revoke execute on function public.quote_edit(text, integer, integer, text) from public, anon;
grant execute on function public.quote_edit(text, integer, integer, text) to authenticated, service_role;

-- Submit an edit: refuse what the quote refuses, then create the project and charge it, once per
-- idempotency key (a repeated call gets the first call's answer and is charged nothing).
create function public.submit_edit(p_edit_type text, p_photos jsonb, p_options jsonb default '{}',
                                   p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.signed_in_user();
  v_prior jsonb;
begin
  -- What the quote refuses, the submission refuses too (private.check_edit_request), before
  -- anything is charged.
  perform private.check_edit_request(
    p_edit_type, case when jsonb_typeof(p_photos) = 'array' then jsonb_array_length(p_photos) end,
    coalesce((p_options ->> 'variations')::integer, 1), p_options ->> 'provider');
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'submit_edit');
  if v_prior is not null then
    return v_prior;
  end if;
  return private.idempotent_finish(v_user, p_idempotency_key,
    private.create_edit_project(v_user, p_edit_type, p_photos, coalesce(p_options, '{}')));
end;
$$;

revoke execute on function public.submit_edit(text, jsonb, jsonb, text) from public, anon;
grant execute on function public.submit_edit(text, jsonb, jsonb, text) to authenticated, service_role;

create function public.cancel_project(p_project_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_project public.projects;
  v_job public.ai_jobs;
  v_refunded integer := 0;
  v_cancelled integer := 0;
begin
  select * into v_project from public.projects where id = p_project_id for update;
  if not found or (v_project.user_id is distinct from (select auth.uid()) and not (select public.is_admin())) then
    raise exception using errcode = 'P0404', message = format('project %s not found', p_project_id);
  end if;
  for v_job in
    update public.ai_jobs set status = 'cancelled', error_message = 'cancelled by the user', completed_at = now()
     where project_id = p_project_id and status in ('queued', 'processing', 'pending')
    returning *
  loop
    v_cancelled := v_cancelled + 1;
    v_refunded := v_refunded + private.refund_job(v_job, 'cancelled');
  end loop;
  if v_cancelled = 0 then
    raise exception using errcode = 'P0422',
      message = format('project %s is %s; only queued or running work can be cancelled', p_project_id, v_project.status);
  end if;
  perform private.refresh_project(p_project_id);
  if v_project.user_id is distinct from (select auth.uid()) then  -- an admin cancelled someone else's work
    insert into public.admin_audit_log (admin_user_id, action, resource_type, resource_id, old_values, new_values)
    values ((select auth.uid()), 'cancel_project', 'project', p_project_id,
            jsonb_build_object('status', v_project.status),
            jsonb_build_object('status', 'cancelled', 'cancelled_jobs', v_cancelled, 'refunded', v_refunded));
  end if;
  -- Everything refunded by this transaction (triggers may refund related jobs too, e.g. a video's clips).
  select coalesce(sum(amount), 0) into v_refunded from public.credit_transactions
   where project_id = p_project_id and type = 'refund' and created_at = now();
  return jsonb_build_object('project_id', p_project_id, 'cancelled_jobs', v_cancelled, 'refunded', v_refunded,
                            'balance', (select credits from public.users where id = v_project.user_id));
end;
$$;

revoke execute on function public.cancel_project(uuid) from public, anon;
grant execute on function public.cancel_project(uuid) to authenticated, service_role;

-- Run a failed or cancelled project again from its stored inputs (any kind: edit, video, template),
-- charging it anew. A project is retried once: the retry locks the project, and a second retry
-- (concurrent or later) is told which project already runs it again.
create function public.retry_project(p_project_id uuid, p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.signed_in_user();
  v_prior jsonb;
  v_project public.projects;
  v_name jsonb;
  v_result jsonb;
begin
  -- Lock order as everywhere: the project, then the user (idempotent_begin, the debit).
  select * into v_project from public.projects where id = p_project_id for update;
  if not found or v_project.user_id is distinct from v_user then
    raise exception using errcode = 'P0404', message = format('project %s not found', p_project_id);
  end if;
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'retry_project');
  if v_prior is not null then
    return v_prior;
  end if;
  if v_project.retried_as is not null then
    raise exception using errcode = 'P0422',
      message = format('project %s was already retried: it is queued again as project %s (stagefy projects watch %s)',
                       p_project_id, v_project.retried_as, left(v_project.retried_as::text, 8));
  end if;
  if v_project.status not in ('failed', 'cancelled') then
    raise exception using errcode = 'P0422',
      message = format('project %s is %s; only failed or cancelled projects can be retried', p_project_id, v_project.status);
  end if;
  v_name := jsonb_build_object('name', left(v_project.name, 190) || ' (retry)');
  if v_project.type = 'video' then
    v_result := private.create_video_project(
      v_user, v_project.input_data -> 'photos', (v_project.input_data -> 'options') || v_name);
  elsif v_project.type = 'template' then
    v_result := private.create_template_project(
      v_user, (v_project.input_data ->> 'template_id')::uuid,
      (v_project.input_data ->> 'listing_id')::uuid, v_project.input_data -> 'photos',
      v_project.input_data -> 'values', (v_project.input_data -> 'options') || v_name);
  else
    v_result := private.create_edit_project(
      v_user, v_project.input_data ->> 'edit_type', v_project.input_data -> 'photos',
      (v_project.input_data -> 'options') || v_name);
  end if;
  update public.projects set retried_as = (v_result ->> 'project_id')::uuid where id = p_project_id;
  return private.idempotent_finish(v_user, p_idempotency_key, v_result);
end;
$$;

revoke execute on function public.retry_project(uuid, text) from public, anon;
grant execute on function public.retry_project(uuid, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Worker-facing RPCs (service role only)
-- ---------------------------------------------------------------------------------------------

-- Seconds a worker gets, after an attempt's deadline, to report the time-out itself before the
-- lease lapses and another worker may claim the job.
create function private.deadline_margin()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '30 seconds' $$;

revoke execute on function private.deadline_margin() from public, anon, authenticated;

-- Every job that becomes claimable says so on the `ai_jobs_queued` channel (delivered at commit;
-- one notice per transaction, PostgreSQL folds identical ones). A worker that can LISTEN -- the
-- local stack's, next to its database -- claims at once instead of waiting for its next poll;
-- workers that reach the queue only over HTTP poll as before.
create function private.announce_queued_job()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('ai_jobs_queued', '');
  return null;
end;
$$;

revoke execute on function private.announce_queued_job() from public, anon, authenticated;

create trigger announce_queued_job after insert or update of status on public.ai_jobs
  for each row when (new.status = 'queued') execute function private.announce_queued_job();

-- Claim up to p_limit jobs: queued ones whose run_after has come, and processing ones whose
-- worker's lease expired (the worker died or stalled), of the users in p_user_ids (all users when
-- null). Each claim is a new attempt with its own deadline; the lease never runs past the deadline
-- (plus the margin).
--
-- With p_claim_token, the call can be repeated safely: a repeat (its first answer was lost) gets the
-- jobs the first call claimed, still this worker's, instead of claiming more.
--
-- p_routes maps a job's route key to the [service, model] that will run it: `edit:<type>` or
-- `edit:<type>:<provider asked for>` for edits, the kind for other jobs. A job without a route keeps
-- the service and model set at submission (the server's choice), and its handler says why it cannot
-- run it.
create function public.claim_jobs(p_worker text, p_limit integer default 1,
                                  p_lease_seconds integer default 120,
                                  p_max_attempts integer default 3, p_user_ids uuid[] default null,
                                  p_routes jsonb default null, p_claim_token uuid default null)
returns setof public.ai_jobs
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.ai_jobs;
begin
  if p_claim_token is not null then
    return query select * from public.ai_jobs
                  where status = 'processing' and worker_id = p_worker and claim_token = p_claim_token;
    if found then
      return;
    end if;
  end if;

  -- Jobs whose workers died too often fail (and are refunded) instead of looping forever.
  for v_job in
    update public.ai_jobs set status = 'failed', completed_at = now(), lease_expires_at = null,
           error_message = format('abandoned after %s attempts (the worker stopped while processing)', attempts)
     where id in (select id from public.ai_jobs
                   where status = 'processing' and lease_expires_at < now() and attempts >= p_max_attempts
                     and (p_user_ids is null or user_id = any (p_user_ids))
                   for update skip locked)
    returning *
  loop
    perform private.lock_project(v_job.project_id);
    perform private.refund_job(v_job, 'failed');
    perform private.refresh_project(v_job.project_id);
  end loop;

  return query
  with candidates as (
    select j.id, coalesce(k.max_run_seconds, 900) as max_run_seconds,
           p_routes -> (case when coalesce(j.input ->> 'kind', 'edit') = 'edit'
                             then concat_ws(':', 'edit', j.input ->> 'edit_type', nullif(j.input ->> 'provider', ''))
                             else j.input ->> 'kind' end) as route
      from public.ai_jobs j
      left join public.job_kinds k on k.kind = coalesce(j.input ->> 'kind', 'edit')
     where ((j.status = 'queued' and (j.run_after is null or j.run_after <= now()))
            or (j.status = 'processing' and j.lease_expires_at < now()))
       and (p_user_ids is null or j.user_id = any (p_user_ids))
     order by j.created_at
     limit greatest(p_limit, 1)
     for update of j skip locked
  ), claimed as (
    update public.ai_jobs j
       set status = 'processing', worker_id = p_worker, attempts = j.attempts + 1,
           claimed_at = now(), deadline_at = now() + make_interval(secs => c.max_run_seconds),
           lease_expires_at = least(now() + make_interval(secs => p_lease_seconds),
                                    now() + make_interval(secs => c.max_run_seconds) + private.deadline_margin()),
           started_at = coalesce(j.started_at, now()), run_after = null,
           service = coalesce((c.route ->> 0)::public.ai_service, j.service),
           model = coalesce(c.route ->> 1, j.model), claim_token = p_claim_token
      from candidates c
     where j.id = c.id
    returning j.*
  )
  select * from claimed;

  -- Holding job locks here, take no project lock that someone may hold (cancel_project locks the
  -- project first): a project skipped now shows 'processing' at its first finished job.
  update public.projects p set status = 'processing'
   where p.id in (select q.id from public.projects q
                   where q.status = 'queued'
                     and q.id in (select project_id from public.ai_jobs where worker_id = p_worker and status = 'processing')
                   for update skip locked);
end;
$$;

revoke execute on function public.claim_jobs(text, integer, integer, integer, uuid[], jsonb, uuid) from public, anon, authenticated;
grant execute on function public.claim_jobs(text, integer, integer, integer, uuid[], jsonb, uuid) to service_role;

-- Extend the leases of jobs this worker still owns, never past the attempt's deadline (plus the
-- margin); returns the ids it still owns (a missing one was cancelled or reclaimed).
create function public.heartbeat_jobs(p_worker text, p_job_ids uuid[], p_lease_seconds integer default 120)
returns setof uuid
language sql
security definer
set search_path = ''
as $$
  update public.ai_jobs
     set lease_expires_at = least(now() + make_interval(secs => p_lease_seconds),
                                  coalesce(deadline_at + private.deadline_margin(), 'infinity'))
   where id = any (p_job_ids) and worker_id = p_worker and status = 'processing'
  returning id;
$$;

revoke execute on function public.heartbeat_jobs(text, uuid[], integer) from public, anon, authenticated;
grant execute on function public.heartbeat_jobs(text, uuid[], integer) to service_role;

-- A remote provider's own id of the run (a prediction), so a cancel or a lost lease can cancel it
-- there too. Returns false when this worker no longer owns the job.
create function public.record_provider_job(p_job_id uuid, p_worker text, p_provider_job_id text)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with updated as (
    update public.ai_jobs set provider_job_id = p_provider_job_id
     where id = p_job_id and worker_id = p_worker and status = 'processing'
    returning id
  )
  select exists (select 1 from updated);
$$;

revoke execute on function public.record_provider_job(uuid, text, text) from public, anon, authenticated;
grant execute on function public.record_provider_job(uuid, text, text) to service_role;

-- Finish an attempt: output, cost, media row, project status. Returns true when this attempt is
-- the job's result -- also when it already was (a repeated call whose first answer was lost) --
-- and false when it lost (cancelled, or another attempt owns the job): the caller then removes
-- its own output files, and nothing else.
create function public.complete_job(
  p_job_id uuid, p_worker text, p_output_path text, p_file_size bigint, p_latency_ms integer,
  p_api_cost numeric default null, p_media_type public.media_type default 'image', p_title text default null,
  p_thumbnail_path text default null, p_attempt integer default null
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.ai_jobs;
begin
  -- Lock order everywhere: the project, then its jobs (cancel_project does the same).
  perform private.lock_project((select project_id from public.ai_jobs where id = p_job_id));
  update public.ai_jobs
     set status = 'completed', output_url = p_output_path, latency_ms = p_latency_ms, api_cost = p_api_cost,
         completed_at = now(), lease_expires_at = null, error_message = null, completed_attempt = attempts
   where id = p_job_id and worker_id = p_worker and status = 'processing'
     and (p_attempt is null or attempts = p_attempt)
  returning * into v_job;
  if not found then
    return p_attempt is not null and exists (
      select 1 from public.ai_jobs
       where id = p_job_id and worker_id = p_worker and status = 'completed' and completed_attempt = p_attempt);
  end if;
  insert into public.media_items (user_id, listing_id, project_id, type, title, url, thumbnail_url, file_size, credits_used)
  values (
    v_job.user_id,
    (select l.id from public.crm_listings l
      where l.id = nullif(v_job.input ->> 'listing_id', '')::uuid and l.user_id = v_job.user_id),
    v_job.project_id, p_media_type,
    left(coalesce(p_title, format('%s of %s', replace(v_job.input ->> 'edit_type', '_', ' '), v_job.input ->> 'filename')),
         500),
    p_output_path, p_thumbnail_path, p_file_size, v_job.credit_cost);
  perform private.refresh_project(v_job.project_id);
  return true;
end;
$$;

revoke execute on function public.complete_job(uuid, text, text, bigint, integer, numeric, public.media_type, text, text, integer)
  from public, anon, authenticated;
grant execute on function public.complete_job(uuid, text, text, bigint, integer, numeric, public.media_type, text, text, integer)
  to service_role;

-- Complete an attempt and claim the worker's next job(s) in one call: a job costs its worker one
-- request fewer than complete_job and then claim_jobs. Safe to repeat when an answer is lost:
-- complete_job accepts an attempt once (a repeat gets the same answer) and the claim token makes
-- the repeat return the jobs the first call claimed. Returns {"won": complete_job's answer,
-- "claimed": [the claimed ai_jobs rows]}.
create function public.complete_and_claim(
  p_job_id uuid, p_worker text, p_output_path text, p_file_size bigint, p_latency_ms integer,
  p_api_cost numeric default null, p_media_type public.media_type default 'image', p_title text default null,
  p_thumbnail_path text default null, p_attempt integer default null,
  p_claim_limit integer default 1, p_claim_token uuid default null, p_lease_seconds integer default 120,
  p_max_attempts integer default 3, p_user_ids uuid[] default null, p_routes jsonb default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_won boolean;
  v_claimed jsonb := '[]';
begin
  v_won := public.complete_job(p_job_id, p_worker, p_output_path, p_file_size, p_latency_ms, p_api_cost,
                               p_media_type, p_title, p_thumbnail_path, p_attempt);
  if p_claim_limit > 0 then
    select coalesce(jsonb_agg(to_jsonb(j)), '[]') into v_claimed
      from public.claim_jobs(p_worker, p_claim_limit, p_lease_seconds, p_max_attempts, p_user_ids, p_routes,
                             p_claim_token) j;
  end if;
  return jsonb_build_object('won', v_won, 'claimed', v_claimed);
end;
$$;

revoke execute on function public.complete_and_claim(uuid, text, text, bigint, integer, numeric, public.media_type,
  text, text, integer, integer, uuid, integer, integer, uuid[], jsonb) from public, anon, authenticated;
grant execute on function public.complete_and_claim(uuid, text, text, bigint, integer, numeric, public.media_type,
  text, text, integer, integer, uuid, integer, integer, uuid[], jsonb) to service_role;

-- Fail an attempt. With p_retry_in_seconds (a retryable error) and attempts left, the job goes
-- back to the queue to run after that delay; otherwise it fails and is refunded once. Returns
-- false when this attempt no longer owns the job.
create function public.fail_job(p_job_id uuid, p_worker text, p_error text, p_latency_ms integer default null,
                                p_retry_in_seconds numeric default null, p_max_attempts integer default 3,
                                p_attempt integer default null)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.ai_jobs;
begin
  perform private.lock_project((select project_id from public.ai_jobs where id = p_job_id));
  if p_retry_in_seconds is not null then
    update public.ai_jobs
       set status = 'queued', worker_id = null, lease_expires_at = null, claimed_at = null, deadline_at = null,
           run_after = now() + make_interval(secs => least(greatest(p_retry_in_seconds, 0), 3600)::double precision),
           error_message = left(format('attempt %s failed, retrying: %s', attempts, p_error), 2000),
           latency_ms = p_latency_ms
     where id = p_job_id and worker_id = p_worker and status = 'processing'
       and (p_attempt is null or attempts = p_attempt) and attempts < p_max_attempts
    returning * into v_job;
    if found then
      return true;
    end if;
  end if;
  update public.ai_jobs
     set status = 'failed', error_message = left(p_error, 2000), latency_ms = p_latency_ms,
         completed_at = now(), lease_expires_at = null
   where id = p_job_id and worker_id = p_worker and status = 'processing'
     and (p_attempt is null or attempts = p_attempt)
  returning * into v_job;
  if not found then
    return false;
  end if;
  perform private.refund_job(v_job, 'failed');
  perform private.refresh_project(v_job.project_id);
  return true;
end;
$$;

revoke execute on function public.fail_job(uuid, text, text, integer, numeric, integer, integer)
  from public, anon, authenticated;
grant execute on function public.fail_job(uuid, text, text, integer, numeric, integer, integer) to service_role;

-- Give jobs back to the queue at once (a worker shutting down): another worker claims them now.
create function public.release_jobs(p_worker text, p_job_ids uuid[])
returns setof uuid
language sql
security definer
set search_path = ''
as $$
  update public.ai_jobs
     set status = 'queued', worker_id = null, lease_expires_at = null, claimed_at = null, deadline_at = null
   where id = any (p_job_ids) and worker_id = p_worker and status = 'processing'
  returning id;
$$;

revoke execute on function public.release_jobs(text, uuid[]) from public, anon, authenticated;
grant execute on function public.release_jobs(text, uuid[]) to service_role;

-- A worker chore: keys answer retries of one command, not forever. Returns how many were dropped.
create function public.purge_idempotency_keys()
returns integer
language sql
security definer
set search_path = ''
as $$
  with gone as (delete from public.idempotency_keys where created_at < now() - interval '7 days' returning 1)
  select count(*)::integer from gone;
$$;

revoke execute on function public.purge_idempotency_keys() from public, anon, authenticated;
grant execute on function public.purge_idempotency_keys() to service_role;

