-- Chapter 6, billing: credit packs and plans for sale, PayFast payments applied exactly once, and
-- the subscription life cycle.
--
-- The Edge Function `supabase/functions/payfast` signs checkout links, calls PayFast's
-- subscriptions API and receives the notifications; the database keeps what it needs.
--
-- Money moves only through private.post_ledger, one transaction per PayFast notification, inside
-- public.apply_payfast_itn (service role only). Agents read packs, plans, their payments and their
-- subscriptions; the only subscription change they can record is one that costs them (cancel,
-- pause) or a resume request -- never `active`, never credits, never a tier.

-- ---------------------------------------------------------------------------------------------
-- What is for sale. Prices in ZAR; the ITN handler checks amount_gross against these.
-- ---------------------------------------------------------------------------------------------
create table public.credit_packs (
  code text primary key,
  name text not null,
  credits integer not null check (credits > 0),
  price_zar numeric(10, 2) not null check (price_zar > 0 and price_zar <> 'NaN'),  -- NaN > 0 holds in PostgreSQL
  active boolean not null default true,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

insert into public.credit_packs (code, name, credits, price_zar) values
  ('starter', 'Starter pack', 100, 149.00),
  ('agent', 'Agent pack', 300, 399.00),
  ('agency', 'Agency pack', 1000, 1199.00);

-- One row per paid tier; `free` is what everyone has without a plan.
create table public.plans (
  code public.subscription_tier primary key check (code <> 'free'),
  name text not null,
  monthly_credits integer not null check (monthly_credits > 0),
  price_zar numeric(10, 2) not null check (price_zar > 0 and price_zar <> 'NaN'),  -- NaN > 0 holds in PostgreSQL
  active boolean not null default true,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

insert into public.plans (code, name, monthly_credits, price_zar) values
  ('basic', 'Basic', 150, 199.00),
  ('pro', 'Pro', 500, 499.00),
  ('enterprise', 'Enterprise', 2000, 1499.00);

-- ---------------------------------------------------------------------------------------------
-- Payments: one row per PayFast notification we acted on -- the idempotency key and the audit
-- trail. Unique on (pf_payment_id, status) rather than pf_payment_id alone: PayFast may notify the
-- same payment id as PENDING and then COMPLETE, and each must be handled once.
-- ---------------------------------------------------------------------------------------------
create table public.payments (
  id uuid primary key default gen_random_uuid(),
  pf_payment_id text not null,
  status text not null,  -- PayFast's payment_status: COMPLETE, CANCELLED, FAILED, PENDING
  m_payment_id text,
  user_id uuid references public.users (id) on delete set null,
  kind text not null,  -- custom_str2: 'pack' or 'subscription'
  item_code text,  -- custom_str3: the pack or plan code
  amount numeric(10, 2),
  subscription_id uuid references public.subscriptions (id) on delete set null,
  credits integer not null default 0,  -- credits this notification added
  outcome text not null,  -- what Stagefy did: credited, subscription_started, renewed, cancelled, ...
  raw jsonb not null,
  created_at timestamptz default now(),
  constraint payments_pf_payment_id_status_key unique (pf_payment_id, status)
);

create index idx_payments_user_id on public.payments (user_id);

create index idx_payments_created_at on public.payments (created_at desc);

create index idx_payments_subscription_id on public.payments (subscription_id);

-- The checkout links the Edge Function handed out (who, what, how much), so a purchase can be
-- followed from the link to its payment; written and read by the service role only.
create table public.payfast_checkouts (
  m_payment_id text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  kind text not null check (kind in ('pack', 'subscription')),
  item_code text not null,
  amount numeric(10, 2) not null check (amount > 0),
  created_at timestamptz not null default now()
);

create index idx_payfast_checkouts_user_id on public.payfast_checkouts (user_id);

alter table public.payfast_checkouts enable row level security;
revoke all on table public.payfast_checkouts from anon, authenticated;
grant all on table public.payfast_checkouts to service_role;

-- Subscription bookkeeping the schema lacks: when it was cancelled or paused, a pending resume
-- (status stays `paused` until PayFast's next payment proves it), and when its tier ended.
alter table public.subscriptions
  add column cancelled_at timestamptz,
  add column paused_at timestamptz,
  add column resume_requested_at timestamptz,
  add column ended_at timestamptz;

-- ---------------------------------------------------------------------------------------------
-- Privileges and row level security
-- ---------------------------------------------------------------------------------------------
alter table public.credit_packs enable row level security;

alter table public.plans enable row level security;

alter table public.payments enable row level security;
revoke all on table public.credit_packs, public.plans, public.payments from anon, authenticated;
grant select on table public.credit_packs, public.plans to authenticated;

-- An agent reads its own payments (RLS) and only these columns of them: never the raw
-- notification (it carries PayFast's signature) nor anything else the passphrase signs.
grant select (id, kind, item_code, amount, status, created_at) on table public.payments to authenticated;
grant all on table public.credit_packs, public.plans, public.payments to service_role;

create policy "credit_packs: readable by signed-in users" on public.credit_packs
  for select to authenticated using (true);

create policy "plans: readable by signed-in users" on public.plans
  for select to authenticated using (true);

create policy "payments: read own; admins read all" on public.payments
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create trigger set_updated_at before update on public.credit_packs
  for each row execute function public.set_updated_at();

create trigger set_updated_at before update on public.plans
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Ending subscriptions: a cancelled, paused or past-due subscription keeps its tier until the
-- paid period ends; an active one that is not renewed, three days after. This runs at read time
-- (subscription_status), on every ITN, and from public.expire_subscriptions() for operators and
-- the worker; ended_at makes it observable.
-- ---------------------------------------------------------------------------------------------
create function private.expire_subscriptions(p_user_id uuid default null)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_sub public.subscriptions;
  v_count integer := 0;
begin
  for v_sub in
    select * from public.subscriptions s
     where s.ended_at is null
       and (p_user_id is null or s.user_id = p_user_id)
       and ((s.status <> 'active' and s.current_period_end <= now())
            -- an active plan PayFast stopped renewing (e.g. cancelled on PayFast's side and the
            -- notification never arrived) lapses after a few days' grace
            or (s.status = 'active' and s.current_period_end <= now() - interval '3 days'))
     for update skip locked
  loop
    -- The user's row is locked after the subscription's here, the other way round from a payment;
    -- never wait for it: a user busy with a payment has this subscription ended by that payment's
    -- own call (or the next one), so waiting could only deadlock.
    perform 1 from public.users u where u.id = v_sub.user_id for update skip locked;
    if not found then
      continue;
    end if;
    update public.subscriptions
       set ended_at = now(), status = case when status = 'active' then 'past_due' else status end
     where id = v_sub.id
    returning * into v_sub;
    -- Another live subscription keeps the user's tier.
    if not exists (
      select 1 from public.subscriptions o
       where o.user_id = v_sub.user_id and o.id <> v_sub.id and o.ended_at is null
         and (o.status = 'active' or o.current_period_end > now())
    ) then
      update public.users set subscription_tier = 'free'
       where id = v_sub.user_id and subscription_tier::text = v_sub.plan_id;
      insert into public.notifications (user_id, type, title, message, action_url)
      values (v_sub.user_id, 'system', 'Your plan has ended',
              format('Your %s plan ended on %s (%s); you are on the free tier now.', v_sub.plan_id,
                     to_char(v_sub.current_period_end, 'YYYY-MM-DD'), v_sub.status),
              'stagefy plans');
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end;
$$;

revoke execute on function private.expire_subscriptions(uuid) from public, anon, authenticated;

create function public.expire_subscriptions()
returns integer
language sql
security definer
set search_path = ''
as $$
  select private.expire_subscriptions(null);
$$;

revoke execute on function public.expire_subscriptions() from public, anon, authenticated;
grant execute on function public.expire_subscriptions() to service_role;

-- ---------------------------------------------------------------------------------------------
-- The price the ITN handler expects: the pack's, the plan's, or -- for a renewal -- what the
-- subscription was started at (a later price change does not break running subscriptions).
-- ---------------------------------------------------------------------------------------------
create function public.payfast_expected_amount(p_kind text, p_item_code text, p_token text default null)
returns numeric
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_price numeric;
begin
  if p_kind = 'pack' then
    select k.price_zar into v_price from public.credit_packs k where k.code = p_item_code and k.active;
  elsif p_kind = 'subscription' then
    select s.price_paid into v_price from public.subscriptions s where s.payfast_subscription_id = p_token;
    if v_price is null then
      select p.price_zar into v_price from public.plans p where p.code::text = p_item_code and p.active;
    end if;
  end if;
  return v_price;
end;
$$;

revoke execute on function public.payfast_expected_amount(text, text, text) from public, anon, authenticated;
grant execute on function public.payfast_expected_amount(text, text, text) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Applying one checked PayFast notification. The handler has verified signature, source, amount
-- and PayFast's validation; this function does the bookkeeping, once per (pf_payment_id, status).
-- A notification it cannot match is recorded with its outcome and answered normally (raising
-- would make PayFast retry it forever).
-- ---------------------------------------------------------------------------------------------
create function private.apply_pack_payment(p_payment public.payments)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_pack public.credit_packs;
  v_balance integer;
begin
  if p_payment.user_id is null then
    return jsonb_build_object('outcome', 'unknown_user');
  end if;
  if p_payment.status = 'FAILED' then
    insert into public.notifications (user_id, type, title, message, action_url)
    values (p_payment.user_id, 'payment_failed', 'Payment failed',
            format('Your payment for %s did not go through; no credits were added.', p_payment.item_code),
            'stagefy credits packs');
    return jsonb_build_object('outcome', 'failed');
  end if;
  if p_payment.status <> 'COMPLETE' then
    return jsonb_build_object('outcome', 'ignored');
  end if;
  select * into v_pack from public.credit_packs where code = p_payment.item_code;
  if not found then
    return jsonb_build_object('outcome', 'unknown_item');
  end if;
  v_balance := private.post_ledger(
    p_payment.user_id, v_pack.credits, 'purchase',
    format('%s (%s credits, R %s)', v_pack.name, v_pack.credits, p_payment.amount),
    'payfast:' || p_payment.pf_payment_id);
  insert into public.notifications (user_id, type, title, message, action_url)
  values (p_payment.user_id, 'payment_success', 'Payment received',
          format('%s credits added (%s). Balance: %s.', v_pack.credits, v_pack.name, v_balance),
          'stagefy credits history');
  return jsonb_build_object('outcome', 'credited', 'credits', v_pack.credits, 'balance', v_balance);
end;
$$;

revoke execute on function private.apply_pack_payment(public.payments) from public, anon, authenticated;

create function private.apply_subscription_payment(p_payment public.payments, p_itn jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_token text := nullif(btrim(p_itn ->> 'token'), '');
  v_billing_date date := nullif(btrim(p_itn ->> 'billing_date'), '')::date;
  v_sub public.subscriptions;
  v_plan public.plans;
  v_start timestamptz;
  v_balance integer;
begin
  select * into v_sub from public.subscriptions where payfast_subscription_id = v_token for update;

  if p_payment.status = 'COMPLETE' and v_sub.id is null then
    -- The first payment: the subscription starts.
    if v_token is null then
      return jsonb_build_object('outcome', 'missing_token');
    end if;
    if p_payment.user_id is null then
      return jsonb_build_object('outcome', 'unknown_user');
    end if;
    select * into v_plan from public.plans where code::text = p_payment.item_code;
    if not found then
      return jsonb_build_object('outcome', 'unknown_item');
    end if;
    v_start := coalesce(v_billing_date::timestamptz, now());
    insert into public.subscriptions (user_id, plan_id, status, payfast_subscription_id, current_period_start,
                                      current_period_end, credits_remaining, monthly_credits, price_paid)
    values (p_payment.user_id, v_plan.code::text, 'active', v_token, v_start, v_start + interval '1 month',
            v_plan.monthly_credits, v_plan.monthly_credits, p_payment.amount)
    returning * into v_sub;
    update public.users set subscription_tier = v_plan.code where id = p_payment.user_id;
    v_balance := private.post_ledger(
      p_payment.user_id, v_plan.monthly_credits, 'subscription',
      format('%s plan: %s credits for %s to %s', v_plan.name, v_plan.monthly_credits,
             to_char(v_sub.current_period_start, 'YYYY-MM-DD'), to_char(v_sub.current_period_end, 'YYYY-MM-DD')),
      'payfast:' || p_payment.pf_payment_id, v_sub.id);
    insert into public.notifications (user_id, type, title, message, action_url)
    values (p_payment.user_id, 'payment_success', format('Welcome to %s', v_plan.name),
            format('Your %s plan is active: %s credits added. Balance: %s.', v_plan.name, v_plan.monthly_credits,
                   v_balance),
            'stagefy subscription status');
    return jsonb_build_object('outcome', 'subscription_started', 'subscription_id', v_sub.id,
                              'user_id', v_sub.user_id, 'credits', v_plan.monthly_credits, 'balance', v_balance);
  end if;

  if v_sub.id is null then
    if p_payment.status = 'FAILED' and p_payment.user_id is not null then
      insert into public.notifications (user_id, type, title, message, action_url)
      values (p_payment.user_id, 'payment_failed', 'Payment failed',
              format('The first payment of your %s plan did not go through.', p_payment.item_code),
              'stagefy plans');
      return jsonb_build_object('outcome', 'failed');
    end if;
    return jsonb_build_object('outcome', 'unknown_subscription');
  end if;

  if p_payment.status = 'COMPLETE' then
    -- A renewal: the month's credits, the period moves on; a paused or past-due subscription is
    -- active again (a cancelled one stays cancelled: this is its last paid month).
    v_start := coalesce(v_billing_date::timestamptz, greatest(v_sub.current_period_end, now()));
    update public.subscriptions
       set status = case when status = 'cancelled' then status else 'active' end,
           current_period_start = v_start, current_period_end = v_start + interval '1 month',
           credits_remaining = monthly_credits, paused_at = null, resume_requested_at = null,
           ended_at = null
     where id = v_sub.id
    returning * into v_sub;
    update public.users set subscription_tier = v_sub.plan_id::public.subscription_tier where id = v_sub.user_id;
    v_balance := private.post_ledger(
      v_sub.user_id, v_sub.monthly_credits, 'subscription',
      format('%s plan renewal: %s credits for %s to %s', v_sub.plan_id, v_sub.monthly_credits,
             to_char(v_sub.current_period_start, 'YYYY-MM-DD'), to_char(v_sub.current_period_end, 'YYYY-MM-DD')),
      'payfast:' || p_payment.pf_payment_id, v_sub.id);
    insert into public.notifications (user_id, type, title, message, action_url)
    values (v_sub.user_id, 'subscription_renewal', 'Plan renewed',
            format('Your %s plan renewed until %s: %s credits added. Balance: %s.', v_sub.plan_id,
                   to_char(v_sub.current_period_end, 'YYYY-MM-DD'), v_sub.monthly_credits, v_balance),
            'stagefy credits history');
    return jsonb_build_object('outcome', 'renewed', 'subscription_id', v_sub.id, 'user_id', v_sub.user_id,
                              'credits', v_sub.monthly_credits, 'balance', v_balance);
  elsif p_payment.status = 'CANCELLED' then
    update public.subscriptions set status = 'cancelled', cancelled_at = coalesce(cancelled_at, now())
     where id = v_sub.id
    returning * into v_sub;
    insert into public.notifications (user_id, type, title, message, action_url)
    values (v_sub.user_id, 'system', 'Plan cancelled',
            format('Your %s plan is cancelled; you keep it until %s.', v_sub.plan_id,
                   to_char(v_sub.current_period_end, 'YYYY-MM-DD')),
            'stagefy subscription status');
    perform private.expire_subscriptions(v_sub.user_id);
    return jsonb_build_object('outcome', 'cancelled', 'subscription_id', v_sub.id, 'user_id', v_sub.user_id);
  elsif p_payment.status = 'FAILED' then
    update public.subscriptions set status = 'past_due' where id = v_sub.id;
    insert into public.notifications (user_id, type, title, message, action_url)
    values (v_sub.user_id, 'payment_failed', 'Subscription payment failed',
            format('The payment for your %s plan failed. Update your card with PayFast before %s to keep it.',
                   v_sub.plan_id, to_char(v_sub.current_period_end, 'YYYY-MM-DD')),
            'stagefy subscription status');
    return jsonb_build_object('outcome', 'past_due', 'subscription_id', v_sub.id, 'user_id', v_sub.user_id);
  end if;
  return jsonb_build_object('outcome', 'ignored', 'subscription_id', v_sub.id, 'user_id', v_sub.user_id);
end;
$$;

revoke execute on function private.apply_subscription_payment(public.payments, jsonb) from public, anon, authenticated;

create function public.apply_payfast_itn(p_itn jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_pf_id text := nullif(btrim(p_itn ->> 'pf_payment_id'), '');
  v_status text := upper(coalesce(nullif(btrim(p_itn ->> 'payment_status'), ''), 'UNKNOWN'));
  v_kind text := coalesce(nullif(btrim(p_itn ->> 'custom_str2'), ''), 'unknown');
  v_user_ref text := btrim(coalesce(p_itn ->> 'custom_str1', ''));
  v_token text := nullif(btrim(p_itn ->> 'token'), '');
  v_user_id uuid;
  v_payment public.payments;
  v_result jsonb;
begin
  if v_pf_id is null then
    raise exception using errcode = 'P0422', message = 'the notification has no pf_payment_id';
  end if;
  -- The subscription's token names its owner; otherwise custom_str1 does.
  select s.user_id into v_user_id from public.subscriptions s where v_token is not null and s.payfast_subscription_id = v_token;
  if v_user_id is null and v_user_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select u.id into v_user_id from public.users u where u.id = v_user_ref::uuid;
  end if;

  -- Serialise per user, in the edit path's lock order: the user row first (post_ledger locks it
  -- too), then the payment row. Inserting the payment first takes a key-share lock on the user
  -- through the foreign key, and two notices for one user then deadlock upgrading it.
  if v_user_id is not null then
    perform 1 from public.users u where u.id = v_user_id for update;
  end if;

  -- The idempotency gate: a concurrent duplicate waits here for the first to commit, then conflicts.
  insert into public.payments (pf_payment_id, status, m_payment_id, user_id, kind, item_code, amount, outcome, raw)
  values (v_pf_id, v_status, p_itn ->> 'm_payment_id', v_user_id, v_kind, nullif(btrim(p_itn ->> 'custom_str3'), ''),
          nullif(btrim(p_itn ->> 'amount_gross'), '')::numeric, 'processing', p_itn)
  on conflict (pf_payment_id, status) do nothing
  returning * into v_payment;

  if v_payment.id is null then
    select * into v_payment from public.payments where pf_payment_id = v_pf_id and status = v_status;
    return jsonb_build_object('pf_payment_id', v_pf_id, 'status', v_status, 'replay', true,
                              'outcome', v_payment.outcome, 'user_id', v_payment.user_id, 'credits', 0);
  end if;

  v_result := case v_kind
    when 'pack' then private.apply_pack_payment(v_payment)
    when 'subscription' then private.apply_subscription_payment(v_payment, p_itn)
    else jsonb_build_object('outcome', 'unknown_kind')
  end;

  update public.payments
     set outcome = v_result ->> 'outcome',
         credits = coalesce((v_result ->> 'credits')::integer, 0),
         subscription_id = (v_result ->> 'subscription_id')::uuid,
         user_id = coalesce((v_result ->> 'user_id')::uuid, user_id)
   where id = v_payment.id;
  if v_user_id is not null then
    perform private.expire_subscriptions(v_user_id);
  end if;

  return jsonb_build_object('pf_payment_id', v_pf_id, 'status', v_status, 'replay', false,
                            'user_id', coalesce((v_result ->> 'user_id')::uuid, v_user_id)) || v_result;
end;
$$;

revoke execute on function public.apply_payfast_itn(jsonb) from public, anon, authenticated;
grant execute on function public.apply_payfast_itn(jsonb) to service_role;

-- ---------------------------------------------------------------------------------------------
-- Agent RPCs
-- ---------------------------------------------------------------------------------------------

-- The caller's tier, balance, latest subscription and its plan (ending what has ended first).
create function public.subscription_status()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.signed_in_user();
  v_user public.users;
  v_sub public.subscriptions;
begin
  perform private.expire_subscriptions(v_uid);
  select * into v_user from public.users where id = v_uid;
  select * into v_sub from public.subscriptions where user_id = v_uid order by created_at desc limit 1;
  return jsonb_build_object(
    'user_id', v_uid, 'email', v_user.email, 'full_name', v_user.full_name,
    'subscription_tier', v_user.subscription_tier, 'credits', v_user.credits,
    'subscription', case when v_sub.id is null then null else to_jsonb(v_sub) end,
    'plan', (select to_jsonb(p) from public.plans p where p.code::text = v_sub.plan_id));
end;
$$;

revoke execute on function public.subscription_status() from public, anon;
grant execute on function public.subscription_status() to authenticated, service_role;

-- Record what the agent asked PayFast to do. Only changes that cost the agent (cancel, pause) or
-- a resume *request* are possible: `active` comes from PayFast's next payment, never from here.
create function public.record_subscription_change(p_subscription_id uuid, p_action text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_sub public.subscriptions;
begin
  select * into v_sub from public.subscriptions where id = p_subscription_id for update;
  if not found or v_sub.user_id is distinct from (select auth.uid()) then
    raise exception using errcode = 'P0404', message = format('subscription %s not found', p_subscription_id);
  end if;
  if v_sub.ended_at is not null then
    raise exception using errcode = 'P0422', message = format('your %s plan has already ended', v_sub.plan_id);
  end if;
  if p_action = 'cancel' then
    if v_sub.status = 'cancelled' then
      raise exception using errcode = 'P0422', message = 'the subscription is already cancelled';
    end if;
    update public.subscriptions set status = 'cancelled', cancelled_at = now() where id = v_sub.id
    returning * into v_sub;
  elsif p_action = 'pause' then
    if not (v_sub.status = 'active' or (v_sub.status = 'paused' and v_sub.resume_requested_at is not null)) then
      raise exception using errcode = 'P0422', message = format('only an active subscription can be paused (this one is %s)', v_sub.status);
    end if;
    update public.subscriptions set status = 'paused', paused_at = now(), resume_requested_at = null
     where id = v_sub.id
    returning * into v_sub;
  elsif p_action = 'resume' then
    if v_sub.status <> 'paused' or v_sub.resume_requested_at is not null then
      raise exception using errcode = 'P0422', message = format('only a paused subscription can be resumed (this one is %s)', v_sub.status);
    end if;
    update public.subscriptions set resume_requested_at = now() where id = v_sub.id
    returning * into v_sub;
  else
    raise exception using errcode = 'P0422', message = format('unknown subscription action %s', p_action);
  end if;
  return to_jsonb(v_sub);
end;
$$;

revoke execute on function public.record_subscription_change(uuid, text) from public, anon;
grant execute on function public.record_subscription_change(uuid, text) to authenticated;

