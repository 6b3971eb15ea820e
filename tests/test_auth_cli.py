"""Sign-up, login, refresh, logout and their errors, through the CLI against the local stack."""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from stagefy_testing import PASSWORD, run_cli

from stagefy_cli.backend.session_store import SessionStore

TOKEN_KEY = "supabase.auth.token"


def _email() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}@example.com"


def _signup(email: str, password: str = PASSWORD, *extra: str):
    return run_cli(
        ["auth", "signup", "--email", email, "--name", "Thandi Mokoena", "--password-stdin", *extra],
        input=password + "\n",
    )


def test_signup_then_profile_and_balance(cli_stack):
    email = _email()
    result = _signup(
        email, PASSWORD, "--brokerage", "Coastal Realty", "--market", "Cape Town", "--use-case", "photos"
    )
    assert result.exit_code == 0, result.stderr
    assert "Signed up as" in result.stderr

    profile = run_cli(["profile", "show", "--json"]).json()
    assert profile["email"] == email
    assert profile["full_name"] == "Thandi Mokoena"
    assert profile["brokerage"] == "Coastal Realty"
    assert profile["market"] == "Cape Town"
    assert profile["use_case"] == "photos"
    assert profile["role"] == "agent"
    assert profile["credits"] == 50

    balance = run_cli(["credits", "balance", "--json"]).json()
    assert balance["credits"] == 50
    assert balance["subscription_tier"] == "free"


def test_profile_update_changes_only_allowed_fields(cli_stack):
    assert _signup(_email()).exit_code == 0
    result = run_cli(["profile", "update", "--phone", "+27 82 555 0101", "--brokerage", "Seaside", "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.json()["phone"] == "+27 82 555 0101"
    assert result.json()["brokerage"] == "Seaside"
    assert run_cli(["profile", "update"]).exit_code == 2
    bad_phone = run_cli(["profile", "update", "--phone", "abc"])
    assert bad_phone.exit_code == 2
    assert bad_phone.stderr.strip() == "Error: 'abc' is not a phone number (7 to 15 digits)."
    bad_url = run_cli(["profile", "update", "--avatar-url", "notaurl"])
    assert bad_url.exit_code == 2
    assert bad_url.stderr.strip() == "Error: 'notaurl' is not an http(s) URL."
    assert run_cli(["profile", "show", "--json"]).json()["phone"] == "+27 82 555 0101"


def test_duplicate_email_is_refused(cli_stack):
    email = _email()
    assert _signup(email).exit_code == 0
    run_cli(["auth", "logout"])
    result = _signup(email)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: an account with this email already exists. Sign in with: stagefy auth login"
    )


def test_weak_password_is_refused(cli_stack):
    result = _signup(_email(), "abc")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == "Error: Password should be at least 6 characters."


def test_bad_password(cli_stack, make_agent):
    agent = make_agent()
    result = run_cli(["auth", "login", "--email", agent.email, "--password-stdin"], input="wrong-password\n")
    assert result.exit_code == 4
    assert (
        result.stderr.strip()
        == "Error: wrong email or password. Try again, or sign up with: stagefy auth signup"
    )


def test_password_needs_stdin_without_a_terminal(cli_stack):
    result = run_cli(["auth", "login", "--email", _email()])
    assert result.exit_code == 2
    assert "--password-stdin" in result.stderr


def test_not_signed_in(cli_stack):
    for args in (["profile", "show"], ["credits", "balance"], ["auth", "status"]):
        result = run_cli(args)
        assert result.exit_code == 4, args
        assert result.stderr.strip() == "Error: not signed in. Run: stagefy auth login"


def test_login_status_and_token_not_leaked(cli_stack, signed_in_agent):
    status = run_cli(["auth", "status", "--json"])
    assert status.exit_code == 0
    info = status.json()
    assert info["email"] == signed_in_agent.email
    assert info["user_id"] == signed_in_agent.id
    session = json.loads(SessionStore(info["profile"]).get_item(TOKEN_KEY))
    assert session["access_token"] not in status.stdout + status.stderr
    token = run_cli(["auth", "token"]).stdout.strip()
    assert token == session["access_token"]


def test_expired_access_token_is_refreshed_and_rotation_saved(cli_stack, signed_in_agent):
    store = SessionStore("local")
    session = json.loads(store.get_item(TOKEN_KEY))
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 600
    claims["iat"] = int(time.time()) - 4200
    session["access_token"] = jwt.encode(claims, cli_stack.ctx.keys.jwt_secret, algorithm="HS256")
    session["expires_at"] = claims["exp"]
    store.set_item(TOKEN_KEY, json.dumps(session))
    old_refresh = session["refresh_token"]

    result = run_cli(["profile", "show", "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.json()["email"] == signed_in_agent.email

    rotated = json.loads(SessionStore("local").get_item(TOKEN_KEY))
    assert rotated["refresh_token"] != old_refresh
    assert rotated["expires_at"] > time.time()


def test_logout_revokes_the_session(cli_stack, signed_in_agent):
    old = json.loads(SessionStore("local").get_item(TOKEN_KEY))
    result = run_cli(["auth", "logout"])
    assert result.exit_code == 0
    assert "Signed out" in result.stderr
    assert SessionStore("local").get_item(TOKEN_KEY) is None
    assert run_cli(["profile", "show"]).exit_code == 4
    # the server revoked it too: the old refresh token no longer works
    from supabase_auth.errors import AuthApiError

    client = cli_stack.client()
    with pytest.raises(AuthApiError):
        client.auth.refresh_session(old["refresh_token"])
    assert run_cli(["auth", "logout"]).stderr.strip() == "Not signed in."


def test_session_in_fallback_file_with_warning(cli_stack, make_agent, isolated_home):
    agent = make_agent()
    result = run_cli(
        ["auth", "login", "--email", agent.email, "--password-stdin"], input=agent.password + "\n"
    )
    assert result.exit_code == 0
    assert "no OS keyring available" in result.stderr
    path = isolated_home / "config" / "sessions" / "local.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
