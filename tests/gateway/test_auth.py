"""The gateway's GoTrue subset, driven by the unmodified supabase-py client over real HTTP."""

from __future__ import annotations

import threading
import time
import uuid

import jwt
import psycopg
import pytest
import web

from supabase import AuthApiError, AuthWeakPasswordError

PASSWORD = "a-long-enough-password"


def fresh_email() -> str:
    return f"auth-{uuid.uuid4().hex[:12]}@example.com"


def sql(stack, query: str, params=()):
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def has_handle_new_user(stack) -> bool:
    return bool(sql(stack, "select 1 from pg_proc where proname = 'handle_new_user'"))


def mint(stack, claims: dict) -> str:
    return jwt.encode(claims, stack.ctx.keys.jwt_secret, algorithm="HS256")


def test_sign_up_returns_a_session_and_creates_the_profile(stack):
    client, email = stack.client(), fresh_email()
    response = client.auth.sign_up(
        {"email": email, "password": PASSWORD, "options": {"data": {"full_name": "Ada Agent"}}}
    )

    session, user = response.session, response.user
    assert session is not None and session.refresh_token and session.expires_in == 3600
    assert user.email == email and user.user_metadata == {"full_name": "Ada Agent"}
    assert user.app_metadata == {"provider": "email", "providers": ["email"]}
    assert user.email_confirmed_at is not None
    claims = jwt.decode(
        session.access_token, stack.ctx.keys.jwt_secret, algorithms=["HS256"], audience="authenticated"
    )
    assert claims["iss"] == stack.url + "/auth/v1"
    assert claims["sub"] == user.id and claims["role"] == "authenticated" and claims["aal"] == "aal1"
    assert claims["exp"] - claims["iat"] == 3600 and claims["phone"] == "" and claims["is_anonymous"] is False
    assert claims["amr"][0]["method"] == "password" and isinstance(claims["amr"][0]["timestamp"], int)
    assert sql(stack, "select 1 from auth.sessions where id = %s", (claims["session_id"],))
    stored = sql(stack, "select encrypted_password from auth.users where id = %s", (user.id,))[0][0]
    assert stored.startswith(f"$2b${stack.ctx.password_cost:02d}$")  # the test stack's low cost
    if not has_handle_new_user(stack):
        pytest.skip("public.handle_new_user is not migrated yet")
    assert sql(stack, "select full_name from public.users where id = %s", (user.id,)) == [("Ada Agent",)]


def test_a_gateway_hashes_at_gotrue_cost_unless_told_otherwise(stack, tmp_path):
    from stagefy_cli.local.ephemeral import gateway

    assert stack.ctx.password_cost == 4  # the test stack: bcrypt's lowest cost, for speed
    with gateway(stack.dsn, tmp_path / "storage", keys=stack.ctx.keys) as default:
        user = default.client().auth.sign_up({"email": fresh_email(), "password": PASSWORD}).user
    stored = sql(stack, "select encrypted_password from auth.users where id = %s", (user.id,))[0][0]
    assert stored.startswith("$2b$10$")
    # a password hashed at either cost signs in on either gateway
    assert (
        stack.client().auth.sign_in_with_password({"email": user.email, "password": PASSWORD}).user.id
        == user.id
    )


def test_sign_up_with_a_registered_email_is_refused(stack):
    email = fresh_email()
    stack.client().auth.sign_up({"email": email, "password": PASSWORD})
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.sign_up({"email": email.upper(), "password": PASSWORD})
    assert caught.value.code == "user_already_exists" and caught.value.status == 422
    assert caught.value.message == "User already registered"


def test_sign_up_with_a_short_password_is_a_weak_password_error(stack):
    with pytest.raises(AuthWeakPasswordError) as caught:
        stack.client().auth.sign_up({"email": fresh_email(), "password": "12345"})
    assert caught.value.reasons == ["length"] and caught.value.status == 422


def test_sign_up_with_a_malformed_email_is_a_validation_error(stack):
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.sign_up({"email": "not-an-email", "password": PASSWORD})
    assert caught.value.code == "validation_failed" and caught.value.status == 400


def test_failing_profile_trigger_leaves_no_auth_user(stack, make_agent):
    if not has_handle_new_user(stack):
        pytest.skip("public.handle_new_user is not migrated yet")
    # The profile keeps the agent's old e-mail after the auth row moves on, so signing up again with
    # that e-mail passes auth's own checks but makes the trigger's insert into public.users fail.
    agent = make_agent()
    sql(stack, "update auth.users set email = %s where id = %s", (fresh_email(), agent.id))
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.sign_up({"email": agent.email, "password": PASSWORD})
    assert caught.value.status == 500 and caught.value.code == "unexpected_failure"
    assert sql(stack, "select 1 from auth.users where email = %s", (agent.email,)) == []


