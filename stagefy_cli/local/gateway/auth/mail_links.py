"""E-mailed links and codes, as GoTrue makes and checks them: sign-up confirmation, password
recovery and sign-in links (`/recover`, `/otp`), and `/verify`, where a link or a code is redeemed.

A message carries a six-digit code and a link `<api>/auth/v1/verify?token=<hash>&type=<type>&
redirect_to=<url>`; the user's row keeps only the hash (GoTrue's `GenerateTokenHash`: SHA-224 of the
address and the code) in `confirmation_token` (sign-up) or `recovery_token` (recovery, sign-in
link), with the time it was sent. A redeemed link confirms the address, is spent, starts a session
and redirects to the site with the session in the URL fragment, as GoTrue's GET /verify does; POST
/verify (supabase-py's `verify_otp`) answers the session as JSON. Messages go to the stack's mail
catcher (`stagefy_cli.local.mailbox`), after the project's hourly e-mail limit is checked.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlencode

import psycopg
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from stagefy_cli.local.gateway.auth import sessions, users
from stagefy_cli.local.gateway.auth.errors import AuthError, validation_failed
from stagefy_cli.local.gateway.auth.http import endpoint
from stagefy_cli.local.gateway.auth.limits import AuthLimiter, caller_address
from stagefy_cli.local.gateway.auth.tokens import session_json
from stagefy_cli.local.gateway.context import GatewayContext

OTP_EXPIRY_S = 86400  # GOTRUE_MAILER_OTP_EXP's default
# type -> (token column, sent-at column, subject): GoTrue's default subjects
KINDS = {
    "signup": ("confirmation_token", "confirmation_sent_at", "Confirm Your Signup"),
    "recovery": ("recovery_token", "recovery_sent_at", "Reset Your Password"),
    "magiclink": ("recovery_token", "recovery_sent_at", "Your Magic Link"),
}


def token_hash(email: str, code: str) -> str:
    return hashlib.sha224((email + code).encode()).hexdigest()


def redirect_target(ctx: GatewayContext, requested: object) -> str:
    """Where a link leads: the `redirect_to` asked for when it is on the site, else the site."""
    site = ctx.auth_settings.site_url
    return requested if isinstance(requested, str) and requested.startswith(site) else site


def send(
    ctx: GatewayContext,
    limiter: AuthLimiter,
    conn: psycopg.Connection,
    user: dict,
    kind: str,
    redirect_to: object = None,
) -> None:
    """Make a code for `user`, keep its hash and mail the link (refused past the e-mail limit)."""
    limiter.email_sent()
    token_column, sent_column, subject = KINDS[kind]
    code = f"{secrets.randbelow(10**6):06d}"
    hashed = token_hash(user["email"], code)
    conn.execute(
        f"update auth.users set {token_column} = %s, {sent_column} = now() where id = %s",
        (hashed, user["id"]),
    )
    query = urlencode({"token": hashed, "type": kind, "redirect_to": redirect_target(ctx, redirect_to)})
    link = f"{ctx.api_url.rstrip('/')}/auth/v1/verify?{query}"
    ctx.mailbox.deliver(to=user["email"], subject=subject, kind=kind, link=link, code=code)


def redeem(ctx: GatewayContext, conn: psycopg.Connection, kind: str, hashed: str) -> dict:
    """Spend a link or code of `kind`: confirm the address and start a session. Returns the
    session JSON; refuses an unknown, spent or expired one as GoTrue does."""
    if kind not in KINDS:
        raise validation_failed(f"Verify requires a verification type: {', '.join(KINDS)}")
    token_column, sent_column, _ = KINDS[kind]
    row = conn.execute(
        f"update auth.users set {token_column} = '' where {token_column} = %s and {token_column} <> ''"
        f" and {sent_column} > now() - make_interval(secs => %s) returning id",
        (hashed, OTP_EXPIRY_S),
    ).fetchone()
    if row is None:
        raise AuthError(403, "otp_expired", "Email link is invalid or has expired")
    user = users.update_user(conn, row["id"], email_confirmed_at=True, last_sign_in_at=True)
    if users.is_banned(user):
        raise AuthError(400, "user_banned", "User is banned")
    return session_json(ctx, user, sessions.start_session(conn, user["id"]))


def routes(ctx: GatewayContext, limiter: AuthLimiter) -> list[Route]:
    """`/recover`, `/otp` and `/verify`, each rate-limited per caller."""

    def verify_link(request: Request, body: dict) -> Response:
        """GET /verify: the link in a message; redirects with the session (or the error) in the fragment."""
        limiter.check("verify", caller_address(request))
        params = request.query_params
        target = redirect_target(ctx, params.get("redirect_to"))
        try:
            with ctx.db.superuser() as conn:
                session = redeem(ctx, conn, params.get("type") or "", params.get("token") or "")
        except AuthError as exc:
            fragment = {"error": "access_denied", "error_code": exc.code, "error_description": exc.message}
            return RedirectResponse(f"{target}#{urlencode(fragment)}", status_code=303)
        fragment = {
            key: session[key]
            for key in ("access_token", "expires_at", "expires_in", "refresh_token", "token_type")
        }
        return RedirectResponse(
            f"{target}#{urlencode({**fragment, 'type': params.get('type')})}", status_code=303
        )

    def verify_code(request: Request, body: dict) -> Response:
        """POST /verify: `{type, token_hash}` or `{type, email, token}` (the six-digit code)."""
        limiter.check("verify", caller_address(request))
        kind = body.get("type") or ""
        kind = "magiclink" if kind == "email" else kind  # supabase-py's type for an e-mailed code
        hashed = body.get("token_hash")
        if not hashed:
            email, code = body.get("email"), body.get("token")
            if not isinstance(email, str) or not isinstance(code, str):
                raise validation_failed("Verify requires either a token_hash, or an email and a token")
            hashed = token_hash(users.normalize_email(email), code.strip())
        with ctx.db.superuser() as conn:
            return JSONResponse(redeem(ctx, conn, kind, str(hashed)))

    def recover(request: Request, body: dict) -> Response:
        """POST /recover: mail a password-recovery link; the same answer whether the address is known."""
        limiter.check("recover", caller_address(request))
        email = users.normalize_email(body.get("email"))
        with ctx.db.superuser() as conn:
            user = users.find_by_email(conn, email)
            if user is not None:
                send(ctx, limiter, conn, user, "recovery", request.query_params.get("redirect_to"))
        return JSONResponse({})

    def otp(request: Request, body: dict) -> Response:
        """POST /otp: mail a sign-in link and code to a known address; an unknown one is signed up
        (confirmed when the link is used) unless `create_user` is false."""
        limiter.check("otp", caller_address(request))
        email = users.normalize_email(body.get("email"))
        redirect_to = body.get("email_redirect_to") or request.query_params.get("redirect_to")
        with ctx.db.superuser() as conn:
            user = users.find_by_email(conn, email)
            if user is None:
                if body.get("create_user") is False:
                    raise AuthError(422, "otp_disabled", "Signups not allowed for otp")
                data = body.get("data") or {}
                user = users.insert_user(
                    conn, email=email, encrypted_password=None, user_metadata=data if isinstance(data, dict) else {},
                    app_metadata=users.EMAIL_APP_METADATA, confirmed=False,
                )  # fmt: skip
                send(ctx, limiter, conn, user, "signup", redirect_to)
            else:
                send(ctx, limiter, conn, user, "magiclink", redirect_to)
        return JSONResponse({})

    return [
        Route("/recover", endpoint(recover), methods=["POST"]),
        Route("/otp", endpoint(otp), methods=["POST"]),
        Route("/verify", endpoint(verify_link), methods=["GET"]),
        Route("/verify", endpoint(verify_code), methods=["POST"]),
    ]
