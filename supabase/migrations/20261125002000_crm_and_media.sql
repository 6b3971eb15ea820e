-- Chapter 5, CRM, media library and notifications: the indexes behind the CLI's queries, and the
-- currency of a listing's price.
--
-- The tables, their row level security and the cross-agent link checks (a listing may only name the
-- agent's own contact; a media item only the agent's own listing, contact and project) are in
-- chapters 1 and 2 (*_schema.sql, *_security.sql). Every CRM, media and notification read the CLI
-- makes filters on `user_id` first, and these composite indexes let PostgreSQL answer it from one
-- index range in the order the CLI asks for, instead of reading all of an agent's rows and sorting
-- them.

-- `crm contacts list`: WHERE user_id = $me ORDER BY name, id LIMIT n (and its count).
create index idx_crm_contacts_user_id_name on public.crm_contacts (user_id, name, id);

-- `crm contacts export`: keyset pages WHERE user_id = $me AND id > $last ORDER BY id LIMIT 1000.
create index idx_crm_contacts_user_id_id on public.crm_contacts (user_id, id);

-- `crm listings list`: newest first.
create index idx_crm_listings_user_id_created_at on public.crm_listings (user_id, created_at desc);

-- `media list`: newest first.
create index idx_media_items_user_id_created_at on public.media_items (user_id, created_at desc);

-- `notifications list`: newest first.
create index idx_notifications_user_id_created_at on public.notifications (user_id, created_at desc);

-- The unread count shown after every command: a small partial index of unread rows only.
create index idx_notifications_user_id_unread on public.notifications (user_id) where not read;

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

-- A listing's price has a currency (ISO 4217). A listing written without one takes its agent's
-- market's currency; a market the table below does not name is South Africa's (ZAR), where
-- Stagefy sells. Templates and videos print the price in the listing's currency, never in one a
-- template chose (the US Letter flyer must not turn R 2 450 000 into $2,450,000).
alter table public.crm_listings add column currency text references public.currencies (code);

-- Markets by country code or name, as agents type them in their profile (`profile update --market`).
create table public.market_currencies (
  market text primary key check (market = lower(market)),
  currency text not null references public.currencies (code)
);

insert into public.market_currencies (market, currency) values
  ('za', 'ZAR'), ('south africa', 'ZAR'), ('us', 'USD'), ('usa', 'USD'), ('united states', 'USD'),
  ('gb', 'GBP'), ('uk', 'GBP'), ('united kingdom', 'GBP'), ('au', 'AUD'), ('australia', 'AUD'),
  ('ca', 'CAD'), ('canada', 'CAD'), ('nz', 'NZD'), ('new zealand', 'NZD'), ('na', 'NAD'),
  ('namibia', 'NAD'), ('bw', 'BWP'), ('botswana', 'BWP'), ('ke', 'KES'), ('kenya', 'KES'),
  ('ng', 'NGN'), ('nigeria', 'NGN'), ('ie', 'EUR'), ('ireland', 'EUR'), ('de', 'EUR'),
  ('germany', 'EUR'), ('fr', 'EUR'), ('france', 'EUR'), ('es', 'EUR'), ('spain', 'EUR'),
  ('pt', 'EUR'), ('portugal', 'EUR'), ('nl', 'EUR'), ('netherlands', 'EUR'), ('it', 'EUR'),
  ('italy', 'EUR'), ('ae', 'AED'), ('united arab emirates', 'AED');

alter table public.market_currencies enable row level security;
revoke all on table public.market_currencies from anon, authenticated;
grant select on table public.market_currencies to authenticated;
grant all on table public.market_currencies to service_role;

create policy "market_currencies: readable by signed-in users" on public.market_currencies
  for select to authenticated using (true);

-- The currency of an agent's market: the whole market text or its last comma-separated part
-- ("Cape Town, South Africa"), else ZAR.
create function private.market_currency(p_user_id uuid)
returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(
    (select m.currency from public.users u
       join public.market_currencies m
         on m.market in (lower(btrim(u.market)), lower(btrim(split_part(u.market, ',', -1))))
      where u.id = p_user_id
      limit 1),
    'ZAR');
$$;

revoke execute on function private.market_currency(uuid) from public, anon, authenticated;

create function private.set_listing_currency()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.currency is null then
    new.currency := private.market_currency(new.user_id);
  end if;
  return new;
end;
$$;

revoke execute on function private.set_listing_currency() from public, anon, authenticated;

create trigger set_listing_currency before insert or update of currency on public.crm_listings
  for each row execute function private.set_listing_currency();
