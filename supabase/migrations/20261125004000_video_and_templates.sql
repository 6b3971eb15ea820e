-- Chapter 8, listing videos and marketing templates on the queue of chapter 4 (*_jobs.sql): the
-- same create-and-charge path (private.create_job_project), ai_jobs rows, worker protocol and
-- refunds once per job.
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
-- Template settings: known keys, colours, an ISO 4217 currency, numbers in range
-- ---------------------------------------------------------------------------------------------
create function private.template_settings_problem(p_type public.template_type, p_settings jsonb)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_known constant text[] := array['accent', 'background', 'currency', 'edit_type', 'font', 'headline',
                                   'layout', 'logo_media_id', 'paper', 'primary', 'seconds_per_photo', 'text'];
  v_unknown text;
  v_key text;
  v_seconds numeric;
begin
  if p_settings is null then
    return null;
  end if;
  if jsonb_typeof(p_settings) <> 'object' then
    return 'settings must be a JSON object';
  end if;
  select string_agg(k, ', ' order by k) into v_unknown
    from jsonb_object_keys(p_settings) as k where not (k = any (v_known));
  if v_unknown is not null then
    return format('unknown setting(s) %s; known settings: %s', v_unknown, array_to_string(v_known, ', '));
  end if;
  foreach v_key in array array['primary', 'accent', 'background', 'text'] loop
    if p_settings ? v_key and coalesce(p_settings ->> v_key, '') !~ '^#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$' then
      return format('setting %s must be a hex colour like #1F2A44, not %s', v_key, p_settings -> v_key);
    end if;
  end loop;
  if p_settings ? 'currency' and not exists (
    select 1 from public.currencies c where c.code = p_settings ->> 'currency'
  ) then
    return format('setting currency must be an ISO 4217 code such as ZAR, USD, EUR or GBP, not %s', p_settings -> 'currency');
  end if;
  if p_settings ? 'paper' and coalesce(lower(p_settings ->> 'paper'), '') not in ('a4', 'letter') then
    return format('setting paper must be a4 or letter, not %s', p_settings -> 'paper');
  end if;
  if p_settings ? 'seconds_per_photo' then
    begin
      v_seconds := (p_settings ->> 'seconds_per_photo')::numeric;
    exception when others then
      v_seconds := null;
    end;
    if v_seconds is null or v_seconds not between 1 and 10 then
      return format('setting seconds_per_photo must be a number from 1 to 10, not %s', p_settings -> 'seconds_per_photo');
    end if;
  end if;
  if p_settings ? 'edit_type' and (p_type <> 'custom' or not exists (
    select 1 from public.prices p where p.code = 'edit:' || (p_settings ->> 'edit_type'))) then
    return 'setting edit_type is for custom templates and must be a kind of edit (e.g. enhance, declutter)';
  end if;
  if p_settings ? 'headline' and length(coalesce(p_settings ->> 'headline', '')) > 80 then
    return 'setting headline must be at most 80 characters';
  end if;
  return null;
end;
$$;

revoke execute on function private.template_settings_problem(public.template_type, jsonb) from public, anon, authenticated;

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

-- The listing snapshot a template or video job carries includes the listing's currency, so the
-- worker prints the price in it without reading the listing again.
create function private.listing_snapshot(p_user_id uuid, p_listing_id uuid)
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
-- What a video costs: the slideshow, plus one clip per photo with AI motion. quote_video shows it and
-- create_video_project charges it, so a quote never differs from its charge.
create function private.price_video(p_photos integer, p_motion text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'price_video', v.credits,
    'price_clip', case when p_motion = 'ai' then c.credits else 0 end,
    'total', v.credits + case when p_motion = 'ai' then c.credits * p_photos else 0 end)
    from public.prices v, public.prices c
   where v.code = 'video:slideshow' and c.code = 'video:ai_clip';
$$;

