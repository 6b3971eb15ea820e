-- Chapter 2, who may see and change what: privileges first (what a role may attempt at all), then row level
-- security (which rows): an agent reaches only its own rows, admins go through audited functions.
--
-- * anon sees nothing: no privilege on any table and no policy.
-- * authenticated (an agent or an admin signed in): the privileges below, narrowed by policies that
--   call (select auth.uid()) and (select public.is_admin()) so each is evaluated once per statement.
-- * service_role has BYPASSRLS and every privilege; it is the worker's and the operator's role.
-- Money, job state and admin actions are written by SECURITY DEFINER functions in the chapters
-- that follow, never by direct writes from agents.
-- The `media` Storage bucket and its folder policies close the chapter.

-- ---------------------------------------------------------------------------------------------
-- is_admin(): a SECURITY DEFINER read of users.role. Reading public.users from a policy on
-- public.users directly recurses forever; the definer (the table owner) is not
-- subject to the table's policies.
-- ---------------------------------------------------------------------------------------------
create function public.is_admin()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.users u
    where u.id = (select auth.uid()) and u.role = 'admin'::public.user_role
  );
$$;

revoke execute on function public.is_admin() from public, anon;
grant execute on function public.is_admin() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Privileges. Supabase's default privileges grant ALL on new tables to anon and authenticated,
-- so start from nothing and grant back exactly what each role needs.
-- ---------------------------------------------------------------------------------------------
revoke all on table
  public.users, public.subscriptions, public.credit_transactions, public.projects, public.ai_jobs,
  public.crm_contacts, public.crm_listings, public.media_items, public.templates, public.notifications,
  public.admin_audit_log
from anon, authenticated;

grant all on table
  public.users, public.subscriptions, public.credit_transactions, public.projects, public.ai_jobs,
  public.crm_contacts, public.crm_listings, public.media_items, public.templates, public.notifications,
  public.admin_audit_log
to service_role;

-- Profile fields only: credits, role and subscription_tier stay out of reach.
grant select on table public.users to authenticated;
grant update (full_name, brokerage, market, use_case, avatar_url, phone) on table public.users to authenticated;

-- Read-only for agents: written by the ledger and job functions.
grant select on table public.subscriptions, public.credit_transactions, public.projects, public.ai_jobs
to authenticated;

-- The agent's own working data.
grant select, insert, update, delete on table
  public.crm_contacts, public.crm_listings, public.media_items, public.templates
to authenticated;

-- An agent may only mark a notification read.
grant select on table public.notifications to authenticated;
grant update (read) on table public.notifications to authenticated;

-- Admins read the audit log; rows are written by SECURITY DEFINER admin functions only.
grant select on table public.admin_audit_log to authenticated;

-- ---------------------------------------------------------------------------------------------
-- Row level security on every table.
-- ---------------------------------------------------------------------------------------------
alter table public.users enable row level security;

alter table public.subscriptions enable row level security;

alter table public.credit_transactions enable row level security;

alter table public.projects enable row level security;

alter table public.ai_jobs enable row level security;

alter table public.crm_contacts enable row level security;

alter table public.crm_listings enable row level security;

alter table public.media_items enable row level security;

alter table public.templates enable row level security;

alter table public.notifications enable row level security;

alter table public.admin_audit_log enable row level security;

-- users --------------------------------------------------------------------------------------
create policy "users: read own row; admins read all" on public.users
  for select to authenticated
  using (id = (select auth.uid()) or (select public.is_admin()));

create policy "users: update own profile" on public.users
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- read-only tables ---------------------------------------------------------------------------
create policy "subscriptions: read own; admins read all" on public.subscriptions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create policy "credit_transactions: read own; admins read all" on public.credit_transactions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create policy "projects: read own; admins read all" on public.projects
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create policy "ai_jobs: read own; admins read all" on public.ai_jobs
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

-- crm_contacts -------------------------------------------------------------------------------
create policy "crm_contacts: read own; admins read all" on public.crm_contacts
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create policy "crm_contacts: insert own" on public.crm_contacts
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "crm_contacts: update own" on public.crm_contacts
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "crm_contacts: delete own" on public.crm_contacts
  for delete to authenticated
  using (user_id = (select auth.uid()));