def test_sign_in_with_password(stack, make_agent):
    agent = make_agent("Bea")
    client = stack.client()
    response = client.auth.sign_in_with_password({"email": agent.email, "password": agent.password})
    assert response.user.id == agent.id and response.user.last_sign_in_at is not None
    assert client.auth.get_user().user.user_metadata["full_name"] == "Bea"


def test_signed_in_test_clients_leave_no_thread_behind(stack, make_agent):
    """A signed-in supabase-py client of the test stack starts no token-refresh timer (a run of the
    suite signs in about a thousand, each holding its sockets)."""
    agent = make_agent()
    before = threading.active_count()
    for _ in range(3):
        stack.client().auth.sign_in_with_password({"email": agent.email, "password": agent.password})
    assert threading.active_count() == before


@pytest.mark.parametrize("which", ["wrong password", "unknown email"])
def test_sign_in_with_bad_credentials(stack, make_agent, which):
    agent = make_agent()
    email = agent.email if which == "wrong password" else fresh_email()
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.sign_in_with_password({"email": email, "password": "wrong-password"})
    assert caught.value.code == "invalid_credentials" and caught.value.status == 400
    assert caught.value.message == "Invalid login credentials"


def test_errors_carry_the_api_version_and_error_code_headers(stack):
    response = web.post(
        f"{stack.url}/auth/v1/token",
        params={"grant_type": "magic"},
        json={},
        headers={"apiKey": stack.anon_key, "Authorization": "Bearer not-even-a-jwt"},
    )
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_credentials", "message": "unsupported_grant_type"}
    assert response.headers["x-supabase-api-version"] == "2024-01-01"
    assert response.headers["x-sb-error-code"] == "invalid_credentials"


def test_expired_access_token_is_refreshed_with_the_refresh_token(stack, make_agent):
    agent = make_agent()
    old = agent.client.auth.get_session()
    claims = jwt.decode(old.access_token, options={"verify_signature": False})
    expired = mint(stack, {**claims, "iat": claims["iat"] - 7200, "exp": int(time.time()) - 3600})

    client = stack.client()
    response = client.auth.set_session(expired, old.refresh_token)

    assert response.session.refresh_token != old.refresh_token
    assert response.session.expires_at > time.time() + 3000
    assert client.auth.get_user().user.id == agent.id


def test_refresh_tokens_rotate_and_a_late_replay_revokes_the_session(stack, make_agent):
    agent = make_agent()
    first = agent.client.auth.get_session()
    second = agent.client.auth.refresh_session().session
    assert second.refresh_token != first.refresh_token

    # Replayed within the reuse interval (a client that lost the response): the current token.
    retried = stack.client().auth.refresh_session(first.refresh_token).session
    assert retried.refresh_token == second.refresh_token

    sql(
        stack,
        "update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = %s",
        (first.refresh_token,),
    )
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.refresh_session(first.refresh_token)
    assert caught.value.code == "refresh_token_already_used" and caught.value.status == 400
    assert caught.value.message == "Invalid Refresh Token: Already Used"

    # The whole session is gone: its newest token and its access tokens no longer work.
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.refresh_session(second.refresh_token)
    assert caught.value.code == "refresh_token_already_used"
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.get_user(second.access_token)
    assert caught.value.code == "session_not_found" and caught.value.status == 403


def test_unknown_refresh_token(stack):
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.refresh_session("no-such-token")
    assert caught.value.code == "refresh_token_not_found"
    assert caught.value.message == "Invalid Refresh Token: Refresh Token Not Found"


def test_sign_out_ends_the_session(stack, make_agent):
    agent = make_agent()
    session = agent.client.auth.get_session()
    agent.client.auth.sign_out()

    assert agent.client.auth.get_session() is None
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.refresh_session(session.refresh_token)
    assert caught.value.code == "refresh_token_not_found"
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.get_user(session.access_token)
    assert caught.value.code == "session_not_found"


def test_sign_out_scope_others_keeps_the_current_session(stack, make_agent):
    agent = make_agent()
    other = stack.client()
    other_session = other.auth.sign_in_with_password(
        {"email": agent.email, "password": agent.password}
    ).session

    agent.client.auth.sign_out({"scope": "others"})

    assert agent.client.auth.get_user().user.id == agent.id
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.get_user(other_session.access_token)
    assert caught.value.code == "session_not_found"


