"""The migrated schema against the product's data model (every enum, table, column and index it names), on the real embedded PostgreSQL.

Later migrations may add enum values, columns, tables and indexes (extensions are additive), so these
tests check that every seed name is present exactly as specified, not that nothing else exists.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

SEED_ENUMS = {
    "user_role": ["agent", "admin"],
    "subscription_tier": ["free", "basic", "pro", "enterprise"],
    "credit_transaction_type": ["purchase", "usage", "refund", "subscription"],
    "subscription_status": ["active", "cancelled", "paused", "past_due"],
    "job_status": ["pending", "processing", "completed", "failed"],
    "project_type": ["photo_edit", "video", "template"],
    "ai_service": ["replicate", "qwen", "nano_banana"],
    "contact_type": ["buyer", "seller", "investor", "other"],
    "contact_status": ["lead", "active", "closed"],
    "listing_status": ["active", "pending", "sold", "off_market"],
    "media_type": ["image", "video", "template"],
    "template_type": ["listing_promo", "instagram_reel", "open_house", "custom"],
    "notification_type": [
        "credit_low",
        "job_completed",
        "payment_success",
        "payment_failed",
        "subscription_renewal",
        "system",
    ],
    "use_case": ["photos", "video", "templates", "all"],
}
ADDED_ENUM_VALUES = {
    "job_status": ["queued", "cancelled"],
    "ai_service": ["local"],
    "credit_transaction_type": ["adjustment", "bonus"],
    "notification_type": ["job_failed"],
}

NOW = "now()"
UUID_DEFAULT = "gen_random_uuid()"
EMPTY_JSON = "'{}'::jsonb"
EMPTY_TAGS = "'{}'::text[]"

# table -> column -> (type as format_type prints it, NOT NULL, default as pg_get_expr prints it)
SEED_COLUMNS = {
    "users": {
        "id": ("uuid", True, None),
        "email": ("text", True, None),
        "full_name": ("text", True, None),
        "brokerage": ("text", False, None),
        "market": ("text", False, None),
        "use_case": ("use_case", False, "'all'::use_case"),
        "role": ("user_role", False, "'agent'::user_role"),
        "credits": ("integer", False, "50"),
        "subscription_tier": ("subscription_tier", False, "'free'::subscription_tier"),
        "avatar_url": ("text", False, None),
        "phone": ("text", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
        "updated_at": ("timestamp with time zone", False, NOW),
    },
    "subscriptions": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "plan_id": ("text", True, None),
        "status": ("subscription_status", True, None),
        "payfast_subscription_id": ("text", False, None),
        "payfast_customer_id": ("text", False, None),
        "current_period_start": ("timestamp with time zone", False, None),
        "current_period_end": ("timestamp with time zone", False, None),
        "credits_remaining": ("integer", False, None),
        "monthly_credits": ("integer", True, None),
        "price_paid": ("numeric(10,2)", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
        "updated_at": ("timestamp with time zone", False, NOW),
    },
    "credit_transactions": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "amount": ("integer", True, None),
        "type": ("credit_transaction_type", True, None),
        "description": ("text", False, None),
        "subscription_id": ("uuid", False, None),
        "reference_id": ("text", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
    },
    "projects": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "name": ("text", True, None),
        "type": ("project_type", True, None),
        "status": ("job_status", False, "'pending'::job_status"),
        "credit_cost": ("integer", False, "0"),
        "input_data": ("jsonb", False, EMPTY_JSON),
        "output_data": ("jsonb", False, EMPTY_JSON),
        "error_message": ("text", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
        "completed_at": ("timestamp with time zone", False, None),
    },
    "ai_jobs": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "project_id": ("uuid", False, None),
        "service": ("ai_service", True, None),
        "model": ("text", True, None),
        "input": ("jsonb", False, EMPTY_JSON),
        "status": ("job_status", False, "'queued'::job_status"),
        "output_url": ("text", False, None),
        "error_message": ("text", False, None),
        "credit_cost": ("integer", False, "0"),
        "api_cost": ("numeric(10,4)", False, None),
        "latency_ms": ("integer", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
        "completed_at": ("timestamp with time zone", False, None),
    },
    "crm_contacts": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "name": ("text", True, None),
        "email": ("text", False, None),
        "phone": ("text", False, None),
        "type": ("contact_type", False, "'other'::contact_type"),
        "status": ("contact_status", False, "'lead'::contact_status"),
        "notes": ("text", False, None),
        "tags": ("text[]", False, EMPTY_TAGS),
        "last_contacted_at": ("timestamp with time zone", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
        "updated_at": ("timestamp with time zone", False, NOW),
    },
    "crm_listings": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "contact_id": ("uuid", False, None),
        "address": ("text", True, None),
        "city": ("text", False, None),
        "state": ("text", False, None),
        "zip_code": ("text", False, None),
        "price": ("numeric(12,2)", False, None),
        "bedrooms": ("integer", False, None),
        "bathrooms": ("numeric(3,1)", False, None),
        "sqft": ("integer", False, None),
        "status": ("listing_status", False, "'active'::listing_status"),
        "notes": ("text", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
        "updated_at": ("timestamp with time zone", False, NOW),
    },
    "media_items": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "listing_id": ("uuid", False, None),
        "contact_id": ("uuid", False, None),
        "project_id": ("uuid", False, None),
        "type": ("media_type", True, None),
        "title": ("text", False, None),
        "description": ("text", False, None),
        "url": ("text", True, None),
        "thumbnail_url": ("text", False, None),
        "file_size": ("integer", False, None),
        "credits_used": ("integer", False, "0"),
        "tags": ("text[]", False, EMPTY_TAGS),
        "is_favorite": ("boolean", False, "false"),
        "created_at": ("timestamp with time zone", False, NOW),
    },
    "templates": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "name": ("text", True, None),
        "type": ("template_type", True, None),
        "description": ("text", False, None),
        "thumbnail_url": ("text", False, None),
        "output_url": ("text", False, None),
        "prompt_template": ("text", False, None),
        "settings": ("jsonb", False, EMPTY_JSON),
        "credits_used": ("integer", False, "0"),
        "usage_count": ("integer", False, "0"),
        "is_public": ("boolean", False, "false"),
        "created_at": ("timestamp with time zone", False, NOW),
        "updated_at": ("timestamp with time zone", False, NOW),
    },
    "notifications": {
        "id": ("uuid", True, UUID_DEFAULT),
        "user_id": ("uuid", False, None),
        "type": ("notification_type", True, None),
        "title": ("text", True, None),
        "message": ("text", True, None),
        "read": ("boolean", False, "false"),
        "action_url": ("text", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
    },
    "admin_audit_log": {
        "id": ("uuid", True, UUID_DEFAULT),
        "admin_user_id": ("uuid", False, None),
        "action": ("text", True, None),
        "resource_type": ("text", False, None),
        "resource_id": ("uuid", False, None),
        "old_values": ("jsonb", False, None),
        "new_values": ("jsonb", False, None),
        "ip_address": ("inet", False, None),
        "created_at": ("timestamp with time zone", False, NOW),
    },
}
TABLES = list(SEED_COLUMNS)

# index name -> (table, the indexed column list as pg_get_indexdef prints it)
SEED_INDEXES = {
    "idx_users_email": ("users", "(email)"),
    "idx_users_subscription_tier": ("users", "(subscription_tier)"),
    "idx_subscriptions_user_id": ("subscriptions", "(user_id)"),
    "idx_subscriptions_status": ("subscriptions", "(status)"),
    "idx_subscriptions_payfast_id": ("subscriptions", "(payfast_subscription_id)"),
    "idx_credit_transactions_user_id": ("credit_transactions", "(user_id)"),
    "idx_credit_transactions_type": ("credit_transactions", "(type)"),
    "idx_credit_transactions_created_at": ("credit_transactions", "(created_at DESC)"),
    "idx_projects_user_id": ("projects", "(user_id)"),
    "idx_projects_status": ("projects", "(status)"),
    "idx_projects_type": ("projects", "(type)"),
    "idx_projects_created_at": ("projects", "(created_at DESC)"),
    "idx_ai_jobs_user_id": ("ai_jobs", "(user_id)"),
    "idx_ai_jobs_service": ("ai_jobs", "(service)"),
    "idx_ai_jobs_status": ("ai_jobs", "(status)"),
    "idx_ai_jobs_created_at": ("ai_jobs", "(created_at DESC)"),
    "idx_crm_contacts_user_id": ("crm_contacts", "(user_id)"),
    "idx_crm_contacts_status": ("crm_contacts", "(status)"),
    "idx_crm_contacts_type": ("crm_contacts", "(type)"),
    "idx_crm_contacts_name": ("crm_contacts", "(name)"),
    "idx_crm_listings_user_id": ("crm_listings", "(user_id)"),
    "idx_crm_listings_status": ("crm_listings", "(status)"),
    "idx_crm_listings_contact_id": ("crm_listings", "(contact_id)"),
    "idx_media_items_user_id": ("media_items", "(user_id)"),
    "idx_media_items_listing_id": ("media_items", "(listing_id)"),
    "idx_media_items_type": ("media_items", "(type)"),
    "idx_media_items_project_id": ("media_items", "(project_id)"),
    "idx_templates_user_id": ("templates", "(user_id)"),
    "idx_templates_type": ("templates", "(type)"),
    "idx_templates_public": ("templates", "(is_public)"),
    "idx_notifications_user_id": ("notifications", "(user_id)"),
    "idx_notifications_read": ("notifications", "(read)"),
    "idx_notifications_created_at": ("notifications", "(created_at DESC)"),
    "idx_admin_audit_admin_user_id": ("admin_audit_log", "(admin_user_id)"),
    "idx_admin_audit_created_at": ("admin_audit_log", "(created_at DESC)"),
}

# (table, column) -> (referenced table, ON DELETE action: 'c' cascade, 'n' set null)
FOREIGN_KEYS = {
    ("users", "id"): ("auth.users", "c"),
    **{(t, "user_id"): ("users", "c") for t in TABLES if t not in ("users", "admin_audit_log")},
    ("admin_audit_log", "admin_user_id"): ("users", "n"),
    ("credit_transactions", "subscription_id"): ("subscriptions", "a"),
    ("ai_jobs", "project_id"): ("projects", "n"),
    ("crm_listings", "contact_id"): ("crm_contacts", "n"),
    ("media_items", "listing_id"): ("crm_listings", "n"),
    ("media_items", "contact_id"): ("crm_contacts", "n"),
    ("media_items", "project_id"): ("projects", "n"),
}

# Columns a row level security policy filters on (user_id everywhere; users.id is its primary key).
POLICY_COLUMNS = [(t, "user_id") for t in TABLES if t not in ("users", "admin_audit_log")] + [
    ("media_items", "contact_id"),
    ("media_items", "listing_id"),
    ("media_items", "project_id"),
    ("crm_listings", "contact_id"),
]


@pytest.fixture
def db(pg_dsn):
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        yield conn


def create_auth_user(conn, metadata: dict | None = None, email: str | None = None) -> uuid.UUID:
    """Insert an auth.users row as GoTrue does on sign-up (e-mail confirmed at once, as with
    auto-confirm); the trigger does the rest."""
    user_id = uuid.uuid4()
    email = email or f"schema-{user_id.hex[:12]}@example.com"
    conn.execute(
        "insert into auth.users (id, email, raw_user_meta_data, email_confirmed_at) values (%s, %s, %s, now())",
        (user_id, email, json.dumps(metadata) if metadata is not None else None),
    )
    return user_id


def test_every_enum_has_every_seed_value_and_the_added_ones(db):
    rows = db.execute(
        "select t.typname, array_agg(e.enumlabel order by e.enumsortorder) from pg_type t "
        "join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace "
        "where n.nspname = 'public' group by t.typname"
    ).fetchall()
    actual = dict(rows)
    for name, values in SEED_ENUMS.items():
        assert name in actual, name
        missing = set(values) - set(actual[name])
        assert not missing, (name, missing)
    for name, values in ADDED_ENUM_VALUES.items():
        assert set(values) <= set(actual[name]), (name, actual[name])


def test_every_seed_column_has_its_type_nullability_and_default(db):
    rows = db.execute(
        "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum "
        "where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped"
    ).fetchall()
    actual = {(table, column): (typ, notnull, default) for table, column, typ, notnull, default in rows}
    for table, columns in SEED_COLUMNS.items():
        for column, expected in columns.items():
            assert actual.get((table, column)) == expected, (table, column)


def test_primary_keys_and_unique_constraints(db):
    rows = db.execute(
        "select conrelid::regclass::text, contype, pg_get_constraintdef(oid) from pg_constraint "
        "where connamespace = 'public'::regnamespace and contype in ('p', 'u')"
    ).fetchall()
    constraints = {(table, kind, definition) for table, kind, definition in rows}
    for table in TABLES:
        assert (table, "p", "PRIMARY KEY (id)") in constraints, table
    assert ("users", "u", "UNIQUE (email)") in constraints
    assert ("subscriptions", "u", "UNIQUE (payfast_subscription_id)") in constraints


def test_every_seed_index_exists_by_name_on_its_column(db):
    rows = db.execute(
        "select indexname, tablename, indexdef from pg_indexes where schemaname = 'public'"
    ).fetchall()
    actual = {name: (table, definition) for name, table, definition in rows}
    for name, (table, columns) in SEED_INDEXES.items():
        assert name in actual, name
        assert actual[name][0] == table, name
        assert actual[name][1].endswith(f"USING btree {columns}"), actual[name][1]


def test_no_two_indexes_duplicate_each_other(db):
    """Supabase's linter flags duplicate indexes; the seed's unique columns also had a named index."""
    duplicates = db.execute(
        "select indrelid::regclass::text, array_agg(indexrelid::regclass::text) from pg_index "
        "where indrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace) "
        "group by indrelid, indkey::text, indclass::text, indoption::text, "
        "coalesce(pg_get_expr(indexprs, indrelid), ''), coalesce(pg_get_expr(indpred, indrelid), '') "
        "having count(*) > 1"
    ).fetchall()
    assert duplicates == []


def test_every_column_a_policy_filters_on_leads_an_index(db):
    rows = db.execute(
        "select c.relname, a.attname from pg_index i join pg_class c on c.oid = i.indrelid "
        "join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0] "
        "where c.relnamespace = 'public'::regnamespace"
    ).fetchall()
    leading = set(rows)
    for table_column in POLICY_COLUMNS:
        assert table_column in leading, table_column


def test_row_level_security_is_enabled_on_every_table(db):
    rows = db.execute(
        "select relname, relrowsecurity from pg_class where relnamespace = 'public'::regnamespace "
        "and relkind = 'r'"
    ).fetchall()
    enabled = dict(rows)
    for table in TABLES:
        assert enabled[table] is True, table


def test_foreign_keys_and_their_on_delete_actions(db):
    rows = db.execute(
        "select c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, c.confdeltype "
        "from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
        "where c.contype = 'f' and c.connamespace = 'public'::regnamespace and cardinality(c.conkey) = 1"
    ).fetchall()
    actual = {(table, column): (target, action) for table, column, target, action in rows}
    for key, expected in FOREIGN_KEYS.items():
        assert actual.get(key) == expected, key


def test_deleting_a_contact_or_listing_keeps_the_rows_that_named_it(db):
    user_id = create_auth_user(db)
    contact_id = db.execute(
        "insert into public.crm_contacts (user_id, name) values (%s, 'Dana') returning id", (user_id,)
    ).fetchone()[0]
    listing_id = db.execute(
        "insert into public.crm_listings (user_id, contact_id, address) values (%s, %s, '1 Main St') returning id",
        (user_id, contact_id),
    ).fetchone()[0]
    media_id = db.execute(
        "insert into public.media_items (user_id, listing_id, contact_id, type, url) "
        "values (%s, %s, %s, 'image', 'media/x.jpg') returning id",
        (user_id, listing_id, contact_id),
    ).fetchone()[0]

    db.execute("delete from public.crm_contacts where id = %s", (contact_id,))
    assert db.execute(
        "select contact_id from public.crm_listings where id = %s", (listing_id,)
    ).fetchone() == (None,)
    db.execute("delete from public.crm_listings where id = %s", (listing_id,))
    assert db.execute(
        "select listing_id, contact_id from public.media_items where id = %s", (media_id,)
    ).fetchone() == (None, None)


def test_sign_up_creates_the_user_row_with_50_credits_and_one_ledger_row(db):
    user_id = create_auth_user(
        db,
        {
            "full_name": "Ada Agent",
            "brokerage": "Harbour Realty",
            "market": "Cape Town",
            "use_case": "video",
            "phone": "+27 21 555 0100",
        },
    )
    row = db.execute(
        "select full_name, brokerage, market, use_case::text, phone, role::text, credits, "
        "subscription_tier::text from public.users where id = %s",
        (user_id,),
    ).fetchone()
    assert row == (
        "Ada Agent",
        "Harbour Realty",
        "Cape Town",
        "video",
        "+27 21 555 0100",
        "agent",
        50,
        "free",
    )
    ledger = db.execute(
        "select amount, type::text, description from public.credit_transactions where user_id = %s",
        (user_id,),
    ).fetchall()
    assert ledger == [(50, "bonus", "Welcome credits")]


@pytest.mark.parametrize(
    ("metadata", "expected_name"),
    [
        ({"name": "Noor"}, "Noor"),
        ({"full_name": "  ", "name": "Noor"}, "Noor"),
        ({}, None),
        (None, None),
    ],
)
def test_full_name_falls_back_to_name_then_the_email_local_part(db, metadata, expected_name):
    local_part = f"noor.{uuid.uuid4().hex[:8]}"
    user_id = create_auth_user(db, metadata, email=f"{local_part}@example.com")
    full_name = db.execute("select full_name from public.users where id = %s", (user_id,)).fetchone()[0]
    assert full_name == (expected_name or local_part)


def test_an_invalid_use_case_is_ignored(db):
    user_id = create_auth_user(db, {"full_name": "Lee", "use_case": "yachts"})
    use_case = db.execute("select use_case::text from public.users where id = %s", (user_id,)).fetchone()[0]
    assert use_case == "all"


def test_deleting_the_auth_user_deletes_its_rows(db):
    user_id = create_auth_user(db)
    db.execute("delete from auth.users where id = %s", (user_id,))
    assert db.execute("select count(*) from public.users where id = %s", (user_id,)).fetchone()[0] == 0
    ledger_rows = db.execute(
        "select count(*) from public.credit_transactions where user_id = %s", (user_id,)
    ).fetchone()[0]
    assert ledger_rows == 0


@pytest.mark.parametrize(
    ("table", "insert_sql"),
    [
        ("users", None),
        (
            "subscriptions",
            "insert into public.subscriptions (user_id, plan_id, status, monthly_credits) "
            "values (%s, 'pro', 'active', 500) returning id",
        ),
        ("crm_contacts", "insert into public.crm_contacts (user_id, name) values (%s, 'Kim') returning id"),
        (
            "crm_listings",
            "insert into public.crm_listings (user_id, address) values (%s, '2 Bay Rd') returning id",
        ),
        (
            "templates",
            "insert into public.templates (user_id, name, type) values (%s, 'Promo', 'custom') returning id",
        ),
    ],
)
def test_updated_at_changes_on_update(db, table, insert_sql):
    user_id = create_auth_user(db)
    row_id = user_id if insert_sql is None else db.execute(insert_sql, (user_id,)).fetchone()[0]
    before = db.execute(f"select updated_at from public.{table} where id = %s", (row_id,)).fetchone()[0]
    # A column every one of these tables has besides updated_at; autocommit = a new transaction,
    # so now() has moved on.
    db.execute(f"update public.{table} set created_at = created_at where id = %s", (row_id,))
    after = db.execute(f"select updated_at from public.{table} where id = %s", (row_id,)).fetchone()[0]
    assert after > before


def test_credits_cannot_go_negative(db):
    user_id = create_auth_user(db)
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute("update public.users set credits = -1 where id = %s", (user_id,))


def test_ai_jobs_default_to_queued(db):
    user_id = create_auth_user(db)
    status = db.execute(
        "insert into public.ai_jobs (user_id, service, model) values (%s, 'local', 'enhance') returning status::text",
        (user_id,),
    ).fetchone()[0]
    assert status == "queued"


def test_the_private_media_bucket_exists(db):
    assert db.execute("select public from storage.buckets where id = 'media'").fetchone() == (False,)
