"""The local stack's auth endpoints are rate-limited per caller address as GoTrue limits them: its
settings (`GOTRUE_RATE_LIMIT_*`), its defaults, its bursts of 30 and its 429 answers. The suite's
own stacks raise the limits (conftest.py); these tests run a gateway with GoTrue's."""

from __future__ import annotations

import time
import uuid

import httpx
import psycopg
import web
from stagefy_testing import PASSWORD, run_cli

from stagefy_cli.local.gateway.rate_limits import AuthLimits


def test_the_settings_are_gotrues_names_and_defaults():
    # GoTrue's internal/conf/configuration.go: RATE_LIMIT_OTP 30, _TOKEN_REFRESH 150, _VERIFY 30
    # (each per 5 minutes per IP) and _EMAIL_SENT 30 (per hour).
    assert AuthLimits.from_environment({}) == AuthLimits(otp=30, token_refresh=150, verify=30, email_sent=30)
    configured = AuthLimits.from_environment({"GOTRUE_RATE_LIMIT_OTP": "60", "GOTRUE_RATE_LIMIT_VERIFY": "5"})
    assert (configured.otp, configured.verify, configured.token_refresh) == (60, 5, 150)


def post(stack, path: str, body: dict) -> httpx.Response:
    return web.post(f"{stack.url}/auth/v1{path}", json=body, headers={"apikey": stack.anon_key})


def allowed_until_refused(send, refill_per_second: float) -> int:
    """Send until the first 429 (GoTrue's, checked) and return how many were let through, which must
    be the burst of 30 plus what the bucket refilled meanwhile."""
    started = time.monotonic()
    for allowed in range(100):
        answer = send(allowed)
        if answer.status_code == 429:
            assert answer.json() == {
                "code": "over_request_rate_limit",
                "message": "Request rate limit reached",
            }
            assert answer.headers["x-sb-error-code"] == "over_request_rate_limit"
            assert 30 <= allowed <= 30 + refill_per_second * (time.monotonic() - started) + 1
            return allowed
        assert answer.status_code < 300 or answer.json()["code"] in ("invalid_credentials", "otp_disabled")
    raise AssertionError("100 requests in a row and no 429")


def test_wrong_passwords_and_sign_ups_meet_a_429_after_a_burst_of_30(stack, tmp_path, monkeypatch):
    from stagefy_cli.local.ephemeral import gateway

    with gateway(stack.dsn, tmp_path / "storage", keys=stack.ctx.keys, password_cost=4,
                 auth_limits=AuthLimits()) as limited:  # fmt: skip
        email = f"guess-{uuid.uuid4().hex[:8]}@example.com"
        wrong = {"email": email, "password": "not-the-password"}
        allowed_until_refused(lambda _: post(limited, "/token?grant_type=password", wrong), 150 / 300)

        prefix = f"burst-{uuid.uuid4().hex[:8]}"
        made = allowed_until_refused(
            lambda n: post(limited, "/signup", {"email": f"{prefix}-{n}@example.com", "password": PASSWORD}),
            30 / 300,
        )
        # the bucket refills one sign-up in 10 s: the CLI's comes too soon
        monkeypatch.setenv("SUPABASE_URL", limited.url)
        monkeypatch.setenv("SUPABASE_ANON_KEY", limited.anon_key)
        refused = run_cli(
            ["auth", "signup", "--email", f"{prefix}-cli@example.com", "--name", "Late", "--password-stdin"],
            input=PASSWORD + "\n" + PASSWORD + "\n",
        )
        assert refused.exit_code == 1
        assert refused.stderr.strip().splitlines()[-1] == (
            "Error: too many attempts: the auth server's rate limit for your address was reached. "
            "Wait a few minutes, then try again."
        )
    with psycopg.connect(stack.dsn) as conn:
        users = conn.execute("select count(*) from auth.users where email like %s", (f"{prefix}-%",))
        assert users.fetchone() == (made,)  # a refused sign-up made no user


def test_recovery_and_emailed_codes_are_limited_and_so_is_the_mail_sent(stack, tmp_path):
    from stagefy_cli.local.ephemeral import gateway

    def limited_gateway(**limits):
        return gateway(stack.dsn, tmp_path / "storage", keys=stack.ctx.keys, password_cost=4,
                       auth_limits=AuthLimits(**limits))  # fmt: skip

    with limited_gateway() as limited:
        unknown = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "create_user": False}
        allowed_until_refused(lambda _: post(limited, "/recover", unknown), 30 / 300)
        allowed_until_refused(lambda _: post(limited, "/otp", unknown), 30 / 300)

    with limited_gateway(email_sent=2) as limited:  # two e-mails an hour for the whole stack
        known = {"email": f"mailed-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
        assert post(limited, "/signup", known).status_code == 200
        answers = [post(limited, "/otp", {"email": known["email"]}) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].json() == {
            "code": "over_email_send_rate_limit",
            "message": "email rate limit exceeded",
        }
