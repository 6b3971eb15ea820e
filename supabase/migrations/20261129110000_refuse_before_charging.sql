-- Refuse before charging: what the server can know will fail is refused by the quote (and by
-- triggers where the bad value is stored), so an agent is never charged and refunded for it.
--
--   provider_capabilities   which provider can do which edit, and how many different results it
--                           gives of one photo (the offline `local` provider: one; the worker
--                           refuses a second variation on it)
--   currencies              the ISO 4217 codes a price may be shown in
--   template settings       checked by a trigger on every insert and update of public.templates
--   private.check_edit_request / private.check_template_use
--                           the refusals quote_edit / quote_template make; submit_edit and
--                           submit_template should call them too.

-- ---------------------------------------------------------------------------------------------
-- Provider capabilities (the same table as stagefy_cli.ai.catalog.CAPABILITIES; a test compares)
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
-- ISO 4217 currencies (current codes; precious metals, funds and test codes left out)
-- ---------------------------------------------------------------------------------------------
create table public.currencies (code text primary key check (code ~ '^[A-Z]{3}$'));
insert into public.currencies (code)
select unnest(string_to_array(
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD '
  'CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD '
  'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD '
  'KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO '
  'NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE '
  'SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND '
  'VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG', ' '));

alter table public.currencies enable row level security;
revoke all on table public.currencies from anon, authenticated;
grant select on table public.currencies to authenticated;
grant all on table public.currencies to service_role;
create policy "currencies: readable by signed-in users" on public.currencies for select to authenticated using (true);

-- ---------------------------------------------------------------------------------------------
-- Edits: the provider can do the type and give that many different results
-- ---------------------------------------------------------------------------------------------
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

drop function public.quote_edit(text, integer, integer);
create function public.quote_edit(p_edit_type text, p_photos integer, p_variations integer default 1,
                                  p_provider text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_price integer;
  v_balance integer;
begin
  if (select auth.uid()) is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  perform private.check_edit_request(p_edit_type, p_photos, p_variations, p_provider);
  select credits into v_price from public.prices where code = 'edit:' || p_edit_type;
  select credits into v_balance from public.users where id = (select auth.uid());
  return jsonb_build_object('edit_type', p_edit_type, 'price_each', v_price, 'photos', p_photos,
                            'variations', p_variations, 'total', v_price * p_photos * p_variations,
                            'balance', v_balance);
end;
$$;

revoke execute on function public.quote_edit(text, integer, integer, text) from public, anon;
grant execute on function public.quote_edit(text, integer, integer, text) to authenticated, service_role;

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

revoke execute on function private.check_edit_request(text, integer, integer, text) from public, anon, authenticated;
revoke execute on function private.template_settings_problem(public.template_type, jsonb) from public, anon, authenticated;
revoke execute on function private.check_template_settings() from public, anon, authenticated;
revoke execute on function private.check_template_use(public.templates, integer) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- The last admin cannot stop being one (nobody could then run the admin console)
-- ---------------------------------------------------------------------------------------------
create function private.keep_an_admin()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.role = 'admin' and new.role is distinct from 'admin' then
    perform pg_advisory_xact_lock(hashtext('stagefy:admins'));  -- two admins demoting each other
    if not exists (select 1 from public.users u where u.role = 'admin' and u.id <> old.id) then
      raise exception using errcode = 'P0422',
        message = format('%s is the last admin; make another user an admin first', old.email);
    end if;
  end if;
  return new;
end;
$$;

create trigger keep_an_admin before update of role on public.users
  for each row execute function private.keep_an_admin();

revoke execute on function private.keep_an_admin() from public, anon, authenticated;

-- A blank name would print as a blank on every flyer and video (existing rows are left alone).
alter table public.users add constraint users_full_name_not_blank check (btrim(full_name) <> '') not valid;
