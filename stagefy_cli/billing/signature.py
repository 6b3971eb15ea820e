"""PayFast's three MD5 signatures, exactly as PayFast documents them.

PayFast's servers are PHP and compare against `urlencode()` output: upper-case hex, space as `+`, and
every character but letters, digits and `-_.` escaped. Python's `quote_plus` matches that except for
`~`, which it leaves alone, so `pf_encode` escapes it too.

- checkout: the non-empty form fields in PayFast's documented order, trimmed, `&passphrase=` last;
- ITN: the posted fields in the order received, empty ones included, up to `signature`;
- API: headers, query and body fields plus `passphrase`, sorted by key (PHP `ksort` + `http_build_query`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus

# PayFast's redirect integration fields, in the order the signature depends on.
CHECKOUT_FIELD_ORDER = (
    "merchant_id",
    "merchant_key",
    "return_url",
    "cancel_url",
    "notify_url",
    "name_first",
    "name_last",
    "email_address",
    "cell_number",
    "m_payment_id",
    "amount",
    "item_name",
    "item_description",
    *(f"custom_int{i}" for i in range(1, 6)),
    *(f"custom_str{i}" for i in range(1, 6)),
    "email_confirmation",
    "confirmation_address",
    "payment_method",
    "subscription_type",
    "billing_date",
    "recurring_amount",
    "frequency",
    "cycles",
)


def pf_encode(value: object) -> str:
    """URL-encode one value the way PHP's `urlencode` does."""
    return quote_plus(str(value)).replace("~", "%7E")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _with_passphrase(param_string: str, passphrase: str | None) -> str:
    return f"{param_string}&passphrase={pf_encode(passphrase.strip())}" if passphrase else param_string


def checkout_param_string(fields: Mapping[str, object]) -> str:
    """The checkout parameter string (no passphrase): documented order, non-empty values, trimmed.

    An unknown field is a programming error: PayFast would reject the signature."""
    unknown = set(fields) - set(CHECKOUT_FIELD_ORDER) - {"signature"}
    if unknown:
        raise ValueError(f"not a PayFast checkout field: {', '.join(sorted(unknown))}")
    pairs = []
    for key in CHECKOUT_FIELD_ORDER:
        value = "" if fields.get(key) is None else str(fields[key]).strip()
        if value != "":
            pairs.append(f"{key}={pf_encode(value)}")
    return "&".join(pairs)


def checkout_signature(fields: Mapping[str, object], passphrase: str | None) -> str:
    return _md5(_with_passphrase(checkout_param_string(fields), passphrase))


def itn_param_string(pairs: Iterable[tuple[str, str]]) -> str:
    """The ITN parameter string: every posted field in the order received, up to `signature`.

    This is also the body of the validation postback."""
    parts = []
    for key, value in pairs:
        if key == "signature":
            break
        parts.append(f"{key}={pf_encode(value)}")
    return "&".join(parts)


def itn_signature_valid(pairs: Iterable[tuple[str, str]], passphrase: str | None) -> bool:
    pairs = list(pairs)
    received = next((value for key, value in pairs if key == "signature"), "")
    expected = _md5(_with_passphrase(itn_param_string(pairs), passphrase))
    return hmac.compare_digest(expected, received.strip().lower())


def api_signature(fields: Mapping[str, object], passphrase: str | None) -> str:
    """Signature header of PayFast's REST API: `fields` are the headers (merchant-id, version,
    timestamp) plus query and body fields; `None` values are left out like PHP's http_build_query."""
    data = {key: value for key, value in fields.items() if value is not None}
    if passphrase:
        data["passphrase"] = passphrase
    return _md5("&".join(f"{key}={pf_encode(data[key])}" for key in sorted(data)))
