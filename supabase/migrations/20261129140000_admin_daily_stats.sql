-- Per-day figures for `stagefy admin stats --chart`: AI jobs, credits sold and used, revenue, one row
-- per UTC day from p_since (default: the last 30 days) to today, days without activity included.
-- The same definitions as admin_stats, so a chart's days add up to the totals over the same period.

create function public.admin_daily_stats(p_since timestamptz default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_today date := (now() at time zone 'UTC')::date;
  v_first date := coalesce((p_since at time zone 'UTC')::date, (now() at time zone 'UTC')::date - 29);
  v_from timestamptz := v_first::timestamp at time zone 'UTC';
begin
  perform private.require_admin();
  if v_today - v_first >= 366 then
    raise exception using errcode = 'P0422',
      message = 'daily figures cover at most 366 days: give a later --since';
  end if;
  return coalesce((
    with days as (
      select generate_series(v_first, v_today, interval '1 day')::date as day
    ), jobs as (
      select (j.created_at at time zone 'UTC')::date as day, count(*) as jobs,
             count(*) filter (where j.status = 'failed') as jobs_failed
        from public.ai_jobs j where j.created_at >= v_from group by 1
    ), ledger as (
      select (t.created_at at time zone 'UTC')::date as day,
             coalesce(sum(t.amount) filter (where t.type = 'purchase'), 0) as credits_purchased,
             coalesce(sum(t.amount) filter (where t.type = 'subscription' and t.subscription_id is not null), 0)
               as credits_subscription,
             coalesce(-sum(t.amount) filter (where t.type in ('usage', 'refund')), 0) as credits_used
        from public.credit_transactions t where t.created_at >= v_from group by 1
    ), revenue as (
      select (p.created_at at time zone 'UTC')::date as day, sum(p.amount) as revenue_zar
        from public.payments p where p.credits > 0 and p.created_at >= v_from group by 1
    )
    select jsonb_agg(jsonb_build_object(
             'day', d.day,
             'jobs', coalesce(j.jobs, 0),
             'jobs_failed', coalesce(j.jobs_failed, 0),
             'credits_purchased', coalesce(l.credits_purchased, 0),
             'credits_subscription', coalesce(l.credits_subscription, 0),
             'credits_used', coalesce(l.credits_used, 0),
             'revenue_zar', coalesce(r.revenue_zar, 0)) order by d.day)
      from days d
      left join jobs j on j.day = d.day
      left join ledger l on l.day = d.day
      left join revenue r on r.day = d.day), '[]'::jsonb);
end;
$$;

revoke execute on function public.admin_daily_stats(timestamptz) from public, anon;
grant execute on function public.admin_daily_stats(timestamptz) to authenticated, service_role;
