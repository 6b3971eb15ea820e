"""IDs given by their first characters, like git: `stagefy projects show 3f2a`.

A prefix becomes a range of UUIDs (`3f2a0000-...` to `3f2affff-...`), queried with plain `gte`/`lte`
filters, so it uses the primary key index and works the same on any PostgREST.
"""

from __future__ import annotations

import re

from stagefy_cli.errors import NotFound, UsageError

_HEX = re.compile(r"^[0-9a-f]+$")


def _as_uuid(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def uuid_range(prefix: str) -> tuple[str, str]:
    digits = prefix.strip().lower().replace("-", "")
    if not digits or not _HEX.match(digits) or len(digits) > 32:
        raise UsageError(f"'{prefix}' is not an ID or the start of one (hex digits).")
    return _as_uuid(digits.ljust(32, "0")), _as_uuid(digits.ljust(32, "f"))


#: A command that deletes needs at least this many characters of an ID, whatever else exists: a
#: one-character prefix that happens to be unambiguous today is too easy to type by mistake.
MIN_PREFIX_TO_DELETE = 4


def check_prefix_to_delete(prefix: str) -> str:
    if len(prefix.strip().replace("-", "")) < MIN_PREFIX_TO_DELETE:
        raise UsageError(
            f"give at least {MIN_PREFIX_TO_DELETE} characters of the ID to delete, not '{prefix}'."
        )
    return prefix


def resolve(client, table: str, prefix: str, noun: str) -> str:
    """The one id in `table` (visible to the caller) starting with `prefix`."""
    low, high = uuid_range(prefix)
    if low == high:
        rows = client.table(table).select("id").eq("id", low).limit(1).execute().data
    else:
        rows = client.table(table).select("id").gte("id", low).lte("id", high).limit(2).execute().data
    if not rows:
        raise NotFound(f"no {noun} with ID {prefix}.")
    if len(rows) > 1:
        raise UsageError(
            f"the ID {prefix} is ambiguous: more than one {noun} starts with it; give more characters."
        )
    return rows[0]["id"]
