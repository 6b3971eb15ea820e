"""Who may do what, table by table, through the unmodified supabase-py client and the local gateway.

Four callers: anon (the anon key, no session), agents A and B (signed up through /auth/v1), and an
admin (an agent whose users.role was set to 'admin' by the superuser). Rows of tables agents cannot
write are seeded with the service-role client, which bypasses row level security.

What PostgREST answers (docs/local-stack.md): a statement the role has no privilege for, or a
row failing WITH CHECK, raises APIError code '42501'; rows hidden by RLS are simply not affected, so
an UPDATE or DELETE of someone else's row returns [].
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg
import pytest
from postgrest.exceptions import APIError
from storage3.exceptions import StorageApiError

READ_ONLY_TABLES = ("subscriptions", "credit_transactions", "projects", "ai_jobs")


@dataclass
class Callers:
    anon: object
    a: object  # conftest.Agent
    b: object
    admin: object
    service: object


@pytest.fixture
def callers(stack, make_agent) -> Callers:
    a, b, admin = make_agent("Agent A"), make_agent("Agent B"), make_agent("Admin")
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("update public.users set role = 'admin' where id = %s", (admin.id,))
    return Callers(anon=stack.client(), a=a, b=b, admin=admin, service=stack.service_client())


def assert_denied(query) -> None:
    """The statement is refused outright: no privilege, or a row fails WITH CHECK."""
    with pytest.raises(APIError) as excinfo:
        query.execute()
    assert excinfo.value.code == "42501", excinfo.value.json()


def ids(query) -> set[str]:
    return {row["id"] for row in query.execute().data}


def seed(service, table: str, row: dict) -> dict:
    return service.table(table).insert(row).execute().data[0]


def seed_row(service, table: str, user_id: str) -> dict:
    """One row of a table agents cannot write, owned by `user_id`."""
    project = None
    if table == "ai_jobs":
        project = seed(service, "projects", {"user_id": user_id, "name": "p", "type": "photo_edit"})
    rows = {
        "subscriptions": {"user_id": user_id, "plan_id": "pro", "status": "active", "monthly_credits": 500},
        "credit_transactions": None,  # the welcome-credits row the sign-up wrote
        "projects": {"user_id": user_id, "name": "Kitchen", "type": "photo_edit"},
        "ai_jobs": {
            "user_id": user_id,
            "project_id": project and project["id"],
            "service": "local",
            "model": "enhance",
        },
        "notifications": {"user_id": user_id, "type": "system", "title": "Hi", "message": "Welcome"},
    }
    if rows[table] is None:
        return service.table(table).select("*").eq("user_id", user_id).execute().data[0]
    return seed(service, table, rows[table])


# --------------------------------------------------------------------------------------------
# anon
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "table",
    [
        "users",
        "subscriptions",
        "credit_transactions",
        "projects",
        "ai_jobs",
        "crm_contacts",
        "crm_listings",
        "media_items",
        "templates",
        "notifications",
        "admin_audit_log",
    ],
)
def test_anon_can_neither_read_nor_write_any_table(callers, table):
    assert_denied(callers.anon.table(table).select("*"))
    assert_denied(callers.anon.table(table).insert({"id": str(uuid.uuid4())}))
    assert_denied(callers.anon.table(table).update({"id": str(uuid.uuid4())}).eq("id", callers.a.id))
    assert_denied(callers.anon.table(table).delete().eq("id", callers.a.id))


# --------------------------------------------------------------------------------------------
# users
# --------------------------------------------------------------------------------------------
def test_users_agent_reads_only_its_own_row_admin_reads_all(callers):
    a, b = callers.a, callers.b
    assert ids(a.client.table("users").select("*")) == {a.id}
    assert ids(b.client.table("users").select("*").eq("id", a.id)) == set()
    assert {a.id, b.id} <= ids(callers.admin.client.table("users").select("*").in_("id", [a.id, b.id]))
    assert {a.id, b.id} <= ids(callers.service.table("users").select("*").in_("id", [a.id, b.id]))


def test_users_agent_updates_its_profile_fields(callers):
    a = callers.a
    profile = {
        "full_name": "Ada Agent",
        "brokerage": "Harbour Realty",
        "market": "Cape Town",
        "use_case": "video",
        "avatar_url": "https://example.com/a.png",
        "phone": "+27 21 555 0100",
    }
    rows = a.client.table("users").update(profile).eq("id", a.id).execute().data
    assert len(rows) == 1
    assert {key: rows[0][key] for key in profile} == profile


@pytest.mark.parametrize(
    "change", [{"credits": 5000}, {"role": "admin"}, {"subscription_tier": "enterprise"}, {"email": "x@y.z"}]
)
def test_users_agent_cannot_raise_credits_role_or_tier(callers, change):
    a = callers.a
    assert_denied(a.client.table("users").update(change).eq("id", a.id))
    me = callers.service.table("users").select("*").eq("id", a.id).execute().data[0]
    assert (me["credits"], me["role"], me["subscription_tier"]) == (50, "agent", "free")


def test_users_agent_cannot_touch_another_user_or_insert_or_delete(callers):
    a, b = callers.a, callers.b
    assert a.client.table("users").update({"full_name": "Hijacked"}).eq("id", b.id).execute().data == []
    assert callers.service.table("users").select("full_name").eq("id", b.id).execute().data == [
        {"full_name": "Agent B"}
    ]
    assert_denied(a.client.table("users").insert({"id": a.id, "email": a.email, "full_name": "Twin"}))
    assert_denied(a.client.table("users").delete().eq("id", a.id))


def test_users_admin_cannot_edit_other_users_directly(callers):
    a = callers.a
    admin = callers.admin.client
    assert admin.table("users").update({"full_name": "Renamed"}).eq("id", a.id).execute().data == []
    assert_denied(admin.table("users").update({"credits": 1000}).eq("id", a.id))


# --------------------------------------------------------------------------------------------
# subscriptions, credit_transactions, projects, ai_jobs: agents read their own, write nothing
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("table", READ_ONLY_TABLES)
def test_read_only_tables_agent_reads_only_its_own_rows(callers, table):
    row_a = seed_row(callers.service, table, callers.a.id)
    row_b = seed_row(callers.service, table, callers.b.id)
    seen_by_a = ids(callers.a.client.table(table).select("*"))
    assert row_a["id"] in seen_by_a
    assert row_b["id"] not in seen_by_a
    assert {row_a["id"], row_b["id"]} <= ids(callers.admin.client.table(table).select("*"))


@pytest.mark.parametrize("table", READ_ONLY_TABLES)
def test_read_only_tables_agent_cannot_insert_update_or_delete(callers, table):
    a = callers.a
    row = seed_row(callers.service, table, a.id)
    new_rows = {
        "subscriptions": {"user_id": a.id, "plan_id": "pro", "status": "active", "monthly_credits": 9999},
        "credit_transactions": {"user_id": a.id, "amount": 1000, "type": "purchase"},
        "projects": {"user_id": a.id, "name": "Free", "type": "video", "status": "completed"},
        "ai_jobs": {"user_id": a.id, "service": "local", "model": "enhance", "status": "completed"},
    }
    changes = {
        "subscriptions": {"monthly_credits": 9999},
        "credit_transactions": {"amount": 1000},
        "projects": {"status": "completed"},
        "ai_jobs": {"status": "completed"},
    }
    assert_denied(a.client.table(table).insert(new_rows[table]))
    assert_denied(a.client.table(table).update(changes[table]).eq("id", row["id"]))
    assert_denied(a.client.table(table).delete().eq("id", row["id"]))
    assert callers.service.table(table).select("*").eq("id", row["id"]).execute().data == [row]


def test_agent_cannot_write_the_ledger_so_balance_matches_the_ledger(callers):
    a = callers.a
    assert_denied(
        a.client.table("credit_transactions").insert({"user_id": a.id, "amount": 100, "type": "purchase"})
    )
    ledger = a.client.table("credit_transactions").select("amount").execute().data
    me = a.client.table("users").select("credits").execute().data
    assert me == [{"credits": sum(row["amount"] for row in ledger)}] == [{"credits": 50}]


# --------------------------------------------------------------------------------------------
# crm_contacts, crm_listings, media_items, templates: own-row CRUD
# --------------------------------------------------------------------------------------------
OWN_ROWS = {
    "crm_contacts": ({"name": "Dana Buyer", "type": "buyer"}, {"notes": "called"}),
    "crm_listings": ({"address": "1 Main St", "city": "Cape Town"}, {"status": "sold"}),
    "media_items": ({"type": "image", "url": "{uid}/outputs/photo.jpg"}, {"is_favorite": True}),
    "templates": ({"name": "Open house", "type": "open_house"}, {"description": "Sunday 2-4"}),
}


def own_row(table: str, user_id: str) -> tuple[dict, dict]:
    values, change = OWN_ROWS[table]
    return {k: v.format(uid=user_id) if isinstance(v, str) else v for k, v in values.items()}, change


@pytest.mark.parametrize("table", list(OWN_ROWS))
def test_crud_tables_agent_owns_its_rows(callers, table):
    a = callers.a
    values, change = own_row(table, a.id)
    row = a.client.table(table).insert({"user_id": a.id, **values}).execute().data[0]
    visible = a.client.table(table).select("*").execute().data
    assert {r["id"] for r in visible if r["user_id"] == a.id} == {row["id"]}
    # the only other rows an agent sees are public templates (the built-in ones, for instance)
    assert all(table == "templates" and r["is_public"] for r in visible if r["user_id"] != a.id)
    updated = a.client.table(table).update(change).eq("id", row["id"]).execute().data
    assert [{key: updated[0][key] for key in change}] == [change]
    deleted = a.client.table(table).delete().eq("id", row["id"]).execute().data
    assert [r["id"] for r in deleted] == [row["id"]]
    assert callers.service.table(table).select("id").eq("id", row["id"]).execute().data == []


@pytest.mark.parametrize("table", list(OWN_ROWS))
def test_crud_tables_agent_b_cannot_see_or_change_agent_a_rows(callers, table):
    a, b = callers.a, callers.b
    values, change = own_row(table, a.id)
    row = a.client.table(table).insert({"user_id": a.id, **values}).execute().data[0]

    assert b.client.table(table).select("*").eq("id", row["id"]).execute().data == []
    assert b.client.table(table).update(change).eq("id", row["id"]).execute().data == []
    assert b.client.table(table).delete().eq("id", row["id"]).execute().data == []
    assert callers.service.table(table).select("*").eq("id", row["id"]).execute().data == [row]


@pytest.mark.parametrize("table", list(OWN_ROWS))
def test_crud_tables_agent_cannot_write_rows_in_another_agents_name(callers, table):
    a, b = callers.a, callers.b
    values, _ = own_row(table, a.id)
    assert_denied(a.client.table(table).insert({"user_id": b.id, **values}))
    row = a.client.table(table).insert({"user_id": a.id, **values}).execute().data[0]
    assert_denied(a.client.table(table).update({"user_id": b.id}).eq("id", row["id"]))


@pytest.mark.parametrize("table", list(OWN_ROWS))
def test_crud_tables_admin_reads_but_does_not_change_agents_rows(callers, table):
    a = callers.a
    admin = callers.admin.client
    values, change = own_row(table, a.id)
    row = a.client.table(table).insert({"user_id": a.id, **values}).execute().data[0]
    assert admin.table(table).select("*").eq("id", row["id"]).execute().data == [row]
    assert admin.table(table).update(change).eq("id", row["id"]).execute().data == []
    assert admin.table(table).delete().eq("id", row["id"]).execute().data == []


def test_listing_cannot_link_to_another_agents_contact(callers):
    a, b = callers.a, callers.b
    own = a.client.table("crm_contacts").insert({"user_id": a.id, "name": "Own"}).execute().data[0]
    theirs = b.client.table("crm_contacts").insert({"user_id": b.id, "name": "Theirs"}).execute().data[0]

    assert_denied(
        a.client.table("crm_listings").insert(
            {"user_id": a.id, "address": "3 Elm", "contact_id": theirs["id"]}
        )
    )
    listing = (
        a.client.table("crm_listings")
        .insert({"user_id": a.id, "address": "3 Elm", "contact_id": own["id"]})
        .execute()
        .data[0]
    )
    assert listing["contact_id"] == own["id"]
    assert_denied(a.client.table("crm_listings").update({"contact_id": theirs["id"]}).eq("id", listing["id"]))


@pytest.mark.parametrize("column", ["listing_id", "contact_id", "project_id"])
def test_media_item_cannot_link_to_another_agents_rows(callers, column):
    a, b = callers.a, callers.b
    if column == "project_id":
        theirs = seed_row(callers.service, "projects", b.id)
    else:
        table, values = (
            ("crm_listings", {"address": "9 Oak"})
            if column == "listing_id"
            else ("crm_contacts", {"name": "C"})
        )
        theirs = b.client.table(table).insert({"user_id": b.id, **values}).execute().data[0]
    media = {"user_id": a.id, "type": "image", "url": f"{a.id}/x.jpg"}

    assert_denied(a.client.table("media_items").insert({**media, column: theirs["id"]}))
    own = a.client.table("media_items").insert(media).execute().data[0]
    assert_denied(a.client.table("media_items").update({column: theirs["id"]}).eq("id", own["id"]))


def test_public_templates_are_readable_by_every_agent_but_changed_only_by_the_owner(callers):
    a, b = callers.a, callers.b
    public = (
        b.client.table("templates")
        .insert({"user_id": b.id, "name": "Shared", "type": "custom", "is_public": True})
        .execute()
        .data[0]
    )
    private = (
        b.client.table("templates")
        .insert({"user_id": b.id, "name": "Mine", "type": "custom"})
        .execute()
        .data[0]
    )
    visible = ids(a.client.table("templates").select("*").in_("id", [public["id"], private["id"]]))
    assert visible == {public["id"]}
    assert a.client.table("templates").update({"name": "Taken"}).eq("id", public["id"]).execute().data == []
    assert a.client.table("templates").delete().eq("id", public["id"]).execute().data == []
    assert callers.service.table("templates").select("name").eq("id", public["id"]).execute().data == [
        {"name": "Shared"}
    ]
    assert_denied(callers.anon.table("templates").select("*").eq("id", public["id"]))


# --------------------------------------------------------------------------------------------
# notifications: read own, flip `read`, nothing else
# --------------------------------------------------------------------------------------------
def test_notifications_agent_reads_own_and_may_only_flip_read(callers):
    a, b = callers.a, callers.b
    mine = seed_row(callers.service, "notifications", a.id)
    theirs = seed_row(callers.service, "notifications", b.id)

    assert ids(a.client.table("notifications").select("*")) == {mine["id"]}
    assert {mine["id"], theirs["id"]} <= ids(callers.admin.client.table("notifications").select("*"))

    flipped = a.client.table("notifications").update({"read": True}).eq("id", mine["id"]).execute().data
    assert [row["read"] for row in flipped] == [True]
    assert a.client.table("notifications").update({"read": True}).eq("id", theirs["id"]).execute().data == []
    assert_denied(a.client.table("notifications").update({"title": "Changed"}).eq("id", mine["id"]))
    assert_denied(a.client.table("notifications").update({"user_id": b.id}).eq("id", mine["id"]))
    assert_denied(
        a.client.table("notifications").insert(
            {"user_id": a.id, "type": "system", "title": "t", "message": "m"}
        )
    )
    assert_denied(a.client.table("notifications").delete().eq("id", mine["id"]))
    unchanged = callers.service.table("notifications").select("read").eq("id", theirs["id"]).execute().data
    assert unchanged == [{"read": False}]


# --------------------------------------------------------------------------------------------
# admin_audit_log: admins read; nobody writes through the API
# --------------------------------------------------------------------------------------------
def test_audit_log_admins_read_agents_see_nothing_nobody_writes(callers):
    admin_id = callers.admin.id
    entry = seed(
        callers.service,
        "admin_audit_log",
        {
            "admin_user_id": admin_id,
            "action": "grant_credits",
            "resource_type": "users",
            "resource_id": callers.a.id,
        },
    )
    assert callers.a.client.table("admin_audit_log").select("*").execute().data == []
    assert entry["id"] in ids(callers.admin.client.table("admin_audit_log").select("*"))

    for client in (callers.a.client, callers.admin.client):
        assert_denied(client.table("admin_audit_log").insert({"admin_user_id": admin_id, "action": "forged"}))
        assert_denied(client.table("admin_audit_log").update({"action": "edited"}).eq("id", entry["id"]))
        assert_denied(client.table("admin_audit_log").delete().eq("id", entry["id"]))
    assert callers.service.table("admin_audit_log").select("*").eq("id", entry["id"]).execute().data == [
        entry
    ]


# --------------------------------------------------------------------------------------------
# storage: the private `media` bucket, one folder per agent
# --------------------------------------------------------------------------------------------
def test_media_bucket_agent_owns_only_its_folder(callers):
    a, b = callers.a, callers.b
    bucket_a = a.client.storage.from_("media")
    bucket_a.upload(f"{a.id}/photo.jpg", b"\xff\xd8\xff jpeg bytes", {"content-type": "image/jpeg"})
    assert bucket_a.download(f"{a.id}/photo.jpg") == b"\xff\xd8\xff jpeg bytes"

    with pytest.raises(StorageApiError) as excinfo:
        bucket_a.upload(f"{b.id}/planted.jpg", b"\xff\xd8\xff", {"content-type": "image/jpeg"})
    assert str(excinfo.value.status) == "403"

    bucket_b = b.client.storage.from_("media")
    with pytest.raises(StorageApiError):
        bucket_b.download(f"{a.id}/photo.jpg")
    assert bucket_b.list(a.id) == []
    assert bucket_b.remove([f"{a.id}/photo.jpg"]) == []
    assert bucket_a.download(f"{a.id}/photo.jpg") == b"\xff\xd8\xff jpeg bytes"


def test_media_rows_point_only_at_the_agents_own_files(callers):
    """A media row is a pointer the worker follows with the service role: it must stay in the
    agent's own Storage folder."""
    a, b = callers.a, callers.b
    for url in (f"{b.id}/outputs/secret.jpg", "internal/x/y.mp4", "secret.jpg"):
        assert_denied(a.client.table("media_items").insert({"user_id": a.id, "type": "image", "url": url}))
    own = (
        a.client.table("media_items")
        .insert({"user_id": a.id, "type": "image", "url": f"{a.id}/x.jpg"})
        .execute()
    )
    row = own.data[0]
    assert_denied(a.client.table("media_items").update({"url": f"{b.id}/x.jpg"}).eq("id", row["id"]))
    assert_denied(
        a.client.table("media_items").update({"thumbnail_url": f"{b.id}/t.jpg"}).eq("id", row["id"])
    )
