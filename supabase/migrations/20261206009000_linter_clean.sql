-- Supabase's database linter (the dashboard's Advisors) finds nothing to warn about.
--
-- 1. SECURITY DEFINER code leaves the API's schema (lint 0029, and 0028 for anon). Every
--    SECURITY DEFINER function of `public` (the schema the Data API exposes) that can be called
--    as an RPC moves, unchanged and with its privileges, to `api_definer`, which the Data API does
--    not expose. In its place `public` gets a SECURITY INVOKER function of the same name,
--    arguments (names, modes, defaults), result, volatility, strictness, comment and EXECUTE
--    privileges, which calls it. So what the API exposes is invoker code; the definer code behind
--    it checks its caller exactly as before: it runs in the same transaction, where the request's
--    `role` and `request.jwt.claims` are still set, so `auth.uid()`, `auth.role()` and `auth.jwt()`
--    read the caller's token as they did. Only `current_user` differs inside it (the owner, as it
--    always was for definer code). Policies and triggers name functions by identity, so those that
--    used a moved function (e.g. `is_admin()` in the policies) keep using it, in its new schema.
--
--    The functions are found in the catalog, not listed here: whatever an earlier migration defined
--    or redefined is handled, and no function body is copied. A later migration that redefines one
--    of these RPCs redefines `api_definer.<name>` (the `public` one only calls it); the test suite
--    runs the linter and fails on a definer function back in `public`.
--
-- 2. One permissive policy per role and action on `media_items` (lint 0006): the owner's write
--    policy was FOR ALL, so for SELECT it overlapped the read policy (whose condition contains
--    it). It becomes one policy per writing command with the same roles and conditions.

create schema if not exists api_definer;
comment on schema api_definer is
  'SECURITY DEFINER code behind the RPCs of public (not exposed by the Data API); public holds SECURITY INVOKER functions that call it';
revoke all on schema api_definer from public;
grant usage on schema api_definer to anon, authenticated, service_role;

do $$
declare
  f record;
  grantee record;
  call_args text;
  call text;
  body text;
  wrapper regprocedure;
  old_path text := current_setting('search_path');
begin
  -- every type and default below is printed schema-qualified
  perform set_config('search_path', '', true);
  for f in
    select p.oid, p.proname, p.pronargs, p.provariadic, p.proretset, p.prorettype, p.provolatile,
           p.proisstrict, p.proleakproof, p.prorows, p.proparallel,
           coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner)) as acl,
           pg_catalog.pg_get_function_arguments(p.oid) as args,
           pg_catalog.pg_get_function_identity_arguments(p.oid) as identity_args,
           pg_catalog.oidvectortypes(p.proargtypes) as input_types,
           pg_catalog.pg_get_function_result(p.oid) as result,
           pg_catalog.obj_description(p.oid, 'pg_proc') as description
      from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.prosecdef
       and p.prokind = 'f'
       and p.prorettype not in ('trigger'::regtype, 'event_trigger'::regtype)  -- not callable as RPCs
     order by p.proname, p.oid
  loop
    execute format('alter function public.%I(%s) set schema api_definer', f.proname, f.identity_args);

    -- the call passes every input argument by position ($n counts input arguments only)
    select coalesce(string_agg(case when f.provariadic <> 0 and n = f.pronargs then 'variadic ' else '' end
                               || '$' || n, ', ' order by n), '')
      into call_args
      from generate_series(1, f.pronargs) as n;
    call := format('api_definer.%I(%s)', f.proname, call_args);
    -- a set, or a row of OUT parameters, is read from the function; one value is the value itself
    -- (`select * from` would turn a null composite into a row of nulls)
    body := case when f.proretset or f.prorettype = 'record'::regtype
                 then 'select * from ' || call else 'select ' || call end;

    execute format(
      'create function public.%I(%s) returns %s language sql security invoker %s %s %s %s %s '
      'set search_path = '''' as %L',
      f.proname, f.args, f.result,
      case f.provolatile when 'i' then 'immutable' when 's' then 'stable' else 'volatile' end,
      case when f.proisstrict then 'strict' else 'called on null input' end,
      case when f.proleakproof then 'leakproof' else 'not leakproof' end,
      case f.proparallel when 's' then 'parallel safe' when 'r' then 'parallel restricted' else 'parallel unsafe' end,
      case when f.proretset then format('rows %s', f.prorows) else '' end,
      body);
    wrapper := format('public.%I(%s)', f.proname, f.input_types)::regprocedure;

    -- exactly the moved function's EXECUTE privileges (not the schema's default privileges)
    for grantee in
      select distinct a.grantee from pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
       where p.oid = wrapper and a.grantee <> p.proowner
    loop
      execute format('revoke all on function %s from %s', wrapper,
                     case when grantee.grantee = 0 then 'public' else grantee.grantee::regrole::text end);
    end loop;
    if not exists (select 1 from pg_catalog.aclexplode(f.acl) a where a.grantee = 0) then
      execute format('revoke all on function %s from public', wrapper);
    end if;
    for grantee in
      select a.grantee, a.is_grantable from pg_catalog.aclexplode(f.acl) a
       where a.privilege_type = 'EXECUTE' and a.grantee <> (select proowner from pg_catalog.pg_proc where oid = f.oid)
    loop
      execute format('grant execute on function %s to %s%s', wrapper,
                     case when grantee.grantee = 0 then 'public' else grantee.grantee::regrole::text end,
                     case when grantee.is_grantable then ' with grant option' else '' end);
    end loop;

    if f.description is not null then
      execute format('comment on function %s is %L', wrapper, f.description);
    end if;
  end loop;
  perform set_config('search_path', old_path, true);
end
$$;

-- media_items: the FOR ALL write policy, split by command (its conditions read from the catalog)
do $$
declare
  p record;
  cmd text;
  old_path text := current_setting('search_path');
begin
  perform set_config('search_path', '', true);  -- the conditions are printed schema-qualified
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.media_items'::regclass and polcmd = 'r' and polpermissive) then
    raise exception 'media_items has no read policy: the write policy cannot stop covering reads';
  end if;
  for p in
    select pol.polname, pol.polroles,
           pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) as using_expr,
           pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) as check_expr
      from pg_catalog.pg_policy pol
     where pol.polrelid = 'public.media_items'::regclass and pol.polcmd = '*' and pol.polpermissive
  loop
    execute format('drop policy %I on public.media_items', p.polname);
    foreach cmd in array array['insert', 'update', 'delete'] loop
      execute format(
        'create policy %I on public.media_items as permissive for %s to %s %s %s',
        left(p.polname, 54) || ' (' || cmd || ')', cmd,
        (select string_agg(case when r = 0 then 'public' else r::regrole::text end, ', ')
           from unnest(p.polroles) as r),
        case when cmd <> 'insert' and p.using_expr is not null then format('using (%s)', p.using_expr) else '' end,
        case when cmd <> 'delete' and coalesce(p.check_expr, p.using_expr) is not null
             then format('with check (%s)', coalesce(p.check_expr, p.using_expr)) else '' end);
    end loop;
  end loop;
  perform set_config('search_path', old_path, true);
end
$$;
