"""Notifications (job completed, credits low, payments), as the signed-in agent, and the one-line
unread notice the CLI prints after a command.

Notifications are written by SQL functions; an agent may only flip `read` (a column grant).
"""

from __future__ import annotations

import os
import sys

from stagefy_cli.errors import AuthRequired, NotFound
from stagefy_cli.services import ids

NOTICE_TIMEOUT_S = 3.0


def list_notifications(ctx, *, unread: bool = False, limit: int = 30) -> tuple[list[dict], int | None]:
    query = ctx.rest.table("notifications").select("*", count="exact").eq("user_id", ctx.user_id)
    if unread:
        query = query.is_("read", False)
    response = query.order("created_at", desc=True).order("id").limit(limit).execute()
    return response.data, response.count


def mark_read(ctx, refs: list[str]) -> list[dict]:
    """Mark the given notifications read (all IDs are resolved first: one unknown ID changes none)."""
    notification_ids = [ids.resolve(ctx.client, "notifications", ref, "notification") for ref in refs]
    rows = (
        ctx.client.table("notifications")
        .update({"read": True})
        .in_("id", notification_ids)
        .eq("user_id", ctx.user_id)
        .execute()
        .data
    )
    missing = set(notification_ids) - {row["id"] for row in rows}
    if missing:
        raise NotFound(f"no notification with ID {sorted(missing)[0][:8]}.")
    return rows


def mark_all_read(ctx) -> int:
    rows = (
        ctx.client.table("notifications")
        .update({"read": True}, returning="minimal", count="exact")
        .eq("user_id", ctx.user_id)
        .is_("read", False)
        .execute()
    )
    return rows.count or 0


def unread_count(ctx) -> int:
    response = (
        ctx.rest.table("notifications")
        .select("id", count="exact", head=True)
        .eq("user_id", ctx.user_id)
        .is_("read", False)
        .execute()
    )
    return response.count or 0


def _notice_wanted(args: list[str]) -> bool:
    """Not with --json, not under STAGEFY_NO_NOTICES=1, not for `notifications` itself."""
    if os.environ.get("STAGEFY_NO_NOTICES") == "1" or "--json" in args:
        return False
    return args[:1] != ["notifications"]


def _signed_in_context():
    """The context of a command that signed in, else (after sign-in or sign-up, which talked to
    Supabase) the stored session's; None otherwise, so nothing is imported, started or asked for
    commands that never talked to the server."""
    from stagefy_cli.backend import client as clients

    if clients.last_context is not None:
        return clients.last_context
    if "supabase" not in sys.modules:
        return None
    from stagefy_cli.backend.config import current_profile

    if current_profile().is_local:
        from stagefy_cli.local.stack import LocalStack

        if not LocalStack().is_running():
            return None  # never start the local stack just to count notifications
    try:
        return clients.signed_in()
    except AuthRequired:
        return None


def unread_notice(args: list[str]) -> str | None:
    """`N unread notifications. See: ...` when there are any, for the command line `args` (None for
    none, or when not wanted). Never fails the command: the result the user asked for has already
    been printed."""
    if not _notice_wanted(args):
        return None
    try:
        ctx = _signed_in_context()
        if ctx is not None and hasattr(ctx.rest, "wire"):
            ctx.rest.wire.timeout = NOTICE_TIMEOUT_S
        count = unread_count(ctx) if ctx else 0
    except Exception:  # noqa: BLE001 - a notice is never worth an error
        return None
    if not count:
        return None
    noun = "notification" if count == 1 else "notifications"
    return f"{count} unread {noun}. See: stagefy notifications list --unread"
