-- CRM, media library and notifications: the indexes behind the CLI's queries.
--
-- The tables, their row level security and the cross-agent link checks (a listing may only name the
-- agent's own contact; a media item only the agent's own listing, contact and project) are in
-- 20261125000100_schema.sql and 20261125000200_rls.sql. This file adds no table, policy or function:
-- every CRM, media and notification read the CLI makes filters on `user_id` first, and these
-- composite indexes let PostgreSQL answer it from one index range in the order the CLI asks for,
-- instead of reading all of an agent's rows and sorting them.

-- `crm contacts list`: WHERE user_id = $me ORDER BY name, id LIMIT n (and its count).
create index idx_crm_contacts_user_id_name on public.crm_contacts (user_id, name, id);

-- `crm contacts export`: keyset pages WHERE user_id = $me AND id > $last ORDER BY id LIMIT 1000.
create index idx_crm_contacts_user_id_id on public.crm_contacts (user_id, id);

-- `crm listings list`: newest first.
create index idx_crm_listings_user_id_created_at on public.crm_listings (user_id, created_at desc);

-- `media list`: newest first.
create index idx_media_items_user_id_created_at on public.media_items (user_id, created_at desc);

-- `notifications list`: newest first.
create index idx_notifications_user_id_created_at on public.notifications (user_id, created_at desc);

-- The unread count shown after every command: a small partial index of unread rows only.
create index idx_notifications_user_id_unread on public.notifications (user_id) where not read;
