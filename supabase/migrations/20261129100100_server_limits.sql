-- Limits the server enforces (the CLI's checks are only early, clear errors: anyone with a session
-- can call the API directly).
--
--   * The `media` bucket takes files up to 50 MiB of the types Stagefy reads and writes (photos,
--     videos, flyers, music); Storage refuses the rest before storing a byte.
--   * Text columns people type into have the lengths a real product has; numbers are finite and
--     in range. A 22 KB listing address once made a template render take 106 s.
--     The constraints are NOT VALID: they hold for every new or changed row, and a live project's
--     existing rows do not stop the migration.
--   * Welcome credits are granted when the e-mail is confirmed (at sign-up where confirmation is
--     off or automatic, as on the local stack), once per user ever.

-- ---------------------------------------------------------------------------------------------
-- Storage
-- ---------------------------------------------------------------------------------------------
update storage.buckets
   set file_size_limit = 50 * 1024 * 1024,
       allowed_mime_types = array[
         'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif',
         'video/mp4', 'application/pdf',
         'audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/x-wav', 'audio/ogg', 'audio/flac']
 where id = 'media';

-- ---------------------------------------------------------------------------------------------
-- Lengths and ranges. Constraint names read as the rule: PostgREST reports them in its message.
-- ---------------------------------------------------------------------------------------------
alter table public.users
  add constraint "email: at most 320 characters" check (length(email) <= 320) not valid,
  add constraint "full name: at most 200 characters" check (length(full_name) <= 200) not valid,
  add constraint "brokerage: at most 200 characters" check (length(brokerage) <= 200) not valid,
  add constraint "market: at most 200 characters" check (length(market) <= 200) not valid,
  add constraint "phone: at most 40 characters" check (length(phone) <= 40) not valid,
  add constraint "avatar URL: at most 2048 characters" check (length(avatar_url) <= 2048) not valid;

alter table public.crm_contacts
  add constraint "contact name: at most 200 characters" check (length(name) <= 200) not valid,
  add constraint "contact email: at most 320 characters" check (length(email) <= 320) not valid,
  add constraint "contact phone: at most 40 characters" check (length(phone) <= 40) not valid,
  add constraint "contact notes: at most 10000 characters" check (length(notes) <= 10000) not valid,
  add constraint "contact tags: at most 50, 1000 characters in all"
    check (cardinality(tags) <= 50 and length(array_to_string(tags, '')) <= 1000) not valid;

alter table public.crm_listings
  add constraint "address: at most 300 characters" check (length(address) <= 300) not valid,
  add constraint "city: at most 100 characters" check (length(city) <= 100) not valid,
  add constraint "state: at most 100 characters" check (length(state) <= 100) not valid,
  add constraint "zip code: at most 20 characters" check (length(zip_code) <= 20) not valid,
  add constraint "listing notes: at most 10000 characters" check (length(notes) <= 10000) not valid,
  -- numeric accepts 'NaN', which sorts above every number: `between` refuses it too
  add constraint "price: a number from 0" check (price between 0 and 9999999999.99) not valid,
  add constraint "bedrooms: 0 to 100" check (bedrooms between 0 and 100) not valid,
  add constraint "bathrooms: 0 to 99" check (bathrooms between 0 and 99) not valid,
  add constraint "sqft: 0 to 10000000" check (sqft between 0 and 10000000) not valid;

alter table public.media_items
  add constraint "media title: at most 500 characters" check (length(title) <= 500) not valid,
  add constraint "media description: at most 5000 characters" check (length(description) <= 5000) not valid,
  add constraint "media tags: at most 50, 1000 characters in all"
    check (cardinality(tags) <= 50 and length(array_to_string(tags, '')) <= 1000) not valid,
  add constraint "file size: from 0" check (file_size >= 0) not valid;

alter table public.templates
  add constraint "template name: at most 100 characters" check (length(name) <= 100) not valid,
  add constraint "template description: at most 1000 characters" check (length(description) <= 1000) not valid,
  add constraint "template prompt: at most 4000 characters" check (length(prompt_template) <= 4000) not valid,
  add constraint "template settings: at most 16000 characters" check (length(settings::text) <= 16000) not valid;

-- What a submission carries: the project name, an edit's prompt, a template use's values.
alter table public.projects
  add constraint "project name: at most 500 characters" check (length(name) <= 500) not valid,
  add constraint "prompt: at most 4000 characters"
    check (length(coalesce(input_data #>> '{options,prompt}', '')) <= 4000) not valid,
  add constraint "title: at most 200 characters"
    check (length(coalesce(input_data #>> '{options,title}', '')) <= 200) not valid,
  add constraint "template values: at most 8000 characters"
    check (length(coalesce(input_data ->> 'values', '')) <= 8000) not valid;

-- ---------------------------------------------------------------------------------------------
-- Welcome credits on e-mail confirmation, once per user ever.
-- ---------------------------------------------------------------------------------------------
create unique index credit_transactions_one_welcome_grant
  on public.credit_transactions (user_id) where reference_id = 'welcome';

create function private.grant_welcome_credits(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- Users from before this migration got theirs at sign-up (without the reference).
  if exists (select 1 from public.credit_transactions t
              where t.user_id = p_user_id and t.type = 'subscription'
                and (t.reference_id = 'welcome' or t.description = 'Welcome credits')) then
    return;
  end if;
  perform private.post_ledger(p_user_id, 50, 'subscription', 'Welcome credits', 'welcome');
end;
$$;
revoke execute on function private.grant_welcome_credits(uuid) from public, anon, authenticated;

create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  v_use_case public.use_case := 'all';
begin
  -- An unknown use_case in the metadata is ignored rather than failing the sign-up.
  if v_meta ->> 'use_case' = any (enum_range(null::public.use_case)::text[]) then
    v_use_case := (v_meta ->> 'use_case')::public.use_case;
  end if;

  -- Profile fields are cut to their column limits rather than failing the sign-up.
  insert into public.users (id, email, full_name, brokerage, market, use_case, phone, credits)
  values (
    new.id,
    new.email,
    left(coalesce(
      nullif(btrim(v_meta ->> 'full_name'), ''),
      nullif(btrim(v_meta ->> 'name'), ''),
      split_part(new.email, '@', 1)
    ), 200),
    left(nullif(btrim(v_meta ->> 'brokerage'), ''), 200),
    left(nullif(btrim(v_meta ->> 'market'), ''), 200),
    v_use_case,
    left(nullif(btrim(v_meta ->> 'phone'), ''), 40),
    0
  );

  -- Credits start at 0; the welcome credits arrive through the ledger once the address is
  -- confirmed (at once where confirmation is off or automatic).
  if new.email_confirmed_at is not null then
    perform private.grant_welcome_credits(new.id);
  end if;
  return new;
end;
$$;

create function private.on_email_confirmed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.users where id = new.id) then
    perform private.grant_welcome_credits(new.id);
  end if;
  return new;
end;
$$;
revoke execute on function private.on_email_confirmed() from public, anon, authenticated;

create trigger on_auth_user_email_confirmed
  after update of email_confirmed_at on auth.users
  for each row
  when (old.email_confirmed_at is null and new.email_confirmed_at is not null)
  execute function private.on_email_confirmed();
