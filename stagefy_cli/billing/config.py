"""PayFast settings from the environment.

Precedence: environment variable > sandbox default > live default. `PAYFAST_SANDBOX=1` switches to
PayFast's sandbox hosts and, when no merchant is configured, to the public sandbox merchant. The base
URLs and the ITN source hosts can be pointed elsewhere (tests point them at a local server).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from stagefy_cli.billing.errors import PayFastError

LIVE_HOST = "https://www.payfast.co.za"
SANDBOX_HOST = "https://sandbox.payfast.co.za"
API_URL = "https://api.payfast.co.za"
SANDBOX_MERCHANT_ID = "10000100"
SANDBOX_MERCHANT_KEY = "46f0cd694581a"
DEFAULT_ITN_HOSTS = ("www.payfast.co.za", "sandbox.payfast.co.za", "w1w.payfast.co.za", "w2w.payfast.co.za")

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class PayFastConfig:
    merchant_id: str
    merchant_key: str
    passphrase: str | None = field(default=None, repr=False)  # never shown: it signs every request
    sandbox: bool = False
    process_url: str = f"{LIVE_HOST}/eng/process"
    validate_url: str = f"{LIVE_HOST}/eng/query/validate"
    api_url: str = API_URL
    itn_hosts: tuple[str, ...] = DEFAULT_ITN_HOSTS
    return_url: str = ""
    cancel_url: str = ""
    notify_url: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PayFastConfig:
        env = os.environ if environ is None else environ
        sandbox = env.get("PAYFAST_SANDBOX", "").strip().lower() in _TRUE
        host = SANDBOX_HOST if sandbox else LIVE_HOST
        merchant_id = env.get("PAYFAST_MERCHANT_ID", "").strip() or (SANDBOX_MERCHANT_ID if sandbox else "")
        merchant_key = env.get("PAYFAST_MERCHANT_KEY", "").strip() or (
            SANDBOX_MERCHANT_KEY if sandbox else ""
        )
        if not merchant_id or not merchant_key:
            raise PayFastError(
                "PayFast is not configured: set PAYFAST_MERCHANT_ID and PAYFAST_MERCHANT_KEY "
                "(or PAYFAST_SANDBOX=1 to use PayFast's public sandbox merchant)."
            )
        hosts = tuple(h.strip() for h in env.get("STAGEFY_PAYFAST_ITN_HOSTS", "").split(",") if h.strip())
        return cls(
            merchant_id=merchant_id,
            merchant_key=merchant_key,
            passphrase=env.get("PAYFAST_PASSPHRASE", "").strip() or None,
            sandbox=sandbox,
            process_url=env.get("STAGEFY_PAYFAST_PROCESS_URL") or f"{host}/eng/process",
            validate_url=env.get("STAGEFY_PAYFAST_VALIDATE_URL") or f"{host}/eng/query/validate",
            api_url=(env.get("STAGEFY_PAYFAST_API_URL") or API_URL).rstrip("/"),
            itn_hosts=hosts or DEFAULT_ITN_HOSTS,
            return_url=env.get("STAGEFY_PAYFAST_RETURN_URL", ""),
            cancel_url=env.get("STAGEFY_PAYFAST_CANCEL_URL", ""),
            notify_url=env.get("STAGEFY_PAYFAST_NOTIFY_URL", ""),
        )
