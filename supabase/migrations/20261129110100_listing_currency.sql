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

create trigger set_listing_currency before insert or update of currency on public.crm_listings
  for each row execute function private.set_listing_currency();

update public.crm_listings l set currency = private.market_currency(l.user_id) where l.currency is null;

revoke execute on function private.market_currency(uuid) from public, anon, authenticated;
revoke execute on function private.set_listing_currency() from public, anon, authenticated;
