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
-- Queue bookkeeping for attempts, retries and deadlines.
-- ---------------------------------------------------------------------------------------------
alter table public.ai_jobs
  add column run_after timestamptz,           -- a retried job waits until then
  add column claimed_at timestamptz,          -- when the current attempt began
  add column deadline_at timestamptz,         -- when the current attempt must have finished
  add column completed_attempt integer;       -- the attempt whose output is the job's result

alter table public.projects
  add column retried_as uuid references public.projects (id) on delete set null;

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

-- ---------------------------------------------------------------------------------------------
-- Charging RPCs with idempotency keys (same behaviour otherwise).
-- ---------------------------------------------------------------------------------------------
drop function public.submit_edit(text, jsonb, jsonb);
create function public.submit_edit(p_edit_type text, p_photos jsonb, p_options jsonb default '{}',
                                   p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_prior jsonb;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'submit_edit');
  if v_prior is not null then
    return v_prior;
  end if;
  return private.idempotent_finish(v_user, p_idempotency_key,
    private.create_edit_project(v_user, p_edit_type, p_photos, coalesce(p_options, '{}')));
end;
$$;

drop function public.submit_video(jsonb, jsonb);
create function public.submit_video(p_photos jsonb, p_options jsonb default '{}', p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_prior jsonb;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'submit_video');
  if v_prior is not null then
    return v_prior;
  end if;
  return private.idempotent_finish(v_user, p_idempotency_key,
    private.create_video_project(v_user, p_photos, coalesce(p_options, '{}')));
end;
$$;

drop function public.submit_template(uuid, uuid, jsonb, jsonb, jsonb);
create function public.submit_template(
  p_template_id uuid, p_listing_id uuid, p_photos jsonb default '[]', p_values jsonb default '{}',
  p_options jsonb default '{}', p_idempotency_key text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_prior jsonb;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'submit_template');
  if v_prior is not null then
    return v_prior;
  end if;
  return private.idempotent_finish(v_user, p_idempotency_key,
    private.create_template_project(v_user, p_template_id, p_listing_id, p_photos, p_values,
                                    coalesce(p_options, '{}')));
end;
$$;

