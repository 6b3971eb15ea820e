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
