"""Helpers of the billing tests (fixtures live in conftest.py)."""

from __future__ import annotations

import httpx
import web

PASSPHRASE = "jt7NOE43FZPn"
MERCHANT_ID = "10000100"
RETURN_URL = "https://stagefy.example.co.za/paid"


def merchant_settings(payfast_url: str, **overrides) -> dict[str, str]:
    """The function's PayFast secrets on a project whose PayFast is the stand-in."""
    return {
        "PAYFAST_SANDBOX": "1",
        "PAYFAST_MERCHANT_ID": MERCHANT_ID,
        "PAYFAST_MERCHANT_KEY": "46f0cd694581a",
        "PAYFAST_PASSPHRASE": PASSPHRASE,
        "PAYFAST_VALIDATE_URL": f"{payfast_url}/eng/query/validate",
        "PAYFAST_API_URL": payfast_url,
        "PAYFAST_ITN_HOSTS": "localhost",
        "PAYFAST_RETURN_URL": RETURN_URL,
        **overrides,
    }


def itn_url(stack) -> str:
    return f"{stack.url}/functions/v1/payfast/itn"


def post_itn(stack, body: str, **headers) -> httpx.Response:
    return web.post(
        itn_url(stack),
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        timeout=60,
    )
