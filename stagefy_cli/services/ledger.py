"""The signed-in agent's credit ledger (`credit_transactions`), read through row level security."""

from __future__ import annotations

from datetime import UTC, date, datetime

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import FieldError
from stagefy_cli.models import TRANSACTION_TYPES
from stagefy_cli.services.fields import check_choice

COLUMNS = "id,amount,type,description,reference_id,subscription_id,project_id,ai_job_id,created_at"


def parse_since(value: str | None, field: str = "since") -> str | None:
    """`YYYY-MM-DD` (midnight UTC) or an ISO-8601 time, as an ISO timestamp for the server."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(
            f"{{{field}}} '{value}' is not a date (YYYY-MM-DD) or an ISO-8601 time.", field
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def history(
    ctx: UserContext, *, tx_type: str | None = None, since: str | None = None, limit: int = 30
) -> tuple[list[dict], int | None]:
    """The agent's ledger rows, newest first, and how many match in all."""
    check_choice(tx_type or None, TRANSACTION_TYPES, "tx_type")
    query = ctx.rest.table("credit_transactions").select(COLUMNS, count="exact").eq("user_id", ctx.user_id)
    if tx_type:
        query = query.eq("type", tx_type)
    if since:
        query = query.gte("created_at", parse_since(since))
    response = query.order("created_at", desc=True).order("id").limit(limit).execute()
    return response.data, response.count


def prices(ctx: UserContext) -> list[dict]:
    """The price list: what each kind of work costs in credits."""
    return ctx.rest.table("prices").select("code,credits,description").order("code").execute().data
