"""The local stack can require e-mail confirmation as hosted projects do, and catches its mail
(`stagefy local mail`) so confirmation and password recovery run end to end: the links redeem at
the gateway's /auth/v1/verify, and welcome credits come only with a confirmed address."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import web
from stagefy_testing import PASSWORD, run_cli, sql

from stagefy_cli.local.auth_settings import DEFAULT_SITE_URL, AuthSettings
from stagefy_cli.local.mailbox import Mailbox
from stagefy_cli.local.stack import LocalStack
from supabase import AuthApiError


@pytest.fixture
def mail_stack(stack, tmp_path, monkeypatch, request):
    """A gateway on the test database whose mail `stagefy local mail` reads; the CLI points at it.
    Parametrized indirectly with whether it requires e-mail confirmation."""
    from stagefy_cli.local.ephemeral import gateway

    with gateway(
        stack.dsn,
        tmp_path / "storage",
        keys=stack.ctx.keys,
        password_cost=4,
        auth_settings=AuthSettings(confirm_email=request.param),
        mailbox=Mailbox(LocalStack().mail_dir),
    ) as running:
        monkeypatch.setenv("SUPABASE_URL", running.url)
        monkeypatch.setenv("SUPABASE_ANON_KEY", running.anon_key)
        yield running


def caught(email: str) -> list[dict]:
    listed = run_cli(["local", "mail", "--to", email, "--json"])
    assert listed.exit_code == 0, listed.stderr
    return listed.json()


def follow(link: str) -> dict:
    """Open a mailed link as a browser would; the fragment of the page it redirects to."""
    answer = web.get(link)
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == DEFAULT_SITE_URL
    return {key: values[0] for key, values in parse_qs(target.fragment).items()}


def login(email: str, password: str):
    return run_cli(["auth", "login", "--email", email, "--password-stdin"], input=password + "\n")


@pytest.mark.parametrize("mail_stack", [True], indirect=True)
def test_a_sign_up_gets_welcome_credits_once_its_address_is_confirmed(mail_stack):
    email = f"confirm-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = run_cli(
        ["auth", "signup", "--email", email, "--name", "Mail Agent", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert signed_up.exit_code == 0, signed_up.stderr
    assert f"Check {email} for a confirmation link" in signed_up.stderr
    [(user_id, credits)] = sql(
        mail_stack, "select id::text, credits from public.users where email = %s", email
    )
    assert credits == 0
    refused = login(email, PASSWORD)
    assert refused.exit_code == 4 and "not confirmed" in refused.stderr

    [message] = caught(email)
    assert (message["subject"], message["type"]) == ("Confirm Your Signup", "signup")
    assert message["link"].startswith(f"{mail_stack.url}/auth/v1/verify?")
    session = follow(message["link"])
    assert session["type"] == "signup" and session["access_token"] and session["refresh_token"]
    assert follow(message["link"])["error_code"] == "otp_expired"  # a link is spent once

    signed_in = login(email, PASSWORD)
    assert signed_in.exit_code == 0, signed_in.stderr
    ledger = sql(
        mail_stack, "select amount, reference_id from public.credit_transactions where user_id = %s", user_id
    )
    assert ledger == [(50, "welcome")]


@pytest.mark.parametrize("mail_stack", [False], indirect=True)
def test_a_forgotten_password_is_reset_from_the_caught_mail(mail_stack):
    email = f"forgot-{uuid.uuid4().hex[:8]}@example.com"
    client = mail_stack.client()
    client.auth.sign_up({"email": email, "password": PASSWORD})
    client.auth.sign_out()
    client.auth.reset_password_for_email(email)
    [message] = caught(email)
    assert (message["subject"], message["type"]) == ("Reset Your Password", "recovery")

    session = follow(message["link"])
    assert session["type"] == "recovery"
    client.auth.set_session(session["access_token"], session["refresh_token"])
    client.auth.update_user({"password": "a-new-password-42"})

    assert login(email, PASSWORD).exit_code == 4
    assert login(email, "a-new-password-42").exit_code == 0


@pytest.mark.parametrize("mail_stack", [False], indirect=True)
def test_an_emailed_sign_in_code_signs_in_once(mail_stack):
    email = f"otp-{uuid.uuid4().hex[:8]}@example.com"
    client = mail_stack.client()
    user = client.auth.sign_up({"email": email, "password": PASSWORD}).user
    client.auth.sign_out()
    client.auth.sign_in_with_otp({"email": email, "options": {"should_create_user": False}})
    [message] = caught(email)
    assert (message["subject"], message["type"]) == ("Your Magic Link", "magiclink")
    assert len(message["code"]) == 6
    verified = client.auth.verify_otp({"email": email, "token": message["code"], "type": "email"})
    assert verified.user.id == user.id
    with pytest.raises(AuthApiError, match="invalid or has expired"):
        client.auth.verify_otp({"email": email, "token": message["code"], "type": "email"})
