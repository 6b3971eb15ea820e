-- Triggers and internal helpers: the ledger posting primitive, the public.users row for every
-- sign-up with its welcome credits in the ledger, and updated_at maintenance.
--
-- Invariant: users.credits = sum(credit_transactions.amount) for every user, at all times.
-- private.post_ledger is the only code that changes users.credits, and it writes the ledger row
-- in the same statement sequence of the caller's transaction.

-- ---------------------------------------------------------------------------------------------
-- Schema `private`: helpers for SECURITY DEFINER functions. Not exposed through the API and not
-- usable by anon or authenticated.
-- ---------------------------------------------------------------------------------------------
create schema private;
revoke all on schema private from public, anon, authenticated;

-- Post one ledger entry: lock the user's row, refuse a negative balance, update the cached
-- balance and insert the credit_transactions row. Returns the new balance.
-- SECURITY INVOKER on purpose: only definer functions (and the owner) can reach it.
create function private.post_ledger(
  p_user_id uuid,
  p_amount integer,
  p_type public.credit_transaction_type,
  p_description text,
  p_reference text default null,
  p_subscription_id uuid default null
)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_balance integer;
begin
  select u.credits into v_balance from public.users u where u.id = p_user_id for update;
  if not found then
    raise exception using errcode = 'P0002', message = format('user %s not found', p_user_id);
  end if;

  if v_balance + p_amount < 0 then
    raise exception using
      errcode = 'P0402',
      message = format('insufficient credits: need %s, balance %s', -p_amount, v_balance);
  end if;

  update public.users set credits = v_balance + p_amount where id = p_user_id;
  insert into public.credit_transactions (user_id, amount, type, description, reference_id, subscription_id)
  values (p_user_id, p_amount, p_type, p_description, p_reference, p_subscription_id);

  return v_balance + p_amount;
end;
$$;

revoke execute on function private.post_ledger(uuid, integer, public.credit_transaction_type, text, text, uuid)
from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- handle_new_user: auth.users -> public.users, profile fields from the sign-up metadata.
-- ---------------------------------------------------------------------------------------------
create function public.handle_new_user()
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

  -- credits start at 0 and the welcome credits arrive through the ledger, so the invariant
  -- holds from the first row.
  insert into public.users (id, email, full_name, brokerage, market, use_case, phone, credits)
  values (
    new.id,
    new.email,
    coalesce(
      nullif(btrim(v_meta ->> 'full_name'), ''),
      nullif(btrim(v_meta ->> 'name'), ''),
      split_part(new.email, '@', 1)
    ),
    nullif(btrim(v_meta ->> 'brokerage'), ''),
    nullif(btrim(v_meta ->> 'market'), ''),
    v_use_case,
    nullif(btrim(v_meta ->> 'phone'), ''),
    0
  );

  perform private.post_ledger(new.id, 50, 'subscription', 'Welcome credits');
  return new;
end;
$$;

revoke execute on function public.handle_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

-- ---------------------------------------------------------------------------------------------
-- updated_at: one shared trigger function on every table that has the column.
-- ---------------------------------------------------------------------------------------------
create function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

revoke execute on function public.set_updated_at() from public, anon, authenticated;

create trigger set_updated_at before update on public.users
  for each row execute function public.set_updated_at();
create trigger set_updated_at before update on public.subscriptions
  for each row execute function public.set_updated_at();
create trigger set_updated_at before update on public.crm_contacts
  for each row execute function public.set_updated_at();
create trigger set_updated_at before update on public.crm_listings
  for each row execute function public.set_updated_at();
create trigger set_updated_at before update on public.templates
  for each row execute function public.set_updated_at();
