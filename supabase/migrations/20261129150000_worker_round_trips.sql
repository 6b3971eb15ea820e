-- The worker's round trips: what a worker claims, and in how few calls a job is run and finished.
--
-- Queue scope: claim_jobs takes an optional list of users (p_user_ids); a worker given one claims
-- only those users' jobs (null, the default, claims everybody's, as before).
--
-- Fewer round trips per job: the claim records who runs each job (p_routes, computed once by the
-- worker from the providers it has: stagefy_cli.ai.registry.claim_routes), so the separate
-- start_job call is gone; a remote provider's own run id, needed to cancel it, is recorded by
-- record_provider_job. A job then costs the worker its claim, the input's download, the output's
-- upload and complete_job.

-- One chooser: who runs an edit is chosen by the worker's chooser (stagefy_cli.ai.registry.choose)
-- and recorded at claim. What a queued job shows until then (prices.default_service and
-- default_model) is that chooser's answer for a worker with every provider; a test compares them.
-- Enhance disagreed (local, 'stagefy-enhance', a model name nothing runs under).
update public.prices set default_service = 'nano_banana', default_model = 'gemini-2.5-flash-image'
 where code = 'edit:enhance';

-- ---------------------------------------------------------------------------------------------
-- Claiming
-- ---------------------------------------------------------------------------------------------

-- Claim up to p_limit jobs: queued ones whose run_after has come, and processing ones whose
-- worker's lease expired (the worker died or stalled), of the users in p_user_ids (all users when
-- null). Each claim is a new attempt with its own deadline; the lease never runs past the deadline
-- (plus the margin).
--
-- p_routes maps a job's route key to the [service, model] that will run it: `edit:<type>` or
-- `edit:<type>:<provider asked for>` for edits, the kind for other jobs. A job without a route keeps
-- the service and model set at submission (the server's choice), and its handler says why it cannot
-- run it.
drop function public.claim_jobs(text, integer, integer, integer);
create or replace function public.claim_jobs(p_worker text, p_limit integer default 1,
                                             p_lease_seconds integer default 120,
                                             p_max_attempts integer default 3, p_user_ids uuid[] default null,
                                             p_routes jsonb default null)
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
           model = coalesce(c.route ->> 1, j.model)
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

-- A remote provider's own id of the run (a prediction), so a cancel or a lost lease can cancel it
-- there too. Returns false when this worker no longer owns the job.
drop function public.start_job(uuid, text, public.ai_service, text, text);
create or replace function public.record_provider_job(p_job_id uuid, p_worker text, p_provider_job_id text)
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

-- ---------------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------------
revoke execute on function public.claim_jobs(text, integer, integer, integer, uuid[], jsonb) from public, anon, authenticated;
grant execute on function public.claim_jobs(text, integer, integer, integer, uuid[], jsonb) to service_role;
revoke execute on function public.record_provider_job(uuid, text, text) from public, anon, authenticated;
grant execute on function public.record_provider_job(uuid, text, text) to service_role;
