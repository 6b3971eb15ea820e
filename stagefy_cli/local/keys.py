"""Per-install secrets of the embedded stack: the JWT secret and its API keys, of both kinds a
hosted project has: the legacy JWT `anon` / `service_role` keys and the new publishable / secret
keys (`sb_publishable_...`, `sb_secret_...`, which the gateway maps to those roles).

Generated on first start, kept in a 0600 file under the local stack dir, never printed except by
`stagefy local status` (which a developer runs to copy them, like `supabase status`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import NamedTuple

from stagefy_cli.backend.paths import write_private_file

ISSUER = "stagefy-local"
KEY_LIFETIME_S = 10 * 365 * 24 * 3600


class StackKeys(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    jwt_secret: str
    anon_key: str
    service_role_key: str
    publishable_key: str = ""
    secret_key: str = ""


def api_key(secret: str, role: str) -> str:
    """An API key as Supabase issues them: an HS256 JWT with `iss`, `role`, `exp` and no `sub`."""
    import jwt  # only when keys are made: reading them is on every local command's path

    payload = {"iss": ISSUER, "role": role, "exp": int(time.time()) + KEY_LIFETIME_S}
    return jwt.encode(payload, secret, algorithm="HS256")


def opaque_key(prefix: str) -> str:
    """A new-style key as a hosted project shows them: the prefix, 22 random letters and digits, `_`,
    and 8 more (`sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH`)."""
    import secrets  # here: every command on the local profile loads the keys, few make them
    import string

    alphabet = string.ascii_letters + string.digits
    pick = lambda n: "".join(secrets.choice(alphabet) for _ in range(n))  # noqa: E731
    return f"{prefix}{pick(22)}_{pick(8)}"


def generate() -> StackKeys:
    import secrets

    secret = secrets.token_urlsafe(48)
    return StackKeys(
        secret,
        api_key(secret, "anon"),
        api_key(secret, "service_role"),
        opaque_key("sb_publishable_"),
        opaque_key("sb_secret_"),
    )


def load_or_create(path: Path) -> StackKeys:
    """The install's keys; a file written before the new keys existed gets them added."""
    if not path.exists():
        keys = generate()
        write_private_file(path, json.dumps(keys._asdict()))
        return keys
    stored = json.loads(path.read_text(encoding="utf-8"))
    keys = StackKeys(**{name: stored[name] for name in StackKeys._fields if name in stored})
    if not (keys.publishable_key and keys.secret_key):
        keys = keys._replace(
            publishable_key=opaque_key("sb_publishable_"), secret_key=opaque_key("sb_secret_")
        )
        write_private_file(path, json.dumps(keys._asdict()))
    return keys
