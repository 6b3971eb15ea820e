-- What the running workers can do, and jobs that say who really ran them.
--
--   * public.workers: each worker records its providers and what it can run (the route keys of
--     stagefy_cli.ai.registry) as it starts, and again while it lives (register_worker, service
--     role); a row is "seen recently" until its expires_at, which every beat pushes forward.
--   * Quotes and submissions (and retries) refuse, before charging, an edit or AI motion that no
--     worker seen recently can run, naming what an operator must configure. While no worker is
--     seen at all the work is queued as before: workers come and go (a restart, scale to zero),
--     and a queued job is claimed when one starts, or cancelled for a full refund.
--   * A job's provider and model are those a worker claimed it with: `admin jobs` counts a job no
--     worker claimed under no provider, and its credits net of refunds.
--   * A project cancelled after some results is "cancelled", not "completed"; a retry runs again
--     only the photos without a result; projects.refunded_credits gives the net charge; a second
--     retry names the real state of the first.

-- ---------------------------------------------------------------------------------------------
-- The registry of workers
-- ---------------------------------------------------------------------------------------------
create table public.workers (
  id text primary key check (length(id) between 1 and 200),
  providers text[] not null,
  capabilities text[] not null,          -- what it can run: edit:<type>, edit:<type>:<provider>, video_clip, ...
  user_ids uuid[],                       -- whose jobs it claims (null: everybody's)
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,       -- seen recently until then
  stopped_at timestamptz                 -- it said goodbye
);

alter table public.workers enable row level security;
revoke all on table public.workers from anon, authenticated;
grant select on table public.workers to authenticated;
grant all on table public.workers to service_role;

create policy "workers: admins read all" on public.workers for select to authenticated
  using ((select public.is_admin()));

-- A worker says it is alive and what it can do, for p_seconds from now (it beats again well
-- before). Rows of workers gone for a week are dropped here, so the table stays small.
create or replace function public.register_worker(p_worker text, p_providers text[], p_capabilities text[],
                                                  p_user_ids uuid[] default null, p_seconds integer default 120)
returns void
language sql
security definer
set search_path = ''
as $$
  delete from public.workers where expires_at < now() - interval '7 days';
  insert into public.workers (id, providers, capabilities, user_ids, expires_at)
  values (p_worker, p_providers, p_capabilities, p_user_ids,
          now() + make_interval(secs => least(greatest(p_seconds, 1), 3600)))
  on conflict (id) do update
    set providers = excluded.providers, capabilities = excluded.capabilities, user_ids = excluded.user_ids,
        last_seen_at = now(), expires_at = excluded.expires_at, stopped_at = null;
$$;

revoke execute on function public.register_worker(text, text[], text[], uuid[], integer) from public, anon, authenticated;
grant execute on function public.register_worker(text, text[], text[], uuid[], integer) to service_role;

-- A worker stopping: it is no longer seen.
create or replace function public.unregister_worker(p_worker text)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.workers set stopped_at = now(), expires_at = least(expires_at, now()) where id = p_worker;
$$;

revoke execute on function public.unregister_worker(text) from public, anon, authenticated;
grant execute on function public.unregister_worker(text) to service_role;

-- The workers seen recently that would claim p_user_id's jobs.
create or replace function private.live_workers(p_user_id uuid)
returns setof public.workers
language sql
stable
set search_path = ''
as $$
  select * from public.workers w
   where w.expires_at > now() and w.stopped_at is null
     and (w.user_ids is null or p_user_id = any (w.user_ids));
$$;

revoke execute on function private.live_workers(uuid) from public, anon, authenticated;

-- What the signed-in user's work can run on now, without naming machines: how many workers were
-- seen recently, their providers, what they can run, and when one was last seen.
create or replace function public.workers_seen()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with live as (select * from private.live_workers(private.signed_in_user()))
  select jsonb_build_object(
    'workers', (select count(*) from live),
    'providers', coalesce((select jsonb_agg(distinct p order by p) from live, unnest(live.providers) p), '[]'),
    'capabilities', coalesce((select jsonb_agg(distinct c order by c) from live, unnest(live.capabilities) c), '[]'),
    'last_seen_at', (select max(last_seen_at) from live));
$$;

revoke execute on function public.workers_seen() from public, anon;
grant execute on function public.workers_seen() to authenticated, service_role;

-- The setting that gives a worker a provider (stagefy_cli.ai.catalog.TOKEN_ENV; a test compares);
-- null for `local`, which needs none.
create or replace function private.provider_setting(p_service text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case p_service
    when 'replicate' then 'REPLICATE_API_TOKEN'
    when 'nano_banana' then 'GEMINI_API_KEY'
    when 'qwen' then 'DASHSCOPE_API_KEY'
  end;
$$;

revoke execute on function private.provider_setting(text) from public, anon, authenticated;

-- Refuse work that no worker seen recently can run (p_key: a capability, see public.workers;
-- p_what: the work in words; p_able: the providers that could). Nothing is refused while no
-- worker is seen at all (see the top of this file).
create or replace function private.check_workers_can(p_user_id uuid, p_key text, p_what text, p_able text[])
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_live integer;
  v_have text;
  v_need text;
begin
  select count(distinct w.id), string_agg(distinct p, ', ' order by p) into v_live, v_have
    from private.live_workers(p_user_id) w left join lateral unnest(w.providers) p on true;
  if v_live = 0 or exists (select 1 from private.live_workers(p_user_id) w where p_key = any (w.capabilities)) then
    return;
  end if;
  -- "A, B or C set", and "the local provider" when it could (it needs no setting)
  select concat_ws(', or ',
           regexp_replace(string_agg(private.provider_setting(a), ', ' order by o), ', ([^,]*)$', ' or \1') || ' set',
           case when 'local' = any (p_able) then 'the local provider (--providers local)' end)
    into v_need
    from unnest(p_able) with ordinality as x (a, o);
  raise exception using errcode = 'P0422',
    message = format('no running worker can do %s (the running workers have %s); an operator must run `stagefy worker run` with %s',
                     p_what, coalesce(v_have, 'no providers'), coalesce(nullif(v_need, ''), 'a provider that can'));
end;
$$;

revoke execute on function private.check_workers_can(uuid, text, text, text[]) from public, anon, authenticated;

-- An edit's check for the workers: the route key claim_jobs computes, and who could run it.
create or replace function private.check_workers_can_edit(p_user_id uuid, p_edit_type text, p_provider text)
returns void
language sql
stable
set search_path = ''
as $$
  select private.check_workers_can(
    p_user_id, concat_ws(':', 'edit', p_edit_type, nullif(p_provider, '')),
    replace(p_edit_type, '_', ' ') || case when nullif(p_provider, '') is not null
                                           then format(' with the %s provider', p_provider) else '' end,
    case when nullif(p_provider, '') is not null then array[p_provider]
         else (select array_agg(c.service::text order by c.service) from public.provider_capabilities c
                where c.edit_type = p_edit_type) end);
$$;

revoke execute on function private.check_workers_can_edit(uuid, text, text) from public, anon, authenticated;

-- AI motion clips need a worker with the replicate provider.
create or replace function private.check_workers_can_motion(p_user_id uuid, p_motion text)
returns void
language sql
stable
set search_path = ''
as $$
  select case when nullif(p_motion, '') = 'ai'
              then private.check_workers_can(p_user_id, 'video_clip', 'AI motion', array['replicate']) end;
$$;

revoke execute on function private.check_workers_can_motion(uuid, text) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Quotes and submissions ask the workers too
-- ---------------------------------------------------------------------------------------------

-- As before (the type, 1 to 100 photos, 1 to 4 variations, a provider that can), and then: a
-- worker seen recently can run it.
create or replace function private.check_edit_request(p_edit_type text, p_photos integer, p_variations integer, p_provider text)
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
  if nullif(p_provider, '') is not null then
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
  end if;
  perform private.check_workers_can_edit((select auth.uid()), p_edit_type, p_provider);
  -- Variations without a provider: some running worker must have a provider that gives that many
  -- different results (a local-only worker gives one; the others would be charged and refunded).
  if nullif(p_provider, '') is null and p_variations > 1
     and exists (select 1 from private.live_workers((select auth.uid())))
     and not exists (
       select 1
         from private.live_workers((select auth.uid())) w
         cross join lateral unnest(w.providers) p
         join public.provider_capabilities c on c.service::text = p and c.edit_type = p_edit_type
        where c.max_variations >= p_variations and concat_ws(':', 'edit', p_edit_type, p) = any (w.capabilities)) then
    raise exception using errcode = 'P0422',
      message = format('no running worker gives %s different results of a photo for %s; ask for --variations 1, '
                       'or an operator must run `stagefy worker run` with REPLICATE_API_TOKEN, DASHSCOPE_API_KEY or GEMINI_API_KEY set',
                       p_variations, replace(p_edit_type, '_', ' '));
  end if;
end;
$$;

create or replace function public.quote_video(p_photos integer, p_motion text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.signed_in_user();
begin
  perform private.check_workers_can_motion(v_user, p_motion);
  return private.price_video(p_photos, p_motion)
         || jsonb_build_object('photos', p_photos, 'balance', (select credits from public.users where id = v_user));
end;
$$;

create or replace function public.submit_video(p_photos jsonb, p_options jsonb default '{}', p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.signed_in_user();
  v_prior jsonb;
begin
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'submit_video');
  if v_prior is not null then
    return v_prior;
  end if;
  perform private.check_workers_can_motion(v_user, p_options ->> 'motion');
  return private.idempotent_finish(v_user, p_idempotency_key,
    private.create_video_project(v_user, p_photos, coalesce(p_options, '{}')));
end;
$$;

-- As before (the template can render, has the photos it needs), and a custom template's edit is
-- one a worker seen recently can do.
create or replace function private.check_template_use(p_template public.templates, p_photos integer)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_problem text := private.template_settings_problem(p_template.type, p_template.settings);
begin
  if v_problem is not null then
    raise exception using errcode = 'P0422',
      message = format('template %s cannot render (%s); fix it with: stagefy templates update', p_template.name, v_problem);
  end if;
  if coalesce(p_photos, 0) = 0 and p_template.type in ('listing_promo', 'instagram_reel', 'custom') then
    raise exception using errcode = 'P0422',
      message = format('a %s template needs at least one photo (--photo)', replace(p_template.type::text, '_', ' '));
  end if;
  if coalesce(p_photos, 0) > 30 then
    raise exception using errcode = 'P0422', message = 'at most 30 photos per template use';
  end if;
  if p_template.type = 'custom' then
    perform private.check_workers_can_edit(
      (select auth.uid()), coalesce(nullif(p_template.settings ->> 'edit_type', ''), 'custom'), null);
  end if;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Who runs a job is known when a worker claims it
-- ---------------------------------------------------------------------------------------------
-- ai_jobs.service and model are NOT NULL in the data model: until a claim records who runs the
-- job (claim_jobs, from the worker's routes), they hold the server's plan. A job no worker has
-- claimed (attempts = 0) ran on no provider, and the reads say so.

-- AI spend per provider and model, as before, except: jobs no worker claimed count under no
-- provider and model, and credits are those kept (failed and cancelled jobs were refunded).
create or replace function public.admin_job_stats(p_service text default null, p_status text default null,
                                                  p_since timestamptz default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((
    select jsonb_agg(to_jsonb(s) order by s.service nulls last, s.model)
      from (
        select case when j.attempts > 0 then j.service end as service,
               case when j.attempts > 0 then j.model end as model, count(*) as jobs,
               count(*) filter (where j.status = 'completed') as completed,
               count(*) filter (where j.status = 'failed') as failed,
               round((percentile_cont(0.5) within group (order by j.latency_ms))::numeric) as p50_latency_ms,
               round((percentile_cont(0.95) within group (order by j.latency_ms))::numeric) as p95_latency_ms,
               coalesce(sum(j.api_cost), 0) as api_cost,
               coalesce(sum(j.credit_cost) filter (where j.status not in ('failed', 'cancelled')), 0) as credits
          from public.ai_jobs j
         where (p_service is null or (j.service::text = p_service and j.attempts > 0))
           and (p_status is null or j.status::text = p_status)
           and (p_since is null or j.created_at >= p_since)
         group by 1, 2
      ) s), '[]');
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Projects: net charge, cancelled with results, retry of the rest
-- ---------------------------------------------------------------------------------------------
alter table public.projects add column refunded_credits integer not null default 0 check (refunded_credits >= 0);

update public.projects p set refunded_credits = r.amount
  from (select project_id, sum(amount)::integer as amount from public.credit_transactions
         where type = 'refund' and project_id is not null group by project_id) r
 where r.project_id = p.id;

-- As before, and the project's refunded_credits grows with each refund.
create or replace function private.refund_job(p_job public.ai_jobs, p_reason text)
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
  update public.projects set refunded_credits = refunded_credits + p_job.credit_cost where id = p_job.project_id;
  return p_job.credit_cost;
end;
$$;

-- private.refresh_project's new definition (statuses of a partly cancelled batch, refunded credits) is
-- in 20261206003000_subscriptions_and_money.sql, together with that file's change to it.


-- Run a project again, charging it anew, once. A photo edit runs again only the photos that have
-- no result (failed or cancelled), so a project cancelled or partly failed can finish the rest; a
-- video or a template use is one result and runs again whole, when it failed or was cancelled.
-- A second retry is told what became of the first.
create or replace function public.retry_project(p_project_id uuid, p_idempotency_key text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.signed_in_user();
  v_prior jsonb;
  v_project public.projects;
  v_again public.projects;
  v_name jsonb;
  v_photos jsonb;
  v_result jsonb;
begin
  select * into v_project from public.projects where id = p_project_id for update;
  if not found or v_project.user_id is distinct from v_user then
    raise exception using errcode = 'P0404', message = format('project %s not found', p_project_id);
  end if;
  v_prior := private.idempotent_begin(v_user, p_idempotency_key, 'retry_project');
  if v_prior is not null then
    return v_prior;
  end if;
  if v_project.retried_as is not null then
    select * into v_again from public.projects where id = v_project.retried_as;
    raise exception using errcode = 'P0422',
      message = format('project %s was already retried as project %s, which is %s (stagefy projects %s %s)',
                       left(p_project_id::text, 8), v_project.retried_as, v_again.status,
                       case when v_again.status in ('failed', 'cancelled') then 'retry'
                            when v_again.status = 'completed' then 'download' else 'watch' end,
                       left(v_project.retried_as::text, 8));
  end if;
  if v_project.type = 'photo_edit' then
    select jsonb_agg(photo order by n) into v_photos
      from jsonb_array_elements(v_project.input_data -> 'photos') with ordinality as p (photo, n)
     where exists (select 1 from public.ai_jobs j
                    where j.project_id = p_project_id and j.input ->> 'source_path' = photo ->> 'path'
                      and j.status in ('failed', 'cancelled'));
  end if;
  if exists (select 1 from public.ai_jobs j where j.project_id = p_project_id
                and j.status in ('queued', 'processing', 'pending'))
     or (v_project.type = 'photo_edit' and v_photos is null)
     or (v_project.type <> 'photo_edit' and v_project.status not in ('failed', 'cancelled')) then
    raise exception using errcode = 'P0422',
      message = format('project %s is %s; only failed or cancelled work can be retried', p_project_id, v_project.status);
  end if;
  v_name := jsonb_build_object('name', left(v_project.name, 190) || ' (retry)');
  if v_project.type = 'video' then
    perform private.check_workers_can_motion(v_user, v_project.input_data -> 'options' ->> 'motion');
    v_result := private.create_video_project(
      v_user, v_project.input_data -> 'photos', (v_project.input_data -> 'options') || v_name);
  elsif v_project.type = 'template' then
    v_result := private.create_template_project(
      v_user, (v_project.input_data ->> 'template_id')::uuid,
      (v_project.input_data ->> 'listing_id')::uuid, v_project.input_data -> 'photos',
      v_project.input_data -> 'values', (v_project.input_data -> 'options') || v_name);
  else
    perform private.check_workers_can_edit(v_user, v_project.input_data ->> 'edit_type',
                                           v_project.input_data -> 'options' ->> 'provider');
    v_result := private.create_edit_project(
      v_user, v_project.input_data ->> 'edit_type', v_photos, (v_project.input_data -> 'options') || v_name);
  end if;
  update public.projects set retried_as = (v_result ->> 'project_id')::uuid where id = p_project_id;
  return private.idempotent_finish(v_user, p_idempotency_key, v_result);
end;
$$;
