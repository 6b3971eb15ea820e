"""Agent-facing RPCs act for the signed-in user: a caller without a user (the service role's key,
which every API route accepts) gets one clear refusal and nothing is created or charged."""

from __future__ import annotations

import pytest
import web
from stagefy_testing import sql

CALLS = {
    "quote_edit": {"p_edit_type": "enhance", "p_photos": 1},
    "submit_edit": {"p_edit_type": "enhance", "p_photos": [{"path": "x/a.jpg"}]},
    "retry_project": {"p_project_id": "00000000-0000-0000-0000-000000000000"},
    "subscription_status": {},
    "quote_video": {"p_photos": 3},
    "submit_video": {"p_photos": [{"path": "x/a.jpg"}]},
    "quote_template": {"p_template_id": "00000000-0000-0000-0000-000000000000"},
    "submit_template": {
        "p_template_id": "00000000-0000-0000-0000-000000000000",
        "p_listing_id": "00000000-0000-0000-0000-000000000000",
    },
}


@pytest.mark.parametrize("function", sorted(CALLS))
def test_a_caller_without_a_user_is_told_to_sign_in(stack, function):
    key = stack.service_role_key
    before = sql(
        stack,
        "select (select count(*) from public.projects), (select count(*) from public.credit_transactions)",
    )
    answer = web.post(
        f"{stack.url}/rest/v1/rpc/{function}",
        json=CALLS[function],
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
    )
    assert answer.status_code >= 400
    assert (answer.json()["code"], answer.json()["message"]) == ("42501", "sign in first")
    assert (
        sql(
            stack,
            "select (select count(*) from public.projects), (select count(*) from public.credit_transactions)",
        )
        == before
    )