-- A project is retried once: the retry locks the project, and a second retry (concurrent or
-- later) is told which project already runs it again.
drop function public.retry_project(uuid);
create function public.retry_project(p_project_id uuid, p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_prior jsonb;
  v_project public.projects;
  v_name jsonb;
  v_result jsonb;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
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

-- ---------------------------------------------------------------------------------------------
-- Worker protocol
-- ---------------------------------------------------------------------------------------------

-- Seconds a worker gets, after an attempt's deadline, to report the time-out itself before the
-- lease lapses and another worker may claim the job.
create function private.deadline_margin()
returns interval
language sql
immutable
set search_path = ''
as $$ select interval '30 seconds' $$;

-- Claim up to p_limit jobs: queued ones whose run_after has come, and processing ones whose
-- worker's lease expired (the worker died or stalled). Each claim is a new attempt with its own
-- deadline; the lease never runs past the deadline (plus the margin).
drop function public.claim_jobs(text, integer, integer, integer);
create function public.claim_jobs(p_worker text, p_limit integer default 1, p_lease_seconds integer default 120,
                                  p_max_attempts integer default 3)
returns setof public.ai_jobs
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.ai_jobs;
begin
  -- Jobs whose workers died too often fail (and are refunded) instead of looping forever.
  for v_job in
    update public.ai_jobs set status = 'failed', completed_at = now(), lease_expires_at = null,
           error_message = format('abandoned after %s attempts (the worker stopped while processing)', attempts)
     where id in (select id from public.ai_jobs
                   where status = 'processing' and lease_expires_at < now() and attempts >= p_max_attempts
                   for update skip locked)
    returning *
  loop
    perform private.lock_project(v_job.project_id);
    perform private.refund_job(v_job, 'failed');
    perform private.refresh_project(v_job.project_id);
  end loop;

  return query
  with candidates as (
    select j.id, coalesce(k.max_run_seconds, 900) as max_run_seconds
      from public.ai_jobs j
      left join public.job_kinds k on k.kind = coalesce(j.input ->> 'kind', 'edit')
     where (j.status = 'queued' and (j.run_after is null or j.run_after <= now()))
        or (j.status = 'processing' and j.lease_expires_at < now())
     order by j.created_at
     limit greatest(p_limit, 1)
     for update of j skip locked
  ), claimed as (
    update public.ai_jobs j
       set status = 'processing', worker_id = p_worker, attempts = j.attempts + 1,
           claimed_at = now(), deadline_at = now() + make_interval(secs => c.max_run_seconds),
           lease_expires_at = least(now() + make_interval(secs => p_lease_seconds),
                                    now() + make_interval(secs => c.max_run_seconds) + private.deadline_margin()),
           started_at = coalesce(j.started_at, now()), run_after = null
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

-- Extend the leases of jobs this worker still owns, never past the attempt's deadline (plus the
-- margin); returns the ids it still owns (a missing one was cancelled or reclaimed).
create or replace function public.heartbeat_jobs(p_worker text, p_job_ids uuid[], p_lease_seconds integer default 120)
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

-- Finish an attempt: output, cost, media row, project status. Returns true when this attempt is
-- the job's result -- also when it already was (a repeated call whose first answer was lost) --
-- and false when it lost (cancelled, or another attempt owns the job): the caller then removes
-- its own output files, and nothing else.
drop function public.complete_job(uuid, text, text, bigint, integer, numeric, public.media_type, text, text);
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

-- Fail an attempt. With p_retry_in_seconds (a retryable error) and attempts left, the job goes
-- back to the queue to run after that delay; otherwise it fails and is refunded once. Returns
-- false when this attempt no longer owns the job.
drop function public.fail_job(uuid, text, text, integer);
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

-- ---------------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------------
revoke execute on function private.idempotent_begin(uuid, text, text) from public, anon, authenticated;
revoke execute on function private.idempotent_finish(uuid, text, jsonb) from public, anon, authenticated;
revoke execute on function private.deadline_margin() from public, anon, authenticated;

revoke execute on function public.submit_edit(text, jsonb, jsonb, text) from public, anon;
revoke execute on function public.submit_video(jsonb, jsonb, text) from public, anon;
revoke execute on function public.submit_template(uuid, uuid, jsonb, jsonb, jsonb, text) from public, anon;
revoke execute on function public.retry_project(uuid, text) from public, anon;
grant execute on function public.submit_edit(text, jsonb, jsonb, text) to authenticated, service_role;
grant execute on function public.submit_video(jsonb, jsonb, text) to authenticated, service_role;
grant execute on function public.submit_template(uuid, uuid, jsonb, jsonb, jsonb, text) to authenticated, service_role;
grant execute on function public.retry_project(uuid, text) to authenticated, service_role;

revoke execute on function public.claim_jobs(text, integer, integer, integer) from public, anon, authenticated;
revoke execute on function public.heartbeat_jobs(text, uuid[], integer) from public, anon, authenticated;
revoke execute on function public.release_jobs(text, uuid[]) from public, anon, authenticated;
revoke execute on function public.complete_job(uuid, text, text, bigint, integer, numeric, public.media_type, text, text, integer)
  from public, anon, authenticated;
revoke execute on function public.fail_job(uuid, text, text, integer, numeric, integer, integer)
  from public, anon, authenticated;
grant execute on function public.claim_jobs(text, integer, integer, integer) to service_role;
grant execute on function public.heartbeat_jobs(text, uuid[], integer) to service_role;
grant execute on function public.release_jobs(text, uuid[]) to service_role;
grant execute on function public.complete_job(uuid, text, text, bigint, integer, numeric, public.media_type, text, text, integer)
  to service_role;
grant execute on function public.fail_job(uuid, text, text, integer, numeric, integer, integer) to service_role;
