-- Listing media that keeps a photo's privacy and framing: an edit's job says whether the result may
-- keep the photo's GPS position, serial numbers and owner (`keep_metadata`, false unless asked), a
-- video's job how photos of the other orientation are fitted (`fit`: blur or letterbox), and file
-- names transliterate accented letters ("L'Église" -> "l-eglise") instead of dropping them.

-- `12 Oak Street, Sea Point` -> `12-oak-street-sea-point`: the stem of downloaded file names.
-- Letters are decomposed (NFKD) and their accents dropped; the few letters that do not decompose
-- are spelled out. (The `unaccent` extension would do this, but the embedded PostgreSQL has none.)
create or replace function private.slug(p_text text)
returns text
language sql
immutable
set search_path = ''
as $$
  select coalesce(nullif(left(trim(both '-' from regexp_replace(
           replace(replace(replace(replace(replace(translate(
             lower(regexp_replace(normalize(coalesce(p_text, ''), nfkd),
                                  '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')),
             'øłđħı', 'oldhi'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'), 'ð', 'd'),
           '[^a-z0-9]+', '-', 'g')), 60), ''), 'listing');
$$;

-- p_options adds "keep_metadata" (boolean): copied into each job's input for the worker.
create or replace function private.create_edit_project(p_user_id uuid, p_edit_type text, p_photos jsonb, p_options jsonb)
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
  if p_options ? 'keep_metadata' and jsonb_typeof(p_options -> 'keep_metadata') is distinct from 'boolean' then
    raise exception using errcode = 'P0422', message = 'keep_metadata must be true or false';
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
          'variation', v, 'listing_id', v_listing_id, 'provider', nullif(p_options ->> 'provider', ''),
          'keep_metadata', coalesce((p_options ->> 'keep_metadata')::boolean, false)));
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

-- p_options adds "fit" ('blur', the default, or 'letterbox'): copied into the render job's input.
create or replace function private.create_video_project(p_user_id uuid, p_photos jsonb, p_options jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
  v_format text := coalesce(nullif(p_options ->> 'format', ''), 'landscape');
  v_seconds numeric := coalesce((p_options ->> 'seconds_per_photo')::numeric, 3);
  v_motion text := nullif(p_options ->> 'motion', '');
  v_fit text := coalesce(nullif(p_options ->> 'fit', ''), 'blur');
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
  if v_fit not in ('blur', 'letterbox') then
    raise exception using errcode = 'P0422', message = format('unknown fit %s (blur or letterbox)', v_fit);
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
    'format', v_format, 'seconds_per_photo', v_seconds, 'fit', v_fit, 'title', nullif(btrim(p_options ->> 'title'), ''),
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
