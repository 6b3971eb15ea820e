"""Buying credits and plans as the signed-in agent: packs, plans, PayFast checkout links, and the
subscription's status and changes (PayFast first, then the record in the database).

What an agent can record is limited by the database (`record_subscription_change`): cancel, pause,
or a resume request. Credits, tiers and `active` come only from PayFast's notifications.
"""

from __future__ import annotations

import uuid

from stagefy_cli.backend.client import UserContext
from stagefy_cli.billing.checkout import build_checkout
from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.errors import NotFound, UsageError

TIERS = ("basic", "pro", "enterprise")
LIVE_STATUSES = ("active", "paused", "past_due")
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


def _buyer(ctx: UserContext) -> dict:
    return (
        ctx.client.table("users").select("id,email,full_name").eq("id", ctx.user_id).single().execute().data
    )


def _with_notify_url(config: PayFastConfig | None) -> PayFastConfig:
    """Without STAGEFY_PAYFAST_NOTIFY_URL, PayFast notifies the project's own payment function
    (`<api>/functions/v1/payfast-itn`, where the local stack serves it): a link without a
    notify_url would take the money and never credit anyone."""
    import dataclasses

    from stagefy_cli.backend.client import resolve_endpoint
    from stagefy_cli.backend.config import current_profile

    config = config or PayFastConfig.from_env()
    if config.notify_url:
        return config
    api = resolve_endpoint(current_profile()).url.rstrip("/")
    return dataclasses.replace(config, notify_url=f"{api}/functions/v1/payfast-itn")


def _link(kind: str, buyer: dict, item: dict, config: PayFastConfig | None) -> dict:
    m_payment_id = f"{kind}-{uuid.uuid4().hex[:20]}"
    config = _with_notify_url(config)
    url, fields = build_checkout(kind, buyer, item, m_payment_id, config=config)  # type: ignore[arg-type]
    return {
        "kind": kind,
        "item_code": item["code"],
        "item_name": item["name"],
        "credits": item["credits"],
        "amount": fields["amount"],
        "m_payment_id": m_payment_id,
        "url": url,
    }


def pack_checkout(ctx: UserContext, code: str, config: PayFastConfig | None = None) -> dict:
    """A signed PayFast link for one pack; the ITN adds the credits once PayFast confirms."""
    pack = next((p for p in packs(ctx) if p["code"] == code), None)
    if pack is None:
        available = ", ".join(p["code"] for p in packs(ctx))
        raise NotFound(f"no credit pack '{code}'. Available: {available}. See: stagefy credits packs")
    return _link("pack", _buyer(ctx), pack, config)


def status(ctx: UserContext) -> dict:
    """Tier, balance, the latest subscription and its plan (a plan whose paid period ended is
    dropped to free by the database before answering)."""
    return ctx.client.rpc("subscription_status", {}).execute().data


def _live_subscription(state: dict) -> dict | None:
    sub = state.get("subscription")
    return sub if sub and sub.get("ended_at") is None and sub["status"] in LIVE_STATUSES else None


def subscription_checkout(ctx: UserContext, tier: str, config: PayFastConfig | None = None) -> dict:
    """A signed PayFast recurring-billing link (monthly, until cancelled) for a plan."""
    if tier not in TIERS:
        raise UsageError(f"unknown plan '{tier}'. Choose one of: {', '.join(TIERS)}.")
    live = _live_subscription(status(ctx))
    if live:
        raise UsageError(
            f"you already have the {live['plan_id']} plan ({live['status']}). "
            "Cancel it first: stagefy subscription cancel"
        )
    plan = next((p for p in plans(ctx) if p["code"] == tier), None)
    if plan is None:
        raise NotFound(f"the {tier} plan is not on sale. See: stagefy plans")
    item = {**plan, "credits": plan["monthly_credits"]}
    return _link("subscription", _buyer(ctx), item, config)


def change_subscription(ctx: UserContext, action: str, config: PayFastConfig | None = None, api=None) -> dict:
    """Cancel, pause or resume at PayFast, then record it. Nothing is recorded if PayFast refuses."""
    from stagefy_cli.billing.subscriptions_api import SubscriptionsApi

    if action not in ACTIONS:
        raise UsageError(f"unknown action '{action}'. Choose one of: {', '.join(ACTIONS)}.")
    sub = _live_subscription(status(ctx))
    if sub is None:
        raise NotFound("you have no subscription to change. See: stagefy plans")
    token = sub["payfast_subscription_id"]
    api = api or SubscriptionsApi(config or PayFastConfig.from_env())
    {"cancel": api.cancel, "pause": api.pause, "resume": api.unpause}[action](token)
    return (
        ctx.client.rpc("record_subscription_change", {"p_subscription_id": sub["id"], "p_action": action})
        .execute()
        .data
    )
