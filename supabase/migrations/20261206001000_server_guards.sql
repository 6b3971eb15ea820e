-- Server guards: what only the server may write, and lengths that were missing.
--
-- Counters are the server's. A template's usage_count and credits_used, and a media item's
-- credits_used, are written by the job functions (complete_job, the template-use trigger); an
-- agent who could set them could show false figures and, with usage_count at 2147483647, make the
-- next use of a public template overflow in the trigger and fail another agent's render. Agents
-- keep every other column they had, by column privileges (the table-wide grants go).

revoke insert, update on table public.templates, public.media_items from authenticated;

grant insert (id, user_id, name, type, description, thumbnail_url, output_url, prompt_template, settings,
              is_public, created_at, updated_at),
      update (id, user_id, name, type, description, thumbnail_url, output_url, prompt_template, settings,
              is_public, created_at, updated_at)
  on table public.templates to authenticated;

grant insert (id, user_id, listing_id, contact_id, project_id, type, title, description, url, thumbnail_url,
              file_size, tags, is_favorite, created_at),
      update (id, user_id, listing_id, contact_id, project_id, type, title, description, url, thumbnail_url,
              file_size, tags, is_favorite, created_at)
  on table public.media_items to authenticated;

-- Counting a use never fails the render it counts: a template's counters stop at the largest
-- integer instead of overflowing in this trigger, which runs inside complete_job. (Unchanged
-- otherwise from chapter 8.)
create or replace function private.on_job_finished()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_other public.ai_jobs;
  v_reason text;
  v_first boolean;
begin
  if new.project_id is null then
    return null;
  end if;
  -- Serialise the completions of one project, so exactly one of them sees "the last clip".
  perform private.lock_project(new.project_id);

  if new.input ->> 'kind' = 'video_clip' and new.status = 'completed' then
    if not exists (select 1 from public.ai_jobs j
                    where j.project_id = new.project_id and j.input ->> 'kind' = 'video_clip'
                      and j.status <> 'completed') then
      update public.ai_jobs j
         set status = 'queued',
             input = j.input || jsonb_build_object('clips', (
               select jsonb_agg(jsonb_build_object('path', c.output_url, 'filename', c.input ->> 'filename')
                                order by (c.input ->> 'index')::integer)
                 from public.ai_jobs c
                where c.project_id = new.project_id and c.input ->> 'kind' = 'video_clip'))
       where j.project_id = new.project_id and j.input ->> 'kind' = 'video_join' and j.status = 'pending';
    end if;
  elsif new.input ->> 'kind' = 'video_join' and new.status = 'completed' then
    -- The joined video is the project's result: downloads skip jobs without an output_url, so the
    -- clips stop being results (their files stay listed in the join's input.clips).
    update public.ai_jobs j set output_url = null
     where j.project_id = new.project_id and j.input ->> 'kind' = 'video_clip';
  elsif new.input ->> 'kind' in ('video_clip', 'video_join') and new.status in ('failed', 'cancelled') then
    v_reason := case when new.status = 'cancelled' then 'cancelled with the video'
                     when new.input ->> 'kind' = 'video_clip'
                       then format('not used: the clip of %s failed', new.input ->> 'filename')
                     else 'not used: joining the clips failed' end;
    for v_other in
      update public.ai_jobs j
         set status = 'cancelled', error_message = v_reason, completed_at = now(), lease_expires_at = null
       where j.project_id = new.project_id and j.id <> new.id
         and j.status in ('pending', 'queued', 'processing', 'completed')
      returning *
    loop
      perform private.refund_job(v_other, case when new.status = 'cancelled' then 'cancelled' else 'video failed' end);
    end loop;
  elsif new.input ? 'template_id' and new.status = 'completed' then
    v_first := not exists (select 1 from public.ai_jobs j
                            where j.project_id = new.project_id and j.id <> new.id and j.status = 'completed');
    update public.templates t
       -- counts stop at the column's largest value rather than fail the render that counts
       set usage_count = least(coalesce(t.usage_count, 0)::bigint + case when v_first then 1 else 0 end,
                               2147483647),
           credits_used = least(coalesce(t.credits_used, 0)::bigint + coalesce(new.credit_cost, 0), 2147483647),
           -- another agent's output is private to them: only the owner's own uses set output_url
           output_url = case when t.user_id = new.user_id and coalesce((new.input ->> 'primary')::boolean, false)
                             then new.output_url else t.output_url end
     where t.id::text = new.input ->> 'template_id';
  end if;
  return null;
end;
$$;

-- Counters an agent set before this change are counted again from the jobs that made them: a
-- template's uses are its projects with a completed job, its credits those jobs' costs (what the
-- trigger adds up); a media item costs what the job whose output it is cost (nothing for an
-- agent's own file).
with counted as (
  select t.id, count(distinct j.project_id)::integer as uses, coalesce(sum(j.credit_cost), 0)::integer as credits
    from public.templates t
    left join public.ai_jobs j on j.status = 'completed' and j.input ->> 'template_id' = t.id::text
   group by t.id
)
update public.templates t
   set usage_count = c.uses, credits_used = c.credits
  from counted c
 where t.id = c.id and (t.usage_count, t.credits_used) is distinct from (c.uses, c.credits);

with produced as (
  select distinct on (output_url) output_url, credit_cost
    from public.ai_jobs
   where status = 'completed' and output_url is not null
   order by output_url, completed_at desc
), counted as (
  select m.id, coalesce(p.credit_cost, 0) as credits
    from public.media_items m
    left join produced p on p.output_url = m.url
)
update public.media_items m
   set credits_used = c.credits
  from counted c
 where m.id = c.id and m.credits_used is distinct from c.credits;

-- The one text column without a length limit (its value is a Storage path the server sets).
alter table public.templates
  add constraint "template output URL: at most 2048 characters" check (length(output_url) <= 2048) not valid;
