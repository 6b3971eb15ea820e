"""Per-install secrets of the embedded stack: the JWT secret and the anon/service_role keys.

Generated on first start, kept in a 0600 file under the local stack dir, never printed except by
`stagefy local status` (which a developer runs to copy them, like `supabase status`).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from stagefy_cli.backend.paths import write_private_file

ISSUER = "stagefy-local"
KEY_LIFETIME_S = 10 * 365 * 24 * 3600


@dataclass(frozen=True)
class StackKeys:
    jwt_secret: str
    anon_key: str
    service_role_key: str


def api_key(secret: str, role: str) -> str:
    """An API key as Supabase issues them: an HS256 JWT with `iss`, `role`, `exp` and no `sub`."""
    import jwt  # only when keys are made: reading them is on every local command's path

    payload = {"iss": ISSUER, "role": role, "exp": int(time.time()) + KEY_LIFETIME_S}
    return jwt.encode(payload, secret, algorithm="HS256")


def generate() -> StackKeys:
    secret = secrets.token_urlsafe(48)
    return StackKeys(secret, api_key(secret, "anon"), api_key(secret, "service_role"))


def load_or_create(path: Path) -> StackKeys:
    if path.exists():
        return StackKeys(**json.loads(path.read_text(encoding="utf-8")))
    keys = generate()
    write_private_file(path, json.dumps(asdict(keys)))
    return keys
