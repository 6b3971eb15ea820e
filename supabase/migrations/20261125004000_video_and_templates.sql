-- Listing videos and marketing templates on the queue of 20261125001000_jobs_and_edits.sql:
-- the same debit (private.post_ledger), ai_jobs rows, worker protocol and refunds once per job.
--
-- Job kinds (ai_jobs.input.kind) and who runs them:
--   video       one slideshow render on the worker (local, no provider)
--   video_clip  one image-to-video clip per photo through Replicate (--motion ai)
--   video_join  joins the clips; created 'pending' (claim_jobs only takes 'queued') and released by
--               the trigger below when the last clip completes; a failed clip stops the whole video
--   template    one output file of a template use (a promo image, the flyer PDF, its preview, a reel)
--   edit        a `custom` template runs ordinary AI edits with the filled prompt
-- Jobs of a template use carry input.template_id; the template's counters follow their completions.

-- ---------------------------------------------------------------------------------------------
-- Prices
-- ---------------------------------------------------------------------------------------------
insert into public.prices (code, credits, description, default_service, default_model) values
  ('video:slideshow', 5, 'Listing video (pan-and-zoom slideshow with title cards), per video', 'local', 'stagefy-slideshow'),
  ('video:ai_clip', 4, 'AI motion clip (image to video), per photo, on top of the video', 'replicate', 'kwaivgi/kling-v2.1'),
  ('template:listing_promo', 2, 'Listing promo: a 1080x1080 and a 1080x1350 image, per use', 'local', 'stagefy-templates'),
  ('template:open_house', 2, 'Open house flyer: a printable PDF and a PNG preview, per use', 'local', 'stagefy-templates'),
  ('template:instagram_reel', 4, 'Instagram reel: a 9:16 video of the listing, per use', 'local', 'stagefy-templates'),
  ('template:custom', 2, 'Custom template: an AI edit from the template''s prompt, per photo', 'nano_banana', 'gemini-2.5-flash-image');

-- ---------------------------------------------------------------------------------------------
-- Built-in public templates: no owner, so nobody can edit them ("update own" needs user_id = uid).
-- ---------------------------------------------------------------------------------------------
insert into public.templates (user_id, name, type, description, prompt_template, settings, is_public) values
  (null, 'Just listed', 'listing_promo',
   'Square and portrait posts: the hero photo, price, address and your details.', null,
   '{"layout": "classic", "primary": "#1F2A44", "accent": "#C9A227", "currency": "ZAR"}', true),
  (null, 'Just listed (full bleed)', 'listing_promo',
   'The photo fills the post; the text sits on a dark band.', null,
   '{"layout": "overlay", "primary": "#0F3D3E", "accent": "#E2B659", "currency": "ZAR"}', true),
  (null, 'Open house flyer (A4)', 'open_house',
   'A printable A4 flyer with the date and time (--set date=... --set time=...) and a PNG preview.', null,
   '{"paper": "a4", "primary": "#1F2A44", "accent": "#C9A227", "currency": "ZAR"}', true),
  (null, 'Open house flyer (US Letter)', 'open_house',
   'The same flyer on US Letter paper.', null,
   '{"paper": "letter", "primary": "#1F2A44", "accent": "#C9A227", "currency": "USD"}', true),
  (null, 'Instagram reel', 'instagram_reel',
   'A 9:16 video of the listing photos with a listing card and your contact card.', null,
   '{"seconds_per_photo": 2.5, "primary": "#1F2A44", "accent": "#C9A227", "currency": "ZAR"}', true),
  -- A custom template runs an AI edit of each photo with its filled prompt; `edit_type` picks the
  -- kind of edit (default custom). This built-in one enhances, so it also works offline (the local
  -- provider); a generative provider also follows the prompt.
  (null, 'Bright and inviting', 'custom',
   'Brightens each photo (white balance, exposure, contrast, sharpness); works offline.',
   'Brighten this photo of a {bedrooms}-bedroom home in {city} listed at {price} so it looks warm and '
   'inviting; keep the walls, windows, furniture and layout exactly as they are.',
   '{"currency": "ZAR", "edit_type": "enhance"}', true);

