-- PayFast moves to the server: the Edge Function `supabase/functions/payfast` signs checkout links,
-- calls PayFast's subscriptions API and receives the notifications; the database keeps what it needs.
--
-- 1. payfast_checkouts: the links the function handed out (who, what, how much), so a purchase can
--    be followed from the link to its payment; written and read by the service role only.
-- 2. apply_payfast_itn locks the user before writing the payment row (no deadlock under a burst),
--    and expire_subscriptions never waits for a user's row while holding a subscription's.
-- 3. Agents read only their payments' item, amount, status and date: never the raw notification
--    (it carries PayFast's signature) nor anything else the passphrase signs.

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

create or replace function public.apply_payfast_itn(p_itn jsonb)
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

create or replace function private.expire_subscriptions(p_user_id uuid default null)
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

-- Column privileges: an agent's own payments (RLS) and only these columns of them.
revoke select on table public.payments from authenticated;
grant select (id, kind, item_code, amount, status, created_at) on table public.payments to authenticated;
