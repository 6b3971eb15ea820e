"""The admin console: thin calls of the `admin_*` SQL functions, which check the caller is an
admin (or the service role) and audit every change in the same transaction."""

from __future__ import annotations

from stagefy_cli.models import AUDIT_RESOURCES, JOB_STATUSES, PROVIDERS, ROLES, TIERS
from stagefy_cli.services.fields import check_choice
from stagefy_cli.services.ledger import parse_since


def _rpc(client, name: str, params: dict):
    return client.rpc(name, params).execute().data


def list_users(
    client, *, role: str | None = None, tier: str | None = None, search: str | None = None, limit: int = 30
) -> tuple[list[dict], int]:
    check_choice(role, ROLES, "role")
    check_choice(tier, TIERS, "tier")
    data = _rpc(
        client, "admin_list_users", {"p_role": role, "p_tier": tier, "p_search": search, "p_limit": limit}
    )
    return data["users"], data["total"]


def show_user(client, user: str) -> dict:
    return _rpc(client, "admin_show_user", {"p_user": user})


def grant_credits(client, user: str, amount: int, reason: str) -> dict:
    return _rpc(client, "admin_grant_credits", {"p_user": user, "p_amount": amount, "p_reason": reason})


def revoke_credits(client, user: str, amount: int, reason: str) -> dict:
    return _rpc(client, "admin_revoke_credits", {"p_user": user, "p_amount": amount, "p_reason": reason})


def set_role(client, user: str, role: str) -> dict:
    check_choice(role, ROLES, "role")
    return _rpc(client, "admin_set_role", {"p_user": user, "p_role": role})


def set_tier(client, user: str, tier: str) -> dict:
    check_choice(tier, TIERS, "tier")
    return _rpc(client, "admin_set_tier", {"p_user": user, "p_tier": tier})


#: resource_type values the admin functions write to admin_audit_log


def audit(
    client,
    *,
    admin: str | None = None,
    resource: str | None = None,
    since: str | None = None,
    limit: int = 30,
) -> list[dict]:
    check_choice(resource, AUDIT_RESOURCES, "resource")
    params = {"p_admin": admin, "p_resource": resource, "p_since": parse_since(since), "p_limit": limit}
    return _rpc(client, "admin_audit_entries", params)


def job_stats(
    client, *, service: str | None = None, status: str | None = None, since: str | None = None
) -> list[dict]:
    check_choice(service, PROVIDERS, "service")
    check_choice(status, JOB_STATUSES, "status")
    params = {"p_service": service, "p_status": status, "p_since": parse_since(since)}
    return _rpc(client, "admin_job_stats", params)


def stats(client, *, since: str | None = None) -> dict:
    return _rpc(client, "admin_stats", {"p_since": parse_since(since)})


def reconcile(client) -> dict:
    """`{"checked": n, "mismatches": [...]}`: users whose balance is not the sum of their ledger."""
    return _rpc(client, "admin_reconcile", {})


def daily_stats(client, *, since: str | None = None) -> list[dict]:
    """One row per UTC day from `since` (default: the last 30 days) to today: jobs, credits
    bought, credits from plans, credits used, revenue."""
    return _rpc(client, "admin_daily_stats", {"p_since": parse_since(since)})