revoke execute on function private.price_video(integer, text) from public, anon, authenticated;

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
  v_cost jsonb;
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
  v_cost := private.price_video(v_count, v_motion);
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
      'service', v_video.default_service, 'model', v_video.default_model, 'credit_cost', (v_cost ->> 'price_video')::integer,
      'input', v_render || jsonb_build_object('kind', 'video', 'photos', p_photos)));
  else
    for v_photo in select * from jsonb_array_elements(p_photos) loop
      v_jobs := v_jobs || jsonb_build_object(
        'service', v_clip.default_service,
        'model', v_clip.default_model,  -- the server's choice: a client never picks what the platform pays for
        'credit_cost', (v_cost ->> 'price_clip')::integer,
        'input', jsonb_build_object(
          'kind', 'video_clip', 'index', v_index, 'source_path', v_photo ->> 'path',
          'filename', v_photo ->> 'filename', 'mime_type', v_photo ->> 'mime_type',
          'title', nullif(btrim(p_options ->> 'title'), ''), 'intermediate', true));
      v_index := v_index + 1;
    end loop;
    v_jobs := v_jobs || jsonb_build_object(
      'service', v_video.default_service, 'model', v_video.default_model, 'credit_cost', (v_cost ->> 'price_video')::integer,
      'status', 'pending', 'input', v_render || jsonb_build_object('kind', 'video_join', 'clips', '[]'::jsonb));
  end if;

  return private.create_job_project(
    p_user_id, 'video', v_name,
    jsonb_build_object('kind', 'video', 'edit_type', 'video', 'photos', p_photos, 'options', p_options),
    v_jobs, v_cost);
end;
$$;

revoke execute on function private.create_video_project(uuid, jsonb, jsonb) from public, anon, authenticated;

-- What a video would cost, and the balance (private.price_video, what submit_video charges).
create function public.quote_video(p_photos integer, p_motion text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.signed_in_user();
  return private.price_video(p_photos, p_motion)
         || jsonb_build_object('photos', p_photos,
                               'balance', (select credits from public.users where id = (select auth.uid())));
end;
$$;

revoke execute on function public.quote_video(integer, text) from public, anon;
grant execute on function public.quote_video(integer, text) to authenticated, service_role;

-- Submit a video: create the project and charge it, once per idempotency key.
create function public.submit_video(p_photos jsonb, p_options jsonb default '{}', p_idempotency_key text default null)
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
  return private.idempotent_finish(v_user, p_idempotency_key,
    private.create_video_project(v_user, p_photos, coalesce(p_options, '{}')));
end;
$$;

revoke execute on function public.submit_video(jsonb, jsonb, text) from public, anon;
grant execute on function public.submit_video(jsonb, jsonb, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Template uses
-- ---------------------------------------------------------------------------------------------

-- The template can render and has the photos it needs: quote_template and submit_template refuse
-- the same way, before anything is charged.
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

-- What a template use costs: per use, or for a custom template per photo. quote_template shows it
-- and create_template_project charges it, so a quote never differs from its charge.
create function private.price_template(p_template public.templates, p_photos integer)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
    'price_each', p.credits,
    'per', case when p_template.type = 'custom' then 'photo' else 'use' end,
    'total', case when p_template.type = 'custom' then p.credits * p_photos else p.credits end)
    from public.prices p
   where p.code = 'template:' || p_template.type;
$$;

revoke execute on function private.price_template(public.templates, integer) from public, anon, authenticated;

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
  v_cost jsonb;
  v_each integer;
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
  v_cost := private.price_template(v_template, v_count);
  v_each := (v_cost ->> 'price_each')::integer;

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
        'credit_cost', v_each,
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
        'credit_cost', v_each / array_length(v_parts, 1)
                       + case when i <= v_each % array_length(v_parts, 1) then 1 else 0 end,
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
    v_jobs, v_cost);
end;
$$;

revoke execute on function private.create_template_project(uuid, uuid, uuid, jsonb, jsonb, jsonb)
  from public, anon, authenticated;

-- What a template use would cost, and the balance (private.price_template, what submit_template
-- charges).
create function public.quote_template(p_template_id uuid, p_photos integer default 0)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_template public.templates;
begin
  perform private.signed_in_user();
  select * into v_template from public.templates t
   where t.id = p_template_id and (t.user_id = (select auth.uid()) or t.is_public);
  if not found then
    raise exception using errcode = 'P0404', message = format('template %s not found', p_template_id);
  end if;
  perform private.check_template_use(v_template, p_photos);
  return private.price_template(v_template, p_photos)
         || jsonb_build_object('template_type', v_template.type,
                               'balance', (select credits from public.users where id = (select auth.uid())));
end;
$$;

revoke execute on function public.quote_template(uuid, integer) from public, anon;
grant execute on function public.quote_template(uuid, integer) to authenticated, service_role;

-- Use a template: refuse what the quote refuses, then create the project and charge it, once per
-- idempotency key.
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
  v_user uuid := private.signed_in_user();
  v_prior jsonb;
  v_template public.templates;
begin
  -- What the quote refuses, the submission refuses too (private.check_template_use).
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
