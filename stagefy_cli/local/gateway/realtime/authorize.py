"""May these claims read a private channel's messages? Realtime's own check, in its order.

Realtime inserts a probe message of the channel's topic as its admin, then, in the same
transaction, takes the joining user's role and claims and `realtime.topic()`, selects the probe
through row level security, and rolls everything back. The answer is what the project's policies on
`realtime.messages` say, with nothing kept.
"""

from __future__ import annotations

import json
import uuid

from stagefy_cli.local.gateway.db import Database

_PROBE = "insert into realtime.messages (id, topic, extension) values (%s, %s, 'broadcast')"
_AS_USER = (
    "select set_config('role', %s, true), set_config('realtime.topic', %s, true),"
    " set_config('request.jwt.claims', %s, true), set_config('request.jwt.claim.sub', %s, true),"
    " set_config('request.jwt.claim.role', %s, true), set_config('request.headers', %s, true)"
)


class _RollBack(Exception):
    """Leaves the probe's transaction with nothing written."""


def can_read(db: Database, topic: str, claims: dict, headers: dict[str, str]) -> bool:
    role = str(claims.get("role") or "anon")
    probe = str(uuid.uuid4())
    readable = False
    try:
        with db.superuser() as conn:
            conn.execute(_PROBE, (probe, topic))
            conn.execute(
                _AS_USER,
                (role, topic, json.dumps(claims), str(claims.get("sub") or ""), role, json.dumps(headers)),
            )
            readable = (
                conn.execute("select 1 from realtime.messages where id = %s", (probe,)).fetchone() is not None
            )
            raise _RollBack
    except _RollBack:
        pass
    return readable
