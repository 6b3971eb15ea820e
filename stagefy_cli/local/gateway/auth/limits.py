"""The auth endpoints' rate limits (`rate_limits.py`), refused as GoTrue refuses: HTTP 429 with
`over_request_rate_limit`, or `over_email_send_rate_limit` when the project's hourly e-mails are used up."""

from __future__ import annotations

from stagefy_cli.local.gateway.auth.errors import AuthError
from stagefy_cli.local.gateway.rate_limits import (
    BURST,
    FIVE_MINUTES,
    HOUR,
    PER_IP_GROUPS,
    AuthLimits,
    TokenBuckets,
)


def caller_address(request) -> str:
    """Who a request counts against: the connection's peer (the gateway is the edge, so never a
    forwarded header)."""
    return request.client.host if request.client else ""


class AuthLimiter:
    """The gateway's limiters, made from `AuthLimits`."""

    def __init__(self, limits: AuthLimits):
        per_five_minutes = {"token": limits.token_refresh, "verify": limits.verify}
        self._per_ip = {
            group: TokenBuckets(per_five_minutes.get(group, limits.otp) / FIVE_MINUTES, BURST)
            for group in PER_IP_GROUPS
        }
        self._email = TokenBuckets(limits.email_sent / HOUR, max(limits.email_sent, 1))

    def check(self, group: str, address: str) -> None:
        """Count a request of `group` from `address`; refuse it as GoTrue does when over the limit."""
        if not self._per_ip[group].take(address):
            raise AuthError(429, "over_request_rate_limit", "Request rate limit reached")

    def email_sent(self) -> None:
        """Count an e-mail about to be sent; refuse the request when the hourly limit is reached."""
        if not self._email.take("project"):
            raise AuthError(429, "over_email_send_rate_limit", "email rate limit exceeded")