-- crm_listings: its contact, when set, must be the same agent's -------------------------------
create policy "crm_listings: read own; admins read all" on public.crm_listings
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create policy "crm_listings: insert own, linked to own contact" on public.crm_listings
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (
      crm_listings.contact_id is null
      or exists (
        select 1 from public.crm_contacts c
        where c.id = crm_listings.contact_id and c.user_id = (select auth.uid())
      )
    )
  );

create policy "crm_listings: update own, linked to own contact" on public.crm_listings
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and (
      crm_listings.contact_id is null
      or exists (
        select 1 from public.crm_contacts c
        where c.id = crm_listings.contact_id and c.user_id = (select auth.uid())
      )
    )
  );

create policy "crm_listings: delete own" on public.crm_listings
  for delete to authenticated
  using (user_id = (select auth.uid()));

-- media_items: its listing, contact and project, when set, must be the same agent's ------------
create policy "media_items: read own; admins read all" on public.media_items
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

-- One policy for every write (insert, update, delete), so the link checks are written once: the
-- row is the agent's, the files it points at are in the agent's own Storage folder (the worker and
-- the template renderer read them with the service role), and its listing, contact and project,
-- when set, are the agent's own. A delete only needs the row to be the agent's (USING).
create policy "media_items: write own, linked to own rows" on public.media_items
  for all to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and split_part(media_items.url, '/', 1) = (select auth.uid())::text
    and (media_items.thumbnail_url is null
         or split_part(media_items.thumbnail_url, '/', 1) = (select auth.uid())::text)
    and (
      media_items.listing_id is null
      or exists (
        select 1 from public.crm_listings l
        where l.id = media_items.listing_id and l.user_id = (select auth.uid())
      )
    )
    and (
      media_items.contact_id is null
      or exists (
        select 1 from public.crm_contacts c
        where c.id = media_items.contact_id and c.user_id = (select auth.uid())
      )
    )
    and (
      media_items.project_id is null
      or exists (
        select 1 from public.projects p
        where p.id = media_items.project_id and p.user_id = (select auth.uid())
      )
    )
  );

-- templates: public ones are readable by every signed-in user --------------------------------
create policy "templates: read own or public; admins read all" on public.templates
  for select to authenticated
  using (user_id = (select auth.uid()) or is_public or (select public.is_admin()));

create policy "templates: insert own" on public.templates
  for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "templates: update own" on public.templates
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "templates: delete own" on public.templates
  for delete to authenticated
  using (user_id = (select auth.uid()));

-- notifications: the column grant limits updates to `read` ------------------------------------
create policy "notifications: read own; admins read all" on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.is_admin()));

create policy "notifications: mark own read" on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

-- admin_audit_log ----------------------------------------------------------------------------
create policy "admin_audit_log: admins read" on public.admin_audit_log
  for select to authenticated
  using ((select public.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Storage: the private `media` bucket, where every agent owns the folder named after its user id
-- (`<uid>/...`). Downloads go through the agent's session or signed URLs; nothing is public. It
-- takes files up to 50 MiB of the types Stagefy reads and writes (photos, videos, flyers, music);
-- Storage refuses the rest before storing a byte.
-- ---------------------------------------------------------------------------------------------
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('media', 'media', false, 50 * 1024 * 1024, array[
  'image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif',
  'video/mp4', 'application/pdf',
  'audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/x-wav', 'audio/ogg', 'audio/flac'])
on conflict (id) do nothing;

create policy "media: read own folder" on storage.objects
  for select to authenticated
  using (bucket_id = 'media' and (storage.foldername(name))[1] = (select auth.uid()::text));

create policy "media: upload to own folder" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'media' and (storage.foldername(name))[1] = (select auth.uid()::text));

create policy "media: update own folder" on storage.objects
  for update to authenticated
  using (bucket_id = 'media' and (storage.foldername(name))[1] = (select auth.uid()::text))
  with check (bucket_id = 'media' and (storage.foldername(name))[1] = (select auth.uid()::text));

create policy "media: delete own folder" on storage.objects
  for delete to authenticated
  using (bucket_id = 'media' and (storage.foldername(name))[1] = (select auth.uid()::text));
