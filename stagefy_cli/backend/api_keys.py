"""The kinds of a Supabase project's API keys, told apart without the network.

A project has publishable keys (`sb_publishable_...`, what the legacy JWT `anon` key was) and
secret keys (`sb_secret_...`, what the legacy `service_role` key was); the legacy JWT keys work
beside them until the project disables them. A publishable or anon key is safe in an app; a
secret or service_role key bypasses row level security and must never be in a profile.
"""

from __future__ import annotations

import base64
import json

PUBLISHABLE = "publishable"
SECRET = "secret"
ANON = "anon"  # legacy JWT
SERVICE_ROLE = "service_role"  # legacy JWT
PUBLIC_KINDS = (PUBLISHABLE, ANON)
SERVICE_KINDS = (SECRET, SERVICE_ROLE)


def key_kind(key: str) -> str | None:
    """`publishable`, `secret`, `anon` or `service_role`, or None for anything else. A legacy key's
    `role` claim is read without checking its signature: the server checks it, this only names it."""
    if key.startswith("sb_publishable_"):
        return PUBLISHABLE
    if key.startswith("sb_secret_"):
        return SECRET
    parts = key.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    role = claims.get("role") if isinstance(claims, dict) else None
    return role if role in (ANON, SERVICE_ROLE) else None


def is_new_key(key: str) -> bool:
    """A key of the new kinds: not a JWT, so it is sent in `apikey` and never verified as one."""
    return key.startswith("sb_")
