-- Chapter 7, the admin console: credit grants and revocations, role and tier changes, each audited
-- in the same transaction, and the read-only views admins need (users, audit, AI spend, stats,
-- ledger reconciliation).
--
-- Every function checks the caller itself: an admin (public.is_admin()) or the service role (the
-- operator making the first admin). Anyone else gets SQLSTATE P0403, which the CLI shows as
-- "permission denied: admins only" with exit code 6. The check is the database's, not the CLI's.

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- The acting admin's id (null for the service role), or P0403.
create function private.require_admin()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  if (select auth.role()) = 'service_role' then
    return null;
  end if;
  if not coalesce((select public.is_admin()), false) then
    raise exception using errcode = 'P0403', message = 'admins only';
  end if;
  return (select auth.uid());
end;
$$;

revoke execute on function private.require_admin() from public, anon, authenticated;

-- A user by email (any case), full id, or the first characters of the id (git-like).
create function private.find_user(p_ref text, p_lock boolean default false)
returns public.users
language plpgsql
set search_path = ''
as $$
declare
  v_ref text := lower(btrim(coalesce(p_ref, '')));
  v_ids uuid[];
  v_user public.users;
begin
  if v_ref like '%@%' then
    select array_agg(u.id) into v_ids from public.users u where lower(u.email) = v_ref;
  elsif v_ref ~ '^[0-9a-f-]{4,36}$' then
    select array_agg(u.id) into v_ids from (
      select u.id from public.users u where u.id::text like v_ref || '%' limit 2
    ) u;
  end if;
  if coalesce(cardinality(v_ids), 0) = 0 then
    raise exception using errcode = 'P0404', message = format('no user %s', p_ref);
  end if;
  if cardinality(v_ids) > 1 then
    raise exception using errcode = 'P0422', message = format('%s matches more than one user; give more of the id', p_ref);
  end if;
  if p_lock then
    select * into v_user from public.users where id = v_ids[1] for update;
  else
    select * into v_user from public.users where id = v_ids[1];
  end if;
  return v_user;
end;
$$;

revoke execute on function private.find_user(text, boolean) from public, anon, authenticated;

create function private.audit(p_admin uuid, p_action text, p_resource_type text, p_resource_id uuid,
                              p_old jsonb, p_new jsonb)
returns void
language sql
set search_path = ''
as $$
  insert into public.admin_audit_log (admin_user_id, action, resource_type, resource_id, old_values, new_values)
  values (p_admin, p_action, p_resource_type, p_resource_id, p_old,
          p_new || jsonb_build_object('by', coalesce(p_admin::text, 'service_role')));
$$;

revoke execute on function private.audit(uuid, text, text, uuid, jsonb, jsonb) from public, anon, authenticated;

