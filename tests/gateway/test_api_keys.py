"""Supabase's new API keys on the local stack: a publishable key (`sb_publishable_...`) acts as
`anon`, a secret key (`sb_secret_...`) as `service_role`, both sent in `apikey` (and, as supabase-py
sends them, as the bearer too); a user's JWT in `Authorization` still makes the request the user's.
What a hosted project refuses is refused: an unknown key, a new key in `Authorization` other than
the `apikey` one, a secret key from a browser."""

from __future__ import annotations

import httpx
import pytest
import web

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def users_seen(stack, headers: dict) -> httpx.Response:
    return web.get(f"{stack.url}/rest/v1/users?select=id", headers=headers)


def test_the_stack_issues_both_kinds_of_key(stack):
    assert stack.publishable_key.startswith("sb_publishable_")
    assert stack.secret_key.startswith("sb_secret_")
    assert len({stack.publishable_key, stack.secret_key, stack.anon_key, stack.service_role_key}) == 4


def test_a_secret_key_is_the_service_role_and_a_publishable_key_is_anon(stack, make_agent):
    agent = make_agent()
    every = users_seen(stack, {"apikey": stack.secret_key})
    assert every.status_code == 200
    assert {"id": agent.id} in every.json()
    # supabase-py's way: the key in apikey and as the bearer.
    same = users_seen(stack, {"apikey": stack.secret_key, "Authorization": f"Bearer {stack.secret_key}"})
    assert same.json() == every.json()
    anon = users_seen(stack, {"apikey": stack.publishable_key})
    legacy = users_seen(stack, {"apikey": stack.anon_key})
    assert (
        (anon.status_code, anon.json()["code"])
        == (legacy.status_code, legacy.json()["code"])
        == (401, "42501")
    )
    session = agent.client.auth.get_session()
    own = users_seen(
        stack, {"apikey": stack.publishable_key, "Authorization": f"Bearer {session.access_token}"}
    )
    assert own.json() == [{"id": agent.id}]


def test_auth_admin_and_storage_take_the_secret_key(stack, make_agent):
    agent = make_agent()
    admin = web.get(f"{stack.url}/auth/v1/admin/users/{agent.id}", headers={"apikey": stack.secret_key})
    assert (admin.status_code, admin.json()["email"]) == (200, agent.email)
    not_admin = web.get(
        f"{stack.url}/auth/v1/admin/users/{agent.id}", headers={"apikey": stack.publishable_key}
    )
    assert not_admin.status_code == 403
    buckets = web.get(f"{stack.url}/storage/v1/bucket", headers={"apikey": stack.secret_key})
    assert "media" in [b["id"] for b in buckets.json()]


def test_supabase_py_works_with_either_new_key(stack, make_agent):
    agent = make_agent()
    service = stack.client(stack.secret_key)
    assert service.table("users").select("id").eq("id", agent.id).execute().data == [{"id": agent.id}]
    public = stack.client(stack.publishable_key)
    public.auth.sign_in_with_password({"email": agent.email, "password": agent.password})
    assert public.table("users").select("id").execute().data == [{"id": agent.id}]


@pytest.mark.parametrize(
    "headers",
    [
        {"apikey": "sb_secret_NotThisProjects0000000000_00000000"},
        {"apikey": "sb_publishable_NotThisProjects0000000_00000000"},
        {"Authorization": "Bearer sb_secret_NotThisProjects0000000000_00000000"},
    ],
    ids=["unknown-secret", "unknown-publishable", "bearer-only"],
)
def test_a_key_the_project_does_not_have_is_refused(stack, headers):
    answer = users_seen(stack, headers)
    assert (answer.status_code, answer.json()) == (401, {"message": "Invalid API key"})


def test_a_new_key_in_authorization_must_be_the_apikey_one(stack):
    mixed = {"apikey": stack.publishable_key, "Authorization": f"Bearer {stack.secret_key}"}
    answer = users_seen(stack, mixed)
    assert answer.status_code == 401
    assert "send it in apikey" in answer.json()["message"]


def test_a_secret_key_is_refused_to_a_browser(stack):
    answer = users_seen(stack, {"apikey": stack.secret_key, "User-Agent": BROWSER})
    assert (answer.status_code, answer.json()) == (
        401,
        {"message": "Forbidden use of secret API key in browser"},
    )
    # A publishable key is made for browsers: it gets anon's answer (here: no privilege on users).
    anon = users_seen(stack, {"apikey": stack.publishable_key, "User-Agent": BROWSER})
    assert (anon.status_code, anon.json()["code"]) == (401, "42501")
