"""Checks of the values people type, shared by every service: one of a fixed set, and the free-text
fields (email, phone, URL) of profiles and the CRM. The `*_problem` checks return a problem to report
(a record's problems are reported together), or None when the value is fine; `check_choice` raises."""

from __future__ import annotations

import re
from collections.abc import Collection

from stagefy_cli.errors import FieldError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+$")


def email_problem(value: str) -> str | None:
    return None if _EMAIL.match(value) else f"'{value}' is not an email address"


def phone_problem(value: str) -> str | None:
    digits = sum(ch.isdigit() for ch in value)
    ok = _PHONE_CHARS.match(value) and 7 <= digits <= 15
    return None if ok else f"'{value}' is not a phone number (7 to 15 digits)"


def url_problem(value: str) -> str | None:
    ok = re.match(r"^https?://[^\s/]+\.[^\s]+$", value)
    return None if ok else f"'{value}' is not an http(s) URL"


def check_choice(value: str | None, allowed: Collection[str], field: str) -> str | None:
    """`value` when it is one of `allowed` (or None); otherwise a usage error naming `field`, which
    the CLI shows as the command's option: `unknown --type 'x'. Choose one of: a, b.`"""
    if value is not None and value not in allowed:
        raise FieldError(f"unknown {{{field}}} '{value}'. Choose one of: {', '.join(allowed)}.", field)
    return value


def choice_problem(value: str | None, allowed: Collection[str], field: str) -> str | None:
    """The same refusal as `check_choice`, as one problem of a record: `unknown type 'x' (one of: a, b)`."""
    if value is None or value in allowed:
        return None
    return f"unknown {field} '{value}' (one of: {', '.join(allowed)})"