-- A grant or revocation: an amount from 1 to 1,000,000 credits, and a reason. The same limit and
-- error for both directions (a revocation is also held to the user's balance).
create function private.check_credit_change(p_amount integer, p_reason text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_amount is null or p_amount <= 0 or p_amount > 1000000 then
    raise exception using errcode = 'P0422', message = 'the amount must be between 1 and 1000000 credits';
  end if;
  if coalesce(btrim(p_reason), '') = '' then
    raise exception using errcode = 'P0422', message = 'a reason is required';
  end if;
end;
$$;

revoke execute on function private.check_credit_change(integer, text) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Changes: one transaction each, ledger (where credits move) and audit together.
-- ---------------------------------------------------------------------------------------------
create function public.admin_grant_credits(p_user text, p_amount integer, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.require_admin();
  v_user public.users;
  v_balance integer;
begin
  perform private.check_credit_change(p_amount, p_reason);
  v_user := private.find_user(p_user, true);
  v_balance := private.post_ledger(v_user.id, p_amount, 'adjustment', format('Granted by an admin: %s', btrim(p_reason)),
                                   'admin:' || coalesce(v_admin::text, 'service_role'));
  perform private.audit(v_admin, 'grant_credits', 'user', v_user.id,
                        jsonb_build_object('credits', v_user.credits),
                        jsonb_build_object('credits', v_balance, 'amount', p_amount, 'reason', btrim(p_reason)));
  return jsonb_build_object('user_id', v_user.id, 'email', v_user.email, 'amount', p_amount,
                            'balance_before', v_user.credits, 'balance', v_balance);
end;
$$;

revoke execute on function public.admin_grant_credits(text, integer, text) from public, anon;
grant execute on function public.admin_grant_credits(text, integer, text) to authenticated, service_role;

create function public.admin_revoke_credits(p_user text, p_amount integer, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.require_admin();
  v_user public.users;
  v_balance integer;
begin
  perform private.check_credit_change(p_amount, p_reason);
  v_user := private.find_user(p_user, true);
  if p_amount > v_user.credits then
    raise exception using errcode = 'P0422',
      message = format('cannot revoke %s credits: %s has only %s', p_amount, v_user.email, v_user.credits);
  end if;
  v_balance := private.post_ledger(v_user.id, -p_amount, 'adjustment', format('Revoked by an admin: %s', btrim(p_reason)),
                                   'admin:' || coalesce(v_admin::text, 'service_role'));
  perform private.audit(v_admin, 'revoke_credits', 'user', v_user.id,
                        jsonb_build_object('credits', v_user.credits),
                        jsonb_build_object('credits', v_balance, 'amount', p_amount, 'reason', btrim(p_reason)));
  return jsonb_build_object('user_id', v_user.id, 'email', v_user.email, 'amount', p_amount,
                            'balance_before', v_user.credits, 'balance', v_balance);
end;
$$;

revoke execute on function public.admin_revoke_credits(text, integer, text) from public, anon;
grant execute on function public.admin_revoke_credits(text, integer, text) to authenticated, service_role;

create function public.admin_set_role(p_user text, p_role text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.require_admin();
  v_user public.users;
begin
  if not (p_role = any (enum_range(null::public.user_role)::text[])) then
    raise exception using errcode = 'P0422', message = format('unknown role %s (agent or admin)', p_role);
  end if;
  v_user := private.find_user(p_user, true);
  update public.users set role = p_role::public.user_role where id = v_user.id;
  perform private.audit(v_admin, 'set_role', 'user', v_user.id,
                        jsonb_build_object('role', v_user.role), jsonb_build_object('role', p_role));
  return jsonb_build_object('user_id', v_user.id, 'email', v_user.email, 'old_role', v_user.role, 'role', p_role);
end;
$$;

revoke execute on function public.admin_set_role(text, text) from public, anon;
grant execute on function public.admin_set_role(text, text) to authenticated, service_role;

create function public.admin_set_tier(p_user text, p_tier text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_admin uuid := private.require_admin();
  v_user public.users;
begin
  if not (p_tier = any (enum_range(null::public.subscription_tier)::text[])) then
    raise exception using errcode = 'P0422', message = format('unknown tier %s (free, basic, pro or enterprise)', p_tier);
  end if;
  v_user := private.find_user(p_user, true);
  update public.users set subscription_tier = p_tier::public.subscription_tier where id = v_user.id;
  perform private.audit(v_admin, 'set_tier', 'user', v_user.id,
                        jsonb_build_object('subscription_tier', v_user.subscription_tier),
                        jsonb_build_object('subscription_tier', p_tier));
  return jsonb_build_object('user_id', v_user.id, 'email', v_user.email,
                            'old_tier', v_user.subscription_tier, 'subscription_tier', p_tier);
end;
$$;

revoke execute on function public.admin_set_tier(text, text) from public, anon;
grant execute on function public.admin_set_tier(text, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Reads. RLS already lets admins read every row; these functions make an agent's attempt a
-- clear refusal instead of a quietly filtered answer, and do the aggregation in SQL.
-- ---------------------------------------------------------------------------------------------
create function public.admin_list_users(p_role text default null, p_tier text default null,
                                        p_search text default null, p_limit integer default 30)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_total integer;
  v_rows jsonb;
  v_search text := '%' || lower(btrim(coalesce(p_search, ''))) || '%';
begin
  perform private.require_admin();
  with matching as (
    select u.* from public.users u
     where (p_role is null or u.role::text = p_role)
       and (p_tier is null or u.subscription_tier::text = p_tier)
       and (p_search is null or lower(u.email) like v_search or lower(u.full_name) like v_search
            or lower(coalesce(u.brokerage, '')) like v_search)
  )
  select (select count(*) from matching),
         coalesce((select jsonb_agg(to_jsonb(m) order by m.created_at desc, m.id)
                     from (select * from matching order by created_at desc, id limit greatest(p_limit, 1)) m), '[]')
    into v_total, v_rows;
  return jsonb_build_object('total', v_total, 'users', v_rows);
end;
$$;

revoke execute on function public.admin_list_users(text, text, text, integer) from public, anon;
grant execute on function public.admin_list_users(text, text, text, integer) to authenticated, service_role;

create function public.admin_show_user(p_user text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user public.users;
begin
  perform private.require_admin();
  v_user := private.find_user(p_user);
  return to_jsonb(v_user) || jsonb_build_object(
    'ledger_sum', (select coalesce(sum(t.amount), 0) from public.credit_transactions t where t.user_id = v_user.id),
    'subscription', (select to_jsonb(s) from public.subscriptions s where s.user_id = v_user.id
                      order by s.created_at desc limit 1),
    'projects', (select count(*) from public.projects p where p.user_id = v_user.id),
    'jobs', (select count(*) from public.ai_jobs j where j.user_id = v_user.id),
    'paid_zar', (select coalesce(sum(p.amount), 0) from public.payments p
                  where p.user_id = v_user.id and p.credits > 0),
    'recent_transactions', coalesce((
      select jsonb_agg(to_jsonb(t) order by t.created_at desc)
        from (select id, amount, type, description, reference_id, created_at from public.credit_transactions
               where user_id = v_user.id order by created_at desc limit 10) t), '[]'));
end;
$$;

revoke execute on function public.admin_show_user(text) from public, anon;
grant execute on function public.admin_show_user(text) to authenticated, service_role;

create function public.admin_audit_entries(p_admin text default null, p_resource text default null,
                                           p_since timestamptz default null, p_limit integer default 30)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_admin_id uuid;
begin
  perform private.require_admin();
  if p_admin is not null then
    v_admin_id := (private.find_user(p_admin)).id;
  end if;
  return coalesce((
    select jsonb_agg(to_jsonb(e) order by e.created_at desc)
      from (
        select a.id, a.created_at, a.admin_user_id, coalesce(au.email, a.new_values ->> 'by') as admin_email,
               a.action, a.resource_type, a.resource_id, ru.email as resource_email, a.old_values, a.new_values
          from public.admin_audit_log a
          left join public.users au on au.id = a.admin_user_id
          left join public.users ru on a.resource_type = 'user' and ru.id = a.resource_id
         where (p_admin is null or a.admin_user_id = v_admin_id)
           and (p_resource is null or a.resource_type = p_resource)
           and (p_since is null or a.created_at >= p_since)
         order by a.created_at desc
         limit greatest(p_limit, 1)
      ) e), '[]');
end;
$$;

revoke execute on function public.admin_audit_entries(text, text, timestamptz, integer) from public, anon;
grant execute on function public.admin_audit_entries(text, text, timestamptz, integer) to authenticated, service_role;

-- AI spend per provider and model: volume, failures, latency percentiles, provider cost, credits.
create function public.admin_job_stats(p_service text default null, p_status text default null,
                                       p_since timestamptz default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((
    select jsonb_agg(to_jsonb(s) order by s.service, s.model)
      from (
        select j.service, j.model, count(*) as jobs,
               count(*) filter (where j.status = 'completed') as completed,
               count(*) filter (where j.status = 'failed') as failed,
               round((percentile_cont(0.5) within group (order by j.latency_ms))::numeric) as p50_latency_ms,
               round((percentile_cont(0.95) within group (order by j.latency_ms))::numeric) as p95_latency_ms,
               coalesce(sum(j.api_cost), 0) as api_cost,
               coalesce(sum(j.credit_cost), 0) as credits
          from public.ai_jobs j
         where (p_service is null or j.service::text = p_service)
           and (p_status is null or j.status::text = p_status)
           and (p_since is null or j.created_at >= p_since)
         group by j.service, j.model
      ) s), '[]');
end;
$$;

revoke execute on function public.admin_job_stats(text, text, timestamptz) from public, anon;
grant execute on function public.admin_job_stats(text, text, timestamptz) to authenticated, service_role;

create function public.admin_stats(p_since timestamptz default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_since timestamptz := coalesce(p_since, '-infinity'::timestamptz);
begin
  perform private.require_admin();
  return jsonb_build_object(
    'since', p_since,
    'users', (select count(*) from public.users),
    'new_users', (select count(*) from public.users where created_at >= v_since),
    'admins', (select count(*) from public.users where role = 'admin'),
    'tiers', (select jsonb_object_agg(t.tier, t.n) from (
                select subscription_tier::text as tier, count(*) as n from public.users group by 1) t),
    'active_subscriptions', (select count(*) from public.subscriptions where status = 'active'),
    'credits_purchased', (select coalesce(sum(amount), 0) from public.credit_transactions
                           where type = 'purchase' and created_at >= v_since),
    'credits_subscription', (select coalesce(sum(amount), 0) from public.credit_transactions
                              where type = 'subscription' and subscription_id is not null and created_at >= v_since),
    'credits_used', (select coalesce(-sum(amount), 0) from public.credit_transactions
                      where type in ('usage', 'refund') and created_at >= v_since),
    'credits_adjusted', (select coalesce(sum(amount), 0) from public.credit_transactions
                          where type = 'adjustment' and created_at >= v_since),
    'revenue_zar', (select coalesce(sum(amount), 0) from public.payments
                     where credits > 0 and created_at >= v_since),
    'jobs', (select count(*) from public.ai_jobs where created_at >= v_since),
    'jobs_failed', (select count(*) from public.ai_jobs where status = 'failed' and created_at >= v_since),
    'api_cost', (select coalesce(sum(api_cost), 0) from public.ai_jobs where created_at >= v_since));
end;
$$;

revoke execute on function public.admin_stats(timestamptz) from public, anon;
grant execute on function public.admin_stats(timestamptz) to authenticated, service_role;

-- The ledger invariant, checked for every user: users.credits = sum(credit_transactions.amount).
create function public.admin_reconcile()
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return (
    with sums as (
      select u.id, u.email, u.credits, coalesce(sum(t.amount), 0)::integer as ledger_sum
        from public.users u left join public.credit_transactions t on t.user_id = u.id
       group by u.id
    )
    select jsonb_build_object(
      'checked', count(*),
      'mismatches', coalesce(jsonb_agg(jsonb_build_object(
                      'user_id', s.id, 'email', s.email, 'credits', s.credits, 'ledger_sum', s.ledger_sum,
                      'difference', s.credits - s.ledger_sum) order by s.email)
                    filter (where s.credits <> s.ledger_sum), '[]'))
      from sums s);
end;
$$;

revoke execute on function public.admin_reconcile() from public, anon;
grant execute on function public.admin_reconcile() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- The last admin cannot stop being one (nobody could then run the admin console)
-- ---------------------------------------------------------------------------------------------
create function private.keep_an_admin()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.role = 'admin' and new.role is distinct from 'admin' then
    perform pg_advisory_xact_lock(hashtext('stagefy:admins'));  -- two admins demoting each other
    if not exists (select 1 from public.users u where u.role = 'admin' and u.id <> old.id) then
      raise exception using errcode = 'P0422',
        message = format('%s is the last admin; make another user an admin first', old.email);
    end if;
  end if;
  return new;
end;
$$;

revoke execute on function private.keep_an_admin() from public, anon, authenticated;

create trigger keep_an_admin before update of role on public.users
  for each row execute function private.keep_an_admin();

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
