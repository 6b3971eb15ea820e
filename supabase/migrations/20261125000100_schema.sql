-- Chapter 1, the data model: enums, tables, indexes, and the lengths and ranges every row keeps.
--
-- The chapters, read in order (docs/database.md has the map):
--   1 schema               enums, tables, indexes, lengths and ranges
--   2 security             who may see and change what: grants, row level security, Storage
--   3 ledger               private.post_ledger (the one writer of credits), sign-up, welcome credits
--   4 jobs                 prices, the job queue, photo edits, the worker protocol, refunds
--   5 crm_and_media        the CRM's indexes, currencies, a listing's currency
--   6 billing              credit packs, plans, PayFast payments and subscriptions
--   7 admin                the audited admin console
--   8 video_and_templates  listing videos and marketing templates on the same queue
-- Tables that belong to one chapter's work only (prices, job_kinds, payments...) are created there.

-- ---------------------------------------------------------------------------------------------
-- Enums
-- ---------------------------------------------------------------------------------------------
create type public.user_role as enum ('agent', 'admin');

create type public.subscription_tier as enum ('free', 'basic', 'pro', 'enterprise');

-- 'adjustment': admin grants and revocations are neither purchases nor usage; their own type keeps
-- "credits sold" and "credits used" honest.
create type public.credit_transaction_type as enum ('purchase', 'usage', 'refund', 'subscription', 'adjustment');

create type public.subscription_status as enum ('active', 'cancelled', 'paused', 'past_due');

create type public.job_status as enum ('pending', 'queued', 'processing', 'completed', 'failed', 'cancelled');

create type public.project_type as enum ('photo_edit', 'video', 'template');

-- 'local': the provider that runs on the worker's own machine.
create type public.ai_service as enum ('replicate', 'qwen', 'nano_banana', 'local');

create type public.contact_type as enum ('buyer', 'seller', 'investor', 'other');

create type public.contact_status as enum ('lead', 'active', 'closed');

create type public.listing_status as enum ('active', 'pending', 'sold', 'off_market');

create type public.media_type as enum ('image', 'video', 'template');

create type public.template_type as enum ('listing_promo', 'instagram_reel', 'open_house', 'custom');

create type public.notification_type as enum (
  'credit_low', 'job_completed', 'payment_success', 'payment_failed', 'subscription_renewal', 'system'
);

create type public.use_case as enum ('photos', 'video', 'templates', 'all');

-- ---------------------------------------------------------------------------------------------
-- Tables (1:N from users throughout)
-- ---------------------------------------------------------------------------------------------

-- One row per auth.users row, created by the handle_new_user trigger. `credits` is a cache of
-- sum(credit_transactions.amount); it changes only through the ledger functions.
create table public.users (
  id uuid primary key references auth.users (id) on delete cascade,
  -- The unique constraint is named like an index (idx_users_email): one index serves both the
  -- constraint and lookups by email (same for payfast ids).
  email text not null constraint idx_users_email unique,
  full_name text not null,
  brokerage text,
  market text,
  use_case public.use_case default 'all',
  role public.user_role default 'agent',
  credits integer default 50 check (credits >= 0),
  subscription_tier public.subscription_tier default 'free',
  avatar_url text,
  phone text,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  plan_id text not null,
  status public.subscription_status not null,
  payfast_subscription_id text constraint idx_subscriptions_payfast_id unique,
  payfast_customer_id text,
  current_period_start timestamptz,
  current_period_end timestamptz,
  credits_remaining integer,
  monthly_credits integer not null,
  price_paid numeric(10, 2),
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  name text not null,
  type public.project_type not null,
  status public.job_status default 'pending',
  credit_cost integer default 0,
  input_data jsonb default '{}',
  output_data jsonb default '{}',
  error_message text,
  created_at timestamptz default now(),
  completed_at timestamptz,
  retried_as uuid references public.projects (id) on delete set null  -- the project that ran it again
);

create table public.ai_jobs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  project_id uuid references public.projects (id) on delete set null,
  service public.ai_service not null,
  model text not null,
  input jsonb default '{}',
  status public.job_status default 'queued',
  output_url text,
  error_message text,
  credit_cost integer default 0,
  api_cost numeric(10, 4),
  latency_ms integer,
  created_at timestamptz default now(),
  completed_at timestamptz,
  -- the queue (chapter 4): which worker holds the job, until when, which attempt this is
  worker_id text,
  lease_expires_at timestamptz,
  attempts integer not null default 0,
  started_at timestamptz,
  provider_job_id text,                       -- the provider's own id of the run (to cancel it)
  run_after timestamptz,                      -- a retried job waits until then
  claimed_at timestamptz,                     -- when the current attempt began
  deadline_at timestamptz,                    -- when the current attempt must have finished
  completed_attempt integer,                  -- the attempt whose output is the job's result
  claim_token uuid                            -- the worker's name for the claim call that took it
);

