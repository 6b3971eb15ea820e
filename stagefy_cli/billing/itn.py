"""PayFast Instant Transaction Notifications: parse one, and run every check PayFast asks for.

The checks, in PayFast's order: the signature, the sender's address (one PayFast's hosts resolve
to), the amount (against the price the caller expects), and the validation postback to PayFast.
A failed check raises `ItnRejected` with the HTTP status to answer; nothing is applied.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import httpx

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.signature import itn_param_string, itn_signature_valid

log = logging.getLogger(__name__)

AMOUNT_TOLERANCE = Decimal("0.01")
VALIDATE_TIMEOUT = 10.0  # seconds; PayFast waits for our answer and retries when we are slow
HOSTS_TTL = 300.0  # seconds a resolution of PayFast's host names is trusted
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class ItnRejected(Exception):
    """An ITN failed a check. `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ItnNotification:
    pf_payment_id: str
    m_payment_id: str
    payment_status: str
    amount_gross: Decimal
    amount_fee: Decimal | None
    amount_net: Decimal | None
    token: str | None
    billing_date: date | None
    item_name: str
    email_address: str
    custom_str1: str | None = None
    custom_str2: str | None = None
    custom_str3: str | None = None
    custom_str4: str | None = None
    custom_str5: str | None = None
    custom_int1: int | None = None
    custom_int2: int | None = None
    custom_int3: int | None = None
    custom_int4: int | None = None
    custom_int5: int | None = None
    raw: dict[str, str] = field(default_factory=dict, repr=False)


def _decimal(raw: dict[str, str], key: str, required: bool = False) -> Decimal | None:
    value = raw.get(key, "").strip()
    if not value:
        if required:
            raise ItnRejected(400, f"missing {key}")
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ItnRejected(400, f"{key} is not a number") from None


def _integer(raw: dict[str, str], key: str) -> int | None:
    value = raw.get(key, "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        raise ItnRejected(400, f"{key} is not an integer") from None


def _date(raw: dict[str, str], key: str) -> date | None:
    value = raw.get(key, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise ItnRejected(400, f"{key} is not a date") from None


def parse_notification(pairs: Iterable[tuple[str, str]]) -> ItnNotification:
    """The typed notification of the posted fields (the first value of a repeated field wins)."""
    raw: dict[str, str] = {}
    for key, value in pairs:
        raw.setdefault(key, value)
    if not raw.get("pf_payment_id", "").strip():
        raise ItnRejected(400, "missing pf_payment_id")
    optional = {f"custom_str{i}": raw.get(f"custom_str{i}") or None for i in range(1, 6)}
    optional |= {f"custom_int{i}": _integer(raw, f"custom_int{i}") for i in range(1, 6)}
    return ItnNotification(
        pf_payment_id=raw["pf_payment_id"].strip(),
        m_payment_id=raw.get("m_payment_id", ""),
        payment_status=raw.get("payment_status", ""),
        amount_gross=_decimal(raw, "amount_gross", required=True),
        amount_fee=_decimal(raw, "amount_fee"),
        amount_net=_decimal(raw, "amount_net"),
        token=raw.get("token") or None,
        billing_date=_date(raw, "billing_date"),
        item_name=raw.get("item_name", ""),
        email_address=raw.get("email_address", ""),
        raw=raw,
        **optional,
    )


_resolved: dict[tuple[str, ...], tuple[float, frozenset[str]]] = {}
_resolved_lock = threading.Lock()


def resolve_hosts(hosts: Sequence[str]) -> frozenset[str]:
    """Every address the host names resolve to, cached for HOSTS_TTL seconds.

    PayFast's published IP ranges go stale, so PayFast asks for the names to be resolved. A name that
    does not resolve contributes nothing (logged)."""
    key = tuple(hosts)
    now = time.monotonic()
    with _resolved_lock:
        cached = _resolved.get(key)
        if cached and now - cached[0] < HOSTS_TTL:
            return cached[1]
    addresses: set[str] = set()
    for host in hosts:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            log.warning("PayFast ITN host %s does not resolve: %s", host, exc)
            continue
        addresses.update(_normalise(info[4][0]) for info in infos)
    result = frozenset(addresses)
    with _resolved_lock:
        _resolved[key] = (now, result)
    return result


def _normalise(address: str) -> str:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip)


def check_source(client_host: str | None, hosts: Sequence[str]) -> None:
    """The sender must be one of the addresses PayFast's hosts resolve to. Loopback only counts when
    the configured hosts name it (local tests, a local proxy)."""
    try:
        address = _normalise(client_host or "")
    except ValueError:
        raise ItnRejected(403, f"unknown source address {client_host!r}") from None
    if ipaddress.ip_address(address).is_loopback and not LOOPBACK_NAMES & {h.lower() for h in hosts}:
        raise ItnRejected(403, f"source address {address} is not PayFast")
    if address not in resolve_hosts(hosts):
        raise ItnRejected(403, f"source address {address} is not PayFast")


def check_amount(itn: ItnNotification, expected: Decimal | None) -> None:
    if expected is None:
        raise ItnRejected(400, "no expected amount for this payment (unknown pack or plan)")
    if abs(itn.amount_gross - Decimal(str(expected))) > AMOUNT_TOLERANCE:
        raise ItnRejected(400, f"amount_gross {itn.amount_gross} does not match the price {expected}")


def confirm_with_payfast(param_string: str, validate_url: str, http: httpx.Client) -> None:
    """PayFast's server confirmation: POST the parameter string back; the answer must be VALID."""
    try:
        response = http.post(
            validate_url,
            content=param_string,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=VALIDATE_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise ItnRejected(400, f"PayFast validation unreachable: {exc.__class__.__name__}") from None
    if response.status_code != 200 or response.text.strip() != "VALID":
        raise ItnRejected(
            400, f"PayFast validation answered {response.status_code} {response.text.strip()[:40]!r}"
        )


def validate_itn(
    pairs: Sequence[tuple[str, str]],
    client_host: str | None,
    config: PayFastConfig,
    expected_amount: Callable[[ItnNotification], Decimal | None],
    http: httpx.Client,
) -> ItnNotification:
    """Run every check on the posted fields (in the order received) and return the notification."""
    if not itn_signature_valid(pairs, config.passphrase):
        raise ItnRejected(400, "bad signature")
    itn = parse_notification(pairs)
    check_source(client_host, config.itn_hosts)
    check_amount(itn, expected_amount(itn))
    confirm_with_payfast(itn_param_string(pairs), config.validate_url, http)
    return itn
