"""Buying credits and plans as the signed-in agent: packs, plans, PayFast checkout links, and the
subscription's status and changes.

Links and changes come from the project's PayFast Edge Function (`supabase/functions/payfast`,
at `<SUPABASE_URL>/functions/v1/payfast/...` on a hosted project and the local stack alike), which
holds the merchant's secrets and reads prices from the database: the agent's machine sends only its
session. Credits, tiers and `active` come only from PayFast's notifications to that function.
"""

from __future__ import annotations

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import NotFound, UsageError
from stagefy_cli.models import PAID_TIERS as TIERS
from stagefy_cli.services.fields import check_choice

ACTIONS = ("cancel", "pause", "resume")


def packs(ctx: UserContext) -> list[dict]:
    return (
        ctx.client.table("credit_packs")
        .select("code,name,credits,price_zar")
        .eq("active", True)
        .order("price_zar")
        .execute()
        .data
    )


def plans(ctx: UserContext) -> list[dict]:
    return (
        ctx.client.table("plans")
        .select("code,name,monthly_credits,price_zar")
        .eq("active", True)
        .order("price_zar")
        .execute()
        .data
    )


def status(ctx: UserContext) -> dict:
    """Tier, balance, the latest subscription and its plan (a plan whose paid period ended is
    dropped to free by the database before answering)."""
    return ctx.client.rpc("subscription_status", {}).execute().data


def _invoke(ctx: UserContext, route: str, body: dict) -> dict:
    """POST `body` to the payment function's `route` with the agent's session."""
    session = ctx.client.auth.get_session()
    headers = {"Authorization": f"Bearer {session.access_token}"} if session else {}
    return ctx.client.functions.invoke(
        f"payfast/{route}", {"body": body, "headers": headers, "responseType": "json"}
    )


def pack_checkout(ctx: UserContext, code: str) -> dict:
    """A signed PayFast link for one pack (`url`, `m_payment_id`, `amount`, ...); the pack's
    credits arrive when PayFast notifies the function."""
    return _invoke(ctx, "checkout", {"kind": "pack", "code": code})


def subscription_checkout(ctx: UserContext, tier: str) -> dict:
    """A signed PayFast recurring-billing link (monthly, until cancelled) for a plan."""
    check_choice(tier, TIERS, "plan")
    return _invoke(ctx, "checkout", {"kind": "subscription", "code": tier})


def paid_up_cancelled_plan(ctx: UserContext) -> dict | None:
    """The agent's current subscription when it is cancelled but still paid for (its tier lasts
    until `current_period_end`): what starting another plan now would replace. None otherwise."""
    sub = status(ctx).get("subscription")
    if sub and sub["status"] == "cancelled" and not sub.get("ended_at"):
        return sub
    return None


def changeable_subscription(ctx: UserContext, action: str) -> dict:
    """The subscription `action` would change, or why it cannot: none at all (NotFound), or a
    cancelled one, which PayFast can neither pause, resume nor cancel again (a usage error saying
    what the agent can do). The payment function refuses the same; this says it in the agent's terms."""
    check_choice(action, ACTIONS, "action")
    sub = status(ctx).get("subscription")
    if not sub or sub.get("ended_at"):
        raise NotFound("you have no subscription to change. See: stagefy plans")
    if sub["status"] == "cancelled":
        until = str(sub["current_period_end"])[:10]
        plan = sub["plan_id"]
        raise UsageError(
            {
                "cancel": f"your {plan} plan is already cancelled; you keep it until {until}",
                "pause": f"your {plan} plan is cancelled, so there is nothing to pause; "
                f"you keep it until {until}",
                "resume": f"your {plan} plan is cancelled and cannot be resumed; you keep it until "
                f"{until}. To be billed again, start a plan: stagefy subscription start {plan}",
            }[action]
        )
    return sub


def change_subscription(ctx: UserContext, action: str) -> dict:
    """Cancel, pause or resume at PayFast, then record it (the function does both; nothing is
    recorded if PayFast refuses). Returns the subscription row."""
    check_choice(action, ACTIONS, "action")
    return _invoke(ctx, "subscription", {"action": action})