create table public.credit_transactions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  amount integer not null,
  type public.credit_transaction_type not null,
  description text,
  subscription_id uuid references public.subscriptions (id),
  reference_id text,
  created_at timestamptz default now(),
  -- the project and job a debit or refund belongs to
  project_id uuid references public.projects (id) on delete set null,
  ai_job_id uuid references public.ai_jobs (id) on delete set null
);

create table public.crm_contacts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  name text not null,
  email text,
  phone text,
  type public.contact_type default 'other',
  status public.contact_status default 'lead',
  notes text,
  tags text[] default '{}',
  last_contacted_at timestamptz,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table public.crm_listings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  -- on delete set null: deleting a contact must not fail because a listing names it.
  contact_id uuid references public.crm_contacts (id) on delete set null,
  address text not null,
  city text,
  state text,
  zip_code text,
  price numeric(12, 2),
  bedrooms integer,
  bathrooms decimal(3, 1),
  sqft integer,
  status public.listing_status default 'active',
  notes text,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table public.media_items (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  listing_id uuid references public.crm_listings (id) on delete set null,
  contact_id uuid references public.crm_contacts (id) on delete set null,
  project_id uuid references public.projects (id) on delete set null,
  type public.media_type not null,
  title text,
  description text,
  url text not null,
  thumbnail_url text,
  file_size integer,
  credits_used integer default 0,
  tags text[] default '{}',
  is_favorite boolean default false,
  created_at timestamptz default now()
);

create table public.templates (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  name text not null,
  type public.template_type not null,
  description text,
  thumbnail_url text,
  output_url text,
  prompt_template text,
  settings jsonb default '{}',
  credits_used integer default 0,
  usage_count integer default 0,
  is_public boolean default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id) on delete cascade,
  type public.notification_type not null,
  title text not null,
  message text not null,
  read boolean default false,
  action_url text,
  created_at timestamptz default now()
);

create table public.admin_audit_log (
  id uuid primary key default gen_random_uuid(),
  -- on delete set null: the audit trail outlives the admin's account.
  admin_user_id uuid references public.users (id) on delete set null,
  action text not null,
  resource_type text,
  resource_id uuid,
  old_values jsonb,
  new_values jsonb,
  ip_address inet,
  created_at timestamptz default now()
);

-- ---------------------------------------------------------------------------------------------
-- Indexes: lookups and sorts the CLI makes, and the ones row level security and foreign keys need
-- ---------------------------------------------------------------------------------------------
-- idx_users_email and idx_subscriptions_payfast_id are the unique constraints' indexes (see above).
create index idx_users_subscription_tier on public.users (subscription_tier);

create index idx_subscriptions_user_id on public.subscriptions (user_id);

create index idx_subscriptions_status on public.subscriptions (status);

create index idx_credit_transactions_user_id on public.credit_transactions (user_id);

create index idx_credit_transactions_type on public.credit_transactions (type);

create index idx_credit_transactions_created_at on public.credit_transactions (created_at desc);

create index idx_projects_user_id on public.projects (user_id);

create index idx_projects_status on public.projects (status);

create index idx_projects_type on public.projects (type);

create index idx_projects_created_at on public.projects (created_at desc);

create index idx_ai_jobs_user_id on public.ai_jobs (user_id);

create index idx_ai_jobs_service on public.ai_jobs (service);

create index idx_ai_jobs_status on public.ai_jobs (status);

create index idx_ai_jobs_created_at on public.ai_jobs (created_at desc);

create index idx_crm_contacts_user_id on public.crm_contacts (user_id);

create index idx_crm_contacts_status on public.crm_contacts (status);

create index idx_crm_contacts_type on public.crm_contacts (type);

create index idx_crm_contacts_name on public.crm_contacts (name);

create index idx_crm_listings_user_id on public.crm_listings (user_id);

create index idx_crm_listings_status on public.crm_listings (status);

create index idx_crm_listings_contact_id on public.crm_listings (contact_id);

create index idx_media_items_user_id on public.media_items (user_id);

create index idx_media_items_listing_id on public.media_items (listing_id);

create index idx_media_items_type on public.media_items (type);

create index idx_media_items_project_id on public.media_items (project_id);

create index idx_templates_user_id on public.templates (user_id);

create index idx_templates_type on public.templates (type);

create index idx_templates_public on public.templates (is_public);

create index idx_notifications_user_id on public.notifications (user_id);

create index idx_notifications_read on public.notifications (read);

create index idx_notifications_created_at on public.notifications (created_at desc);

