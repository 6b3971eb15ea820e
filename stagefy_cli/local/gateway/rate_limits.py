"""GoTrue's per-IP rate limits on the auth endpoints: its settings and defaults, and token buckets.

GoTrue (internal/api/apilimiter) gives each endpoint group a token bucket per caller address:
`GOTRUE_RATE_LIMIT_OTP` requests per 5 minutes for sign-ups, /recover, /otp, /magiclink, /resend and
PUT /user (each group its own bucket), `GOTRUE_RATE_LIMIT_TOKEN_REFRESH` per 5 minutes for /token
(password sign-ins and refreshes), `GOTRUE_RATE_LIMIT_VERIFY` per 5 minutes for /verify, every bucket
holding a burst of 30; and `GOTRUE_RATE_LIMIT_EMAIL_SENT` e-mails per hour for the whole project.
`auth/limits.py` applies them.

A token bucket is written out here (a few lines) because the maintained Python limiters (`limits`)
count fixed or moving windows, which refuse at other moments than GoTrue's refilling bucket.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

BURST = 30  # tollbooth's SetBurst(30) on every per-IP limiter
FIVE_MINUTES = 300.0
HOUR = 3600.0
MAX_KEYS = 100_000  # GoTrue's buckets expire after an hour; this bounds the memory of a long run
PER_IP_GROUPS = ("signup", "recover", "otp", "resend", "magiclink", "user", "token", "verify")


@dataclass(frozen=True)
class AuthLimits:
    """The settings, with GoTrue's names (without the `GOTRUE_RATE_LIMIT_` prefix) and defaults."""

    otp: float = 30.0  # per 5 minutes per IP: sign-ups, recovery, OTP and magic links, resends, user updates
    token_refresh: float = 150.0  # per 5 minutes per IP: /token (password sign-ins and refreshes)
    verify: float = 30.0  # per 5 minutes per IP: /verify
    email_sent: float = 30.0  # per hour, for the whole project

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> AuthLimits:
        """GoTrue's defaults, or the `GOTRUE_RATE_LIMIT_*` variables that are set."""
        values = {}
        for name in ("otp", "token_refresh", "verify", "email_sent"):
            raw = environ.get(f"GOTRUE_RATE_LIMIT_{name.upper()}")
            if raw:
                values[name] = float(raw)
        return cls(**values)


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: float):
        self.tokens, self.at = tokens, at


class TokenBuckets:
    """Buckets of `burst` tokens refilled at `rate` per second, one per key."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_KEYS:
                    self._buckets.clear()
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens < 1:
                return False
            bucket.tokens -= 1
            return True
