-- Follow-ups to 20261129100000_reliable_jobs.sql and 20261129100100_server_limits.sql:
--
--   * submit_edit and submit_template refuse what their quotes refuse (private.check_edit_request
--     and private.check_template_use, from 20261129110000_refuse_before_charging.sql; PL/pgSQL
--     looks them up when called), before anything is charged.
--   * Submission options are limited in all: an edit's style or room could otherwise carry a
--     megabyte into a provider's prompt.
--   * Idempotency keys answer the retries of one command: the worker drops week-old ones.

create or replace function public.submit_edit(p_edit_type text, p_photos jsonb, p_options jsonb default '{}',
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
  -- What the quote refuses, the submission refuses too (*_refuse_before_charging.sql), before
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

create or replace function public.submit_template(
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
  v_template public.templates;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  -- What the quote refuses, the submission refuses too (*_refuse_before_charging.sql).
  select * into v_template from public.templates t
   where t.id = p_template_id and (t.user_id = v_user or t.is_public);
  if found then
    perform private.check_template_use(
      v_template, case when jsonb_typeof(p_photos) = 'array' then jsonb_array_length(p_photos) end);
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

alter table public.projects
  add constraint "options: at most 10000 characters in all"
    check (length(coalesce(input_data ->> 'options', '')) <= 10000) not valid;

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
