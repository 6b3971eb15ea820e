-- Chapter 3, the ledger: the posting primitive, the public.users row for every sign-up with its
-- welcome credits in the ledger, and updated_at maintenance.
--
-- Invariant: users.credits = sum(credit_transactions.amount) for every user, at all times.
-- private.post_ledger is the only code that changes users.credits, and it writes the ledger row
-- in the same statement sequence of the caller's transaction. Every path that moves credits
-- (submissions, refunds, payments, admin grants) calls it inside its own single transaction.

-- ---------------------------------------------------------------------------------------------
-- Schema `private`: helpers for SECURITY DEFINER functions. Not exposed through the API and not
-- usable by anon or authenticated.
-- ---------------------------------------------------------------------------------------------
create schema private;

revoke all on schema private from public, anon, authenticated;

-- The signed-in user of the request (auth.uid()), or the one error every agent-facing function
-- gives a caller without a session.
create function private.signed_in_user()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'sign in first';
  end if;
  return v_user;
end;
$$;

revoke execute on function private.signed_in_user() from public, anon, authenticated;

-- Post one ledger entry: lock the user's row, refuse a negative balance, update the cached
-- balance and insert the credit_transactions row. Returns the new balance.
-- SECURITY INVOKER on purpose: only definer functions (and the owner) can reach it.
create function private.post_ledger(
  p_user_id uuid,
  p_amount integer,
  p_type public.credit_transaction_type,
  p_description text,
  p_reference text default null,
  p_subscription_id uuid default null,
  p_project_id uuid default null,
  p_ai_job_id uuid default null
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
  insert into public.credit_transactions
    (user_id, amount, type, description, reference_id, subscription_id, project_id, ai_job_id)
  values (p_user_id, p_amount, p_type, p_description, p_reference, p_subscription_id, p_project_id, p_ai_job_id);

  return v_balance + p_amount;
end;
$$;

revoke execute on function private.post_ledger(uuid, integer, public.credit_transaction_type, text, text, uuid, uuid, uuid)
  from public, anon, authenticated;

-- A failed or cancelled job is refunded exactly once: the database refuses a second refund row.
create unique index credit_transactions_one_refund_per_job
  on public.credit_transactions (ai_job_id) where type = 'refund';

-- ---------------------------------------------------------------------------------------------
-- Welcome credits are granted when the e-mail is confirmed (at sign-up where confirmation is off or
-- automatic, as on the local stack), once per user ever.
-- ---------------------------------------------------------------------------------------------
create unique index credit_transactions_one_welcome_grant
  on public.credit_transactions (user_id) where reference_id = 'welcome';

create function private.grant_welcome_credits(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- A grant without the reference (made at sign-up by earlier versions) counts too.
  if exists (select 1 from public.credit_transactions t
              where t.user_id = p_user_id and t.type = 'subscription'
                and (t.reference_id = 'welcome' or t.description = 'Welcome credits')) then
    return;
  end if;
  perform private.post_ledger(p_user_id, 50, 'subscription', 'Welcome credits', 'welcome');
end;
$$;

revoke execute on function private.grant_welcome_credits(uuid) from public, anon, authenticated;

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

revoke execute on function public.handle_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

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

