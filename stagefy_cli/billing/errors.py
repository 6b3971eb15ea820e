"""PayFast failures a user or operator can act on."""

from __future__ import annotations

from stagefy_cli.errors import StagefyError


class PayFastError(StagefyError):
    """PayFast refused a request or is misconfigured; the message is PayFast's own when it sent one."""
