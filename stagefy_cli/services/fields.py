"""Checks of the free-text fields people type (email, phone, URL), shared by profiles and the CRM.
Each returns a problem to report, or None when the value is fine."""

from __future__ import annotations

import re

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
