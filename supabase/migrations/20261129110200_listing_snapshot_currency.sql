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
