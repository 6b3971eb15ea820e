-- Subscriptions that keep what was paid, and the right names for welcome credits and failed jobs.
--
-- - A PayFast notice for a subscription that is no longer the agent's current one (the agent has
--   started another plan since) never changes the tier or the current plan; a payment it reports is
--   credited once, with the replaced plan's monthly credits (private.apply_subscription_payment).
-- - Welcome credits are a `bonus` in the ledger, not a `subscription` payment
--   (private.grant_welcome_credits); rows written before this change keep their type.
-- - A failed project's notification is a `job_failed` one, not `system` (private.refresh_project).
--
-- The enum values are added, never renamed or removed: rows and clients that know the old ones keep
-- working. A value added here is not used by any statement of this file, only by function bodies,
-- which PostgreSQL checks when they run (after this transaction has committed).

-- Credits Stagefy gives away (the welcome credits), neither bought nor a plan's payment.
alter type public.credit_transaction_type add value if not exists 'bonus';

alter type public.notification_type add value if not exists 'job_failed';

-- ---------------------------------------------------------------------------------------------
-- Welcome credits: 50, once per user ever, recorded as a bonus.
-- ---------------------------------------------------------------------------------------------
create or replace function private.grant_welcome_credits(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- A grant made by an earlier version (type `subscription`, with or without the reference) counts too.
  if exists (select 1 from public.credit_transactions t
              where t.user_id = p_user_id
                and (t.reference_id = 'welcome'
                     or (t.type = 'subscription' and t.description = 'Welcome credits'))) then
    return;
  end if;
  perform private.post_ledger(p_user_id, 50, 'bonus', 'Welcome credits', 'welcome');
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Projects
-- ---------------------------------------------------------------------------------------------
-- Recompute a project's status from its jobs; notify once when it reaches a terminal state. Since
-- 20261206002000, a project stopped with some results is 'cancelled' (the rest may be retried), not
-- 'completed'; here, a failed project's notice is a `job_failed` one, no longer `system`.
create or replace function private.refresh_project(p_project_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_project public.projects;
  v_total integer; v_queued integer; v_processing integer; v_completed integer; v_failed integer;
  v_cancelled integer;
  v_status public.job_status;
  v_error text;
  v_outputs jsonb;
begin
  select * into v_project from public.projects where id = p_project_id for update;
  if not found then
    return;
  end if;
  select count(*), count(*) filter (where j.status = 'queued'), count(*) filter (where j.status = 'processing'),
         count(*) filter (where j.status = 'completed'), count(*) filter (where j.status = 'failed'),
         count(*) filter (where j.status = 'cancelled'),
         string_agg(distinct j.error_message, '; ') filter (where j.status = 'failed'),
         coalesce(jsonb_agg(jsonb_build_object(
           'job_id', j.id, 'path', j.output_url, 'source', j.input ->> 'filename',
           'variation', (j.input ->> 'variation')::int) order by j.created_at)
           filter (where j.status = 'completed'), '[]'::jsonb)
    into v_total, v_queued, v_processing, v_completed, v_failed, v_cancelled, v_error, v_outputs
    from public.ai_jobs j where j.project_id = p_project_id;

  v_status := (case
    when v_processing > 0 then 'processing'
    when v_queued > 0 then (case when v_completed + v_failed > 0 then 'processing' else 'queued' end)
    when v_cancelled > 0 and v_completed > 0 then 'cancelled'
    when v_completed > 0 then 'completed'
    when v_failed > 0 then 'failed'
    when v_cancelled > 0 then 'cancelled'
    else v_project.status::text
  end)::public.job_status;

  update public.projects
     set status = v_status,
         error_message = case when v_failed > 0 then v_error else null end,
         output_data = coalesce(output_data, '{}'::jsonb) || jsonb_build_object(
           'outputs', v_outputs, 'completed', v_completed, 'failed', v_failed, 'cancelled', v_cancelled,
           'total', v_total),
         completed_at = case when v_status in ('completed', 'failed', 'cancelled') then coalesce(completed_at, now()) end
   where id = p_project_id;

  if v_status is distinct from v_project.status and v_status in ('completed', 'failed') then
    insert into public.notifications (user_id, type, title, message, action_url)
    values (
      v_project.user_id,
      case when v_status = 'completed' then 'job_completed' else 'job_failed' end::public.notification_type,
      case when v_status = 'completed' then format('%s is ready', v_project.name)
           else format('%s failed', v_project.name) end,
      case when v_status = 'completed'
           then format('%s of %s results ready%s.', v_completed, v_total,
                       case when v_failed > 0 then format(' (%s failed and were refunded)', v_failed) else '' end)
           else format('%s. Your credits were refunded.', coalesce(v_error, 'The job failed')) end,
      format('stagefy projects show %s', v_project.id)
    );
  end if;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- Subscription payments
-- ---------------------------------------------------------------------------------------------
create or replace function private.apply_subscription_payment(p_payment public.payments, p_itn jsonb)
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
  v_newer_plan text;
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

  -- A notice for a subscription that is no longer the agent's current one (a newer one has started
  -- since) never changes the tier, the newer plan or this one's period. What it pays for, by one
  -- rule: a payment PayFast took is credited once (the month's credits of the plan it was taken
  -- for, once per pf_payment_id like every payment), and the agent is told to stop it at PayFast;
  -- any other notice is recorded and changes nothing.
  select n.plan_id into v_newer_plan from public.subscriptions n
   where n.user_id = v_sub.user_id and n.id <> v_sub.id and n.created_at > v_sub.created_at
   order by n.created_at desc limit 1;
  if found then
    if p_payment.status <> 'COMPLETE' then
      return jsonb_build_object('outcome', 'superseded_ignored', 'subscription_id', v_sub.id,
                                'user_id', v_sub.user_id);
    end if;
    v_balance := private.post_ledger(
      v_sub.user_id, v_sub.monthly_credits, 'subscription',
      format('%s plan payment after it was replaced by %s: %s credits', v_sub.plan_id, v_newer_plan,
             v_sub.monthly_credits),
      'payfast:' || p_payment.pf_payment_id, v_sub.id);
    insert into public.notifications (user_id, type, title, message, action_url)
    values (v_sub.user_id, 'payment_success', 'Payment for a replaced plan',
            format('PayFast took a payment for your old %s plan although your plan is now %s: its %s credits '
                   'were added (balance: %s) and your plan stays %s. If PayFast should not bill it, cancel it '
                   'there.', v_sub.plan_id, v_newer_plan, v_sub.monthly_credits, v_balance, v_newer_plan),
            'stagefy credits history');
    return jsonb_build_object('outcome', 'superseded_credited', 'subscription_id', v_sub.id,
                              'user_id', v_sub.user_id, 'credits', v_sub.monthly_credits, 'balance', v_balance);
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