-- ---------------------------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------------------------

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

-- The listing snapshot a template or video job carries includes the listing's currency, so the
-- worker prints the price in it without reading the listing again.
create or replace function private.listing_snapshot(p_user_id uuid, p_listing_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_listing jsonb;
begin
  if p_listing_id is null then
    return null;
  end if;
  select jsonb_build_object('id', l.id, 'address', l.address, 'city', l.city, 'state', l.state,
                            'zip_code', l.zip_code, 'price', l.price, 'currency', l.currency,
                            'bedrooms', l.bedrooms, 'bathrooms', l.bathrooms, 'sqft', l.sqft,
                            'status', l.status)
    into v_listing
    from public.crm_listings l where l.id = p_listing_id and l.user_id = p_user_id;
  if v_listing is null then
    raise exception using errcode = 'P0404', message = format('listing %s not found', p_listing_id);
  end if;
  return v_listing;
end;
$$;

revoke execute on function private.listing_snapshot(uuid, uuid) from public, anon, authenticated;

-- The agent's profile as the closing card and templates show it.
create function private.agent_snapshot(p_user_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object('full_name', u.full_name, 'brokerage', u.brokerage, 'phone', u.phone,
                            'email', u.email, 'market', u.market)
    from public.users u where u.id = p_user_id;
$$;

revoke execute on function private.agent_snapshot(uuid) from public, anon, authenticated;

-- Create a project and its jobs, debiting the sum of the jobs' credit_cost in the same transaction.
-- p_jobs: [{"service", "model", "input", "credit_cost", "status" ('queued' | 'pending')}]
create function private.create_job_project(
  p_user_id uuid, p_type public.project_type, p_name text, p_input_data jsonb, p_jobs jsonb
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_total integer;
  v_before integer;
  v_balance integer;
  v_project_id uuid;
  v_job jsonb;
  v_job_id uuid;
  v_job_ids uuid[] := '{}';
begin
  select coalesce(sum((j ->> 'credit_cost')::integer), 0) into v_total from jsonb_array_elements(p_jobs) j;
  -- Lock the user's row before anything references it (see private.create_edit_project).
  select credits into v_before from public.users where id = p_user_id for update;

  insert into public.projects (user_id, name, type, status, credit_cost, input_data)
  values (p_user_id, p_name, p_type, 'queued', v_total, p_input_data)
  returning id into v_project_id;

  v_balance := private.post_ledger(p_user_id, -v_total, 'usage', p_name, null, null, v_project_id, null);
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

revoke execute on function private.create_job_project(uuid, public.project_type, text, jsonb, jsonb)
  from public, anon, authenticated;

-- `12 Oak Street, Sea Point` -> `12-oak-street-sea-point`: the stem of downloaded file names.
create function private.slug(p_text text)
returns text
language sql
immutable
set search_path = ''
as $$
  select coalesce(nullif(left(trim(both '-' from regexp_replace(lower(coalesce(p_text, '')), '[^a-z0-9]+', '-', 'g')), 60), ''),
                  'listing');
$$;

revoke execute on function private.slug(text) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Videos
-- ---------------------------------------------------------------------------------------------
-- p_photos: [{"path", "filename", "mime_type"}] in video order (uploads or library items)
-- p_options: {"format", "seconds_per_photo", "title", "music": {"path", "filename"}, "motion" ('ai'),
--             "listing_id", "name", "model"}
create function private.create_video_project(p_user_id uuid, p_photos jsonb, p_options jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
  v_format text := coalesce(nullif(p_options ->> 'format', ''), 'landscape');
  v_seconds numeric := coalesce((p_options ->> 'seconds_per_photo')::numeric, 3);
  v_motion text := nullif(p_options ->> 'motion', '');
  v_listing jsonb := private.listing_snapshot(p_user_id, nullif(p_options ->> 'listing_id', '')::uuid);
  v_video public.prices;
  v_clip public.prices;
  v_name text;
  v_render jsonb;
  v_jobs jsonb := '[]';
  v_photo jsonb;
  v_index integer := 0;
begin
  if jsonb_typeof(p_photos) is distinct from 'array' or jsonb_array_length(p_photos) = 0 then
    raise exception using errcode = 'P0422', message = 'a video needs at least one photo';
  end if;
  v_count := jsonb_array_length(p_photos);
  if v_count > 100 then
    raise exception using errcode = 'P0422', message = 'at most 100 photos per video';
  end if;
  if v_format not in ('landscape', 'reel', 'square') then
    raise exception using errcode = 'P0422', message = format('unknown video format %s (landscape, reel or square)', v_format);
  end if;
  if v_seconds < 1 or v_seconds > 10 then
    raise exception using errcode = 'P0422', message = 'seconds per photo must be between 1 and 10';
  end if;
  if v_motion is not null and v_motion <> 'ai' then
    raise exception using errcode = 'P0422', message = format('unknown motion %s (the only option is ai)', v_motion);
  end if;
  perform private.check_uploads(p_user_id, p_photos, 'photo');
  if p_options -> 'music' is not null and jsonb_typeof(p_options -> 'music') = 'object' then
    perform private.check_uploads(p_user_id, jsonb_build_array(p_options -> 'music'), 'music file');
  end if;

  select * into v_video from public.prices where code = 'video:slideshow';
  select * into v_clip from public.prices where code = 'video:ai_clip';
  v_name := coalesce(nullif(btrim(p_options ->> 'name'), ''),
                     format('Video: %s', coalesce(nullif(btrim(p_options ->> 'title'), ''), v_listing ->> 'address',
                                                  format('%s photo%s', v_count, case when v_count > 1 then 's' else '' end))));
  -- What the renderer needs; the opening card is the listing, the closing card the agent.
  v_render := jsonb_build_object(
    'format', v_format, 'seconds_per_photo', v_seconds, 'title', nullif(btrim(p_options ->> 'title'), ''),
    'music', p_options -> 'music', 'listing', v_listing, 'agent', private.agent_snapshot(p_user_id),
    'listing_id', v_listing ->> 'id',
    'filename', private.slug(coalesce(v_listing ->> 'address', nullif(btrim(p_options ->> 'title'), ''),
                                      regexp_replace(p_photos -> 0 ->> 'filename', '\.[^.]*$', '')))
  );

  if v_motion is null then
    v_jobs := jsonb_build_array(jsonb_build_object(
      'service', v_video.default_service, 'model', v_video.default_model, 'credit_cost', v_video.credits,
      'input', v_render || jsonb_build_object('kind', 'video', 'photos', p_photos)));
  else
    for v_photo in select * from jsonb_array_elements(p_photos) loop
      v_jobs := v_jobs || jsonb_build_object(
        'service', v_clip.default_service,
        'model', v_clip.default_model,  -- the server's choice: a client never picks what the platform pays for
        'credit_cost', v_clip.credits,
        'input', jsonb_build_object(
          'kind', 'video_clip', 'index', v_index, 'source_path', v_photo ->> 'path',
          'filename', v_photo ->> 'filename', 'mime_type', v_photo ->> 'mime_type',
          'title', nullif(btrim(p_options ->> 'title'), ''), 'intermediate', true));
      v_index := v_index + 1;
    end loop;
    v_jobs := v_jobs || jsonb_build_object(
      'service', v_video.default_service, 'model', v_video.default_model, 'credit_cost', v_video.credits,
      'status', 'pending', 'input', v_render || jsonb_build_object('kind', 'video_join', 'clips', '[]'::jsonb));
  end if;

  return private.create_job_project(
    p_user_id, 'video', v_name,
    jsonb_build_object('kind', 'video', 'edit_type', 'video', 'photos', p_photos, 'options', p_options),
    v_jobs);
end;
$$;

revoke execute on function private.create_video_project(uuid, jsonb, jsonb) from public, anon, authenticated;

create function public.quote_video(p_photos integer, p_motion text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_video integer;
  v_clip integer;
  v_total integer;
begin
  if (select auth.uid()) is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  select credits into v_video from public.prices where code = 'video:slideshow';
  select credits into v_clip from public.prices where code = 'video:ai_clip';
  v_total := v_video + case when p_motion = 'ai' then v_clip * p_photos else 0 end;
  return jsonb_build_object('price_video', v_video, 'price_clip', case when p_motion = 'ai' then v_clip else 0 end,
                            'photos', p_photos, 'total', v_total,
                            'balance', (select credits from public.users where id = (select auth.uid())));
end;
$$;

revoke execute on function public.quote_video(integer, text) from public, anon;

grant execute on function public.quote_video(integer, text) to authenticated, service_role;

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

revoke execute on function public.submit_video(jsonb, jsonb, text) from public, anon;

grant execute on function public.submit_video(jsonb, jsonb, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Templates
-- ---------------------------------------------------------------------------------------------
-- One job per output file, the use's price spread over them (a failed file refunds its share).
-- p_photos: [{"path", "filename", "mime_type"}]; p_values: the `--set` values (date, time, ...);
-- p_options: {"prompt" (custom: the filled prompt), "provider", "name"}
create function private.create_template_project(
  p_user_id uuid, p_template_id uuid, p_listing_id uuid, p_photos jsonb, p_values jsonb, p_options jsonb
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_template public.templates;
  v_price public.prices;
  v_listing jsonb := private.listing_snapshot(p_user_id, p_listing_id);
  v_photos jsonb := coalesce(p_photos, '[]');
  v_values jsonb := coalesce(p_values, '{}');
  v_parts text[];
  v_base jsonb;
  v_jobs jsonb := '[]';
  v_photo jsonb;
  v_slug text;
  v_name text;
  v_service public.ai_service;
  v_count integer;
  v_logo text;
  v_edit_type text;
begin
  select * into v_template from public.templates t
   where t.id = p_template_id and (t.user_id = p_user_id or t.is_public);
  if not found then
    raise exception using errcode = 'P0404', message = format('template %s not found', p_template_id);
  end if;
  if v_listing is null then
    raise exception using errcode = 'P0422', message = 'using a template needs a listing';
  end if;
  if jsonb_typeof(v_photos) is distinct from 'array' or jsonb_array_length(v_photos) > 30 then
    raise exception using errcode = 'P0422', message = 'at most 30 photos per template use';
  end if;
  perform private.check_uploads(p_user_id, v_photos, 'photo');
  v_count := jsonb_array_length(v_photos);
  select * into v_price from public.prices where code = 'template:' || v_template.type;

  v_parts := case v_template.type
    when 'listing_promo' then array['1080x1080', '1080x1350']
    when 'open_house' then array['flyer', 'preview']
    when 'instagram_reel' then array['reel']
    else '{}'::text[] end;
  if v_template.type = 'open_house'
     and (coalesce(btrim(v_values ->> 'date'), '') = '' or coalesce(btrim(v_values ->> 'time'), '') = '') then
    raise exception using errcode = 'P0422', message = 'an open house needs --set date=... and --set time=...';
  end if;
  if v_template.type in ('instagram_reel', 'custom') and v_count = 0 then
    raise exception using errcode = 'P0422', message = format('a %s template needs at least one photo', v_template.type);
  end if;
  if v_template.type = 'custom' and coalesce(btrim(p_options ->> 'prompt'), '') = '' then
    raise exception using errcode = 'P0422', message = 'a custom template needs its filled prompt';
  end if;

  v_slug := private.slug(v_listing ->> 'address');
  v_name := coalesce(nullif(btrim(p_options ->> 'name'), ''), format('%s: %s', v_template.name, v_listing ->> 'address'));
  -- A logo media id in the settings becomes its storage path (the owner's or the user's own item).
  -- Only a file in that item's owner's own folder that exists: a media row cannot point the
  -- renderer (which reads with the service role) at someone else's file.
  select m.url into v_logo from public.media_items m
   where m.id::text = v_template.settings ->> 'logo_media_id' and m.user_id in (v_template.user_id, p_user_id)
     and split_part(m.url, '/', 1) = m.user_id::text
     and exists (select 1 from storage.objects o where o.bucket_id = 'media' and o.name = m.url);

  if v_template.type = 'custom' then
    v_edit_type := coalesce(nullif(v_template.settings ->> 'edit_type', ''), 'custom');
    if not exists (select 1 from public.prices p where p.code = 'edit:' || v_edit_type) then
      raise exception using errcode = 'P0422', message = format('unknown edit_type %s in the template', v_edit_type);
    end if;
    if p_options ? 'provider' and nullif(p_options ->> 'provider', '') is not null then
      if not (p_options ->> 'provider' = any (enum_range(null::public.ai_service)::text[])) then
        raise exception using errcode = 'P0422', message = format('unknown provider %s', p_options ->> 'provider');
      end if;
      v_service := (p_options ->> 'provider')::public.ai_service;
    else
      v_service := v_price.default_service;
    end if;
    for v_photo in select * from jsonb_array_elements(v_photos) loop
      v_jobs := v_jobs || jsonb_build_object(
        'service', v_service,
        'model', case when v_service = v_price.default_service then v_price.default_model else 'auto' end,
        'credit_cost', v_price.credits,
        'input', jsonb_build_object(
          'kind', 'edit', 'edit_type', v_edit_type, 'source_path', v_photo ->> 'path',
          'filename', v_photo ->> 'filename', 'mime_type', v_photo ->> 'mime_type',
          'prompt', p_options ->> 'prompt', 'variation', 1, 'listing_id', v_listing ->> 'id',
          'provider', nullif(p_options ->> 'provider', ''), 'template_id', v_template.id,
          'primary', v_photo = v_photos -> 0));
    end loop;
  else
    v_base := jsonb_build_object(
      'kind', 'template', 'template_id', v_template.id, 'template_type', v_template.type,
      'template_name', v_template.name, 'settings', coalesce(v_template.settings, '{}'), 'logo_path', v_logo,
      'values', v_values, 'listing', v_listing, 'agent', private.agent_snapshot(p_user_id),
      'photos', v_photos, 'listing_id', v_listing ->> 'id');
    for i in 1 .. array_length(v_parts, 1) loop
      v_jobs := v_jobs || jsonb_build_object(
        'service', v_price.default_service, 'model', v_price.default_model,
        -- the price spread over the files: the first ones take the remainder
        'credit_cost', v_price.credits / array_length(v_parts, 1)
                       + case when i <= v_price.credits % array_length(v_parts, 1) then 1 else 0 end,
        'input', v_base || jsonb_build_object(
          'part', v_parts[i], 'output_index', i - 1, 'primary', i = 1,
          'filename', case when array_length(v_parts, 1) > 1 then v_slug || '-' || v_parts[i] else v_slug end));
    end loop;
  end if;

  return private.create_job_project(
    p_user_id, 'template', v_name,
    jsonb_build_object('kind', 'template', 'edit_type', v_template.type, 'template_id', v_template.id,
                       'listing_id', v_listing ->> 'id', 'photos', v_photos, 'values', v_values,
                       'options', coalesce(p_options, '{}')),
    v_jobs);
end;
$$;

revoke execute on function private.create_template_project(uuid, uuid, uuid, jsonb, jsonb, jsonb)
  from public, anon, authenticated;

create or replace function public.quote_template(p_template_id uuid, p_photos integer default 0)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_template public.templates;
  v_price integer;
begin
  if (select auth.uid()) is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  select * into v_template from public.templates t
   where t.id = p_template_id and (t.user_id = (select auth.uid()) or t.is_public);
  if not found then
    raise exception using errcode = 'P0404', message = format('template %s not found', p_template_id);
  end if;
  perform private.check_template_use(v_template, p_photos);
  select credits into v_price from public.prices where code = 'template:' || v_template.type;
  return jsonb_build_object(
    'template_type', v_template.type, 'price_each', v_price,
    'per', case when v_template.type = 'custom' then 'photo' else 'use' end,
    'total', case when v_template.type = 'custom' then v_price * p_photos else v_price end,
    'balance', (select credits from public.users where id = (select auth.uid())));
end;
$$;

revoke execute on function public.quote_template(uuid, integer) from public, anon;

grant execute on function public.quote_template(uuid, integer) to authenticated, service_role;

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

revoke execute on function public.submit_template(uuid, uuid, jsonb, jsonb, jsonb, text) from public, anon;

grant execute on function public.submit_template(uuid, uuid, jsonb, jsonb, jsonb, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- What happens when a job finishes: the last clip releases the join, whose video then replaces the
-- clips as the project's result; a clip or join that fails or is cancelled stops the whole video
-- and refunds every part (a video without all its clips is no video); template jobs count on their
-- template. Runs inside complete_job, fail_job, claim_jobs
-- and cancel_project, after their update of the job's status.
-- ---------------------------------------------------------------------------------------------
create function private.on_job_finished()
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
       set usage_count = coalesce(t.usage_count, 0) + case when v_first then 1 else 0 end,
           credits_used = coalesce(t.credits_used, 0) + coalesce(new.credit_cost, 0),
           -- another agent's output is private to them: only the owner's own uses set output_url
           output_url = case when t.user_id = new.user_id and coalesce((new.input ->> 'primary')::boolean, false)
                             then new.output_url else t.output_url end
     where t.id::text = new.input ->> 'template_id';
  end if;
  return null;
end;
$$;

revoke execute on function private.on_job_finished() from public, anon, authenticated;

create trigger on_job_finished
  after update of status on public.ai_jobs
  for each row
  when (new.status is distinct from old.status
        and (new.input ->> 'kind' in ('video_clip', 'video_join') or new.input ? 'template_id'))
  execute function private.on_job_finished();

-- Clips are intermediate files: complete_job's media row is skipped for them (the joined video
-- gets its own row when the join job completes).
create function private.skip_intermediate_media()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.project_id is not null and exists (
    select 1 from public.ai_jobs j
     where j.project_id = new.project_id and j.output_url = new.url and j.input ->> 'kind' = 'video_clip'
  ) then
    return null;
  end if;
  return new;
end;
$$;

revoke execute on function private.skip_intermediate_media() from public, anon, authenticated;

create trigger skip_intermediate_media
  before insert on public.media_items
  for each row
  when (new.project_id is not null and new.type = 'video')
  execute function private.skip_intermediate_media();

-- ==== LATER ====

-- security definer: agents write their templates directly (RLS), and have no access to `private`.
create function private.check_template_settings()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_problem text := private.template_settings_problem(new.type, new.settings);
begin
  if v_problem is not null then
    raise exception using errcode = 'P0422', message = v_problem;
  end if;
  return new;
end;
$$;

revoke execute on function private.check_template_settings() from public, anon, authenticated;

create trigger check_template_settings before insert or update of settings, type on public.templates
  for each row execute function private.check_template_settings();

-- ---------------------------------------------------------------------------------------------
-- Template uses: the template can render and has the photos it needs
-- ---------------------------------------------------------------------------------------------
create function private.check_template_use(p_template public.templates, p_photos integer)
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
end;
$$;

revoke execute on function private.check_template_use(public.templates, integer) from public, anon, authenticated;