create index idx_admin_audit_admin_user_id on public.admin_audit_log (admin_user_id);

create index idx_admin_audit_created_at on public.admin_audit_log (created_at desc);

-- Foreign-key columns (policy checks and ON DELETE SET NULL scan them).
create index idx_media_items_contact_id on public.media_items (contact_id);

create index idx_ai_jobs_project_id on public.ai_jobs (project_id);

create index idx_credit_transactions_subscription_id on public.credit_transactions (subscription_id);
create index idx_credit_transactions_project_id on public.credit_transactions (project_id);

-- ---------------------------------------------------------------------------------------------
-- Lengths and ranges: text people type has the lengths a real product has, numbers are finite and
-- in range (a 22 KB listing address once made a template render take 106 s). Constraint names
-- read as the rule: PostgREST reports them in its message. NOT VALID: they hold for every new or
-- changed row without scanning the rows a table already has.
-- ---------------------------------------------------------------------------------------------
alter table public.users
  add constraint "email: at most 320 characters" check (length(email) <= 320) not valid,
  add constraint "full name: at most 200 characters" check (length(full_name) <= 200) not valid,
  add constraint "brokerage: at most 200 characters" check (length(brokerage) <= 200) not valid,
  add constraint "market: at most 200 characters" check (length(market) <= 200) not valid,
  add constraint "phone: at most 40 characters" check (length(phone) <= 40) not valid,
  add constraint "avatar URL: at most 2048 characters" check (length(avatar_url) <= 2048) not valid;

alter table public.crm_contacts
  add constraint "contact name: at most 200 characters" check (length(name) <= 200) not valid,
  add constraint "contact email: at most 320 characters" check (length(email) <= 320) not valid,
  add constraint "contact phone: at most 40 characters" check (length(phone) <= 40) not valid,
  add constraint "contact notes: at most 10000 characters" check (length(notes) <= 10000) not valid,
  add constraint "contact tags: at most 50, 1000 characters in all"
    check (cardinality(tags) <= 50 and length(array_to_string(tags, '')) <= 1000) not valid;

alter table public.crm_listings
  add constraint "address: at most 300 characters" check (length(address) <= 300) not valid,
  add constraint "city: at most 100 characters" check (length(city) <= 100) not valid,
  add constraint "state: at most 100 characters" check (length(state) <= 100) not valid,
  add constraint "zip code: at most 20 characters" check (length(zip_code) <= 20) not valid,
  add constraint "listing notes: at most 10000 characters" check (length(notes) <= 10000) not valid,
  -- numeric accepts 'NaN', which sorts above every number: `between` refuses it too
  add constraint "price: a number from 0" check (price between 0 and 9999999999.99) not valid,
  add constraint "bedrooms: 0 to 100" check (bedrooms between 0 and 100) not valid,
  add constraint "bathrooms: 0 to 99" check (bathrooms between 0 and 99) not valid,
  add constraint "sqft: 0 to 10000000" check (sqft between 0 and 10000000) not valid;

alter table public.media_items
  add constraint "media title: at most 500 characters" check (length(title) <= 500) not valid,
  add constraint "media description: at most 5000 characters" check (length(description) <= 5000) not valid,
  add constraint "media tags: at most 50, 1000 characters in all"
    check (cardinality(tags) <= 50 and length(array_to_string(tags, '')) <= 1000) not valid,
  add constraint "file size: from 0" check (file_size >= 0) not valid;

alter table public.templates
  add constraint "template name: at most 100 characters" check (length(name) <= 100) not valid,
  add constraint "template description: at most 1000 characters" check (length(description) <= 1000) not valid,
  add constraint "template prompt: at most 4000 characters" check (length(prompt_template) <= 4000) not valid,
  add constraint "template settings: at most 16000 characters" check (length(settings::text) <= 16000) not valid;

-- What a submission carries: the project name, an edit's prompt, a template use's values.
alter table public.projects
  add constraint "project name: at most 500 characters" check (length(name) <= 500) not valid,
  add constraint "prompt: at most 4000 characters"
    check (length(coalesce(input_data #>> '{options,prompt}', '')) <= 4000) not valid,
  add constraint "title: at most 200 characters"
    check (length(coalesce(input_data #>> '{options,title}', '')) <= 200) not valid,
  add constraint "template values: at most 8000 characters"
    check (length(coalesce(input_data ->> 'values', '')) <= 8000) not valid,
  -- an edit's style or room could otherwise carry a megabyte into a provider's prompt
  add constraint "options: at most 10000 characters in all"
    check (length(coalesce(input_data ->> 'options', '')) <= 10000) not valid;

-- A blank name would print as a blank on every flyer and video.
alter table public.users add constraint users_full_name_not_blank check (btrim(full_name) <> '') not valid;