def test_get_user_rejects_bad_tokens(stack, make_agent):
    client = stack.client()
    with pytest.raises(AuthApiError) as caught:
        client.auth.get_user("not-a-jwt")
    assert caught.value.code == "bad_jwt" and caught.value.status == 403

    forged = jwt.encode(
        {"sub": str(uuid.uuid4()), "role": "authenticated"},
        "a-different-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    with pytest.raises(AuthApiError) as caught:
        client.auth.get_user(forged)
    assert caught.value.code == "bad_jwt"

    agent = make_agent()
    claims = jwt.decode(agent.client.auth.get_session().access_token, options={"verify_signature": False})
    with pytest.raises(AuthApiError) as caught:
        client.auth.get_user(mint(stack, {**claims, "exp": int(time.time()) - 600}))
    assert caught.value.code == "bad_jwt"

    with pytest.raises(AuthApiError) as caught:
        client.auth.get_user(mint(stack, {**claims, "sub": str(uuid.uuid4())}))
    assert caught.value.code == "user_not_found" and caught.value.status == 403


def test_get_user_without_a_bearer_is_no_authorization(stack):
    response = web.get(f"{stack.url}/auth/v1/user", headers={"apiKey": stack.anon_key})
    assert response.status_code == 401 and response.json()["code"] == "no_authorization"


def test_update_user_merges_metadata_and_changes_the_password(stack, make_agent):
    agent = make_agent("Cleo", market="Cape Town", brokerage="Acme")
    updated = agent.client.auth.update_user({"data": {"market": None, "brokerage": "Zenith", "tier": 2}}).user
    assert updated.user_metadata == {"full_name": "Cleo", "brokerage": "Zenith", "tier": 2}

    with pytest.raises(AuthWeakPasswordError):
        agent.client.auth.update_user({"password": "short"})
    agent.client.auth.update_user({"password": "a-brand-new-password"})
    with pytest.raises(AuthApiError):
        stack.client().auth.sign_in_with_password({"email": agent.email, "password": agent.password})
    again = stack.client().auth.sign_in_with_password(
        {"email": agent.email, "password": "a-brand-new-password"}
    )
    assert again.user.user_metadata["brokerage"] == "Zenith"


def test_admin_creates_lists_updates_and_deletes_users(stack):
    admin = stack.service_client().auth.admin
    email = fresh_email()
    created = admin.create_user(
        {"email": email, "password": PASSWORD, "email_confirm": True, "user_metadata": {"full_name": "Dee"}}
    ).user
    assert created.email == email and created.email_confirmed_at is not None

    listed = admin.list_users(page=1, per_page=1000)
    assert created.id in {user.id for user in listed}
    assert len(admin.list_users(page=1, per_page=1)) == 1
    assert len(admin.list_users()) >= 1  # sends `page=&per_page=`: the defaults apply

    updated = admin.update_user_by_id(
        created.id, {"user_metadata": {"plan": "pro"}, "app_metadata": {"role": "admin"}}
    ).user
    assert updated.user_metadata == {"full_name": "Dee", "plan": "pro"}
    assert updated.app_metadata["role"] == "admin" and updated.app_metadata["provider"] == "email"
    assert admin.get_user_by_id(created.id).user.user_metadata["plan"] == "pro"
    session = stack.client().auth.sign_in_with_password({"email": email, "password": PASSWORD}).session
    assert session.user.id == created.id

    with pytest.raises(AuthApiError) as caught:
        admin.create_user({"email": email, "password": PASSWORD})
    assert caught.value.code == "email_exists"

    admin.delete_user(created.id)
    with pytest.raises(AuthApiError) as caught:
        admin.get_user_by_id(created.id)
    assert caught.value.code == "user_not_found" and caught.value.status == 404
    assert sql(stack, "select 1 from auth.users where id = %s", (created.id,)) == []


def test_admin_api_refuses_anon_and_user_tokens(stack, make_agent):
    with pytest.raises(AuthApiError) as caught:
        stack.client().auth.admin.list_users()
    assert caught.value.code == "not_admin" and caught.value.message == "User not allowed"

    agent = make_agent()
    with pytest.raises(AuthApiError) as caught:
        stack.client(agent.client.auth.get_session().access_token).auth.admin.delete_user(agent.id)
    assert caught.value.code == "not_admin" and caught.value.status == 403
