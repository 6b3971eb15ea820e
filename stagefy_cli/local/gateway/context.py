"""What every part of the gateway shares: the database, the keys and where blobs live."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

from stagefy_cli.local.auth_settings import AuthSettings
from stagefy_cli.local.gateway.db import Database
from stagefy_cli.local.gateway.rate_limits import AuthLimits
from stagefy_cli.local.keys import StackKeys
from stagefy_cli.local.mailbox import Mailbox

BCRYPT_COST = 10  # Go's bcrypt.DefaultCost, what GoTrue uses
JWT_LEEWAY_S = 30
API_ROLES = ("anon", "authenticated", "service_role")  # PostgREST accepts 30 s of clock skew on exp/iat/nbf


class InvalidToken(Exception):
    """The bearer token could not be decoded, has a bad signature, or has expired."""


@dataclass
class GatewayContext:
    db: Database
    keys: StackKeys
    storage_root: Path
    api_url: str
    access_token_ttl: int = 3600  # GOTRUE_JWT_EXP
    refresh_reuse_interval: int = 10  # seconds a rotated refresh token may still be replayed
    password_cost: int = BCRYPT_COST  # bcrypt cost of new password hashes (GoTrue's; tests use less)
    # Realtime's hub (`realtime/hub.py`), set by the first create_app over this context
    realtime: Any = field(default=None, init=False)
    auth_limits: AuthLimits = field(default_factory=AuthLimits.from_environment)  # GoTrue's rate limits
    auth_settings: AuthSettings = field(default_factory=AuthSettings)  # e-mail confirmation, site URL
    mailbox: Mailbox | None = None  # the mail catcher; next to the storage directory unless given

    def __post_init__(self):
        if self.mailbox is None:
            self.mailbox = Mailbox(Path(self.storage_root).parent / "mail")
        # Verifying a signature costs about as much as the rest of a small request, and a worker or
        # a CLI session sends the same token thousands of times: verified tokens are remembered,
        # and only their expiry is checked again on each use.
        self._verified = functools.lru_cache(maxsize=1024)(self._verify)

    def close(self) -> None:
        if self.realtime is not None:
            self.realtime.close()
        self.db.close()

    def decode_jwt(self, token: str) -> dict:
        """Verify an HS256 token signed with the stack's secret and return its claims."""
        claims = self._verified(token)
        expires = claims.get("exp")
        if expires is not None and expires < time.time() - JWT_LEEWAY_S:
            raise InvalidToken("JWT expired")
        return dict(claims)

    def _verify(self, token: str) -> dict:
        try:
            return jwt.decode(
                token,
                self.keys.jwt_secret,
                algorithms=["HS256"],
                options={"verify_aud": False},
                leeway=JWT_LEEWAY_S,
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("JWT expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc) or "invalid JWT") from exc

    def bearer_claims(self, headers) -> dict:
        """The claims of the request's bearer token, mapped the way Supabase's API gateway does.

        No `Authorization` header means the `apiKey` is used as the bearer (Kong's request
        transformer does the same); with neither, the request is anonymous (`{"role": "anon"}`).
        """
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        token = token or headers.get("apikey", "")
        if not token:
            return {"role": "anon"}
        claims = self.decode_jwt(token)
        if claims.get("role", "anon") not in API_ROLES:
            # PostgREST connects as `authenticator`, which can only become these roles; the gateway
            # connects as the owner, so it must refuse any other role a signed token names.
            raise InvalidToken(f"role {claims.get('role')!r} is not allowed")
        return claims
