"""The local stack's auth settings that `supabase start` reads from `supabase/config.toml`:
whether sign-ups must confirm their e-mail address (`[auth.email] enable_confirmations`, which
`GOTRUE_MAILER_AUTOCONFIRM=true|false` overrides, as GoTrue names it) and the site the e-mail
links lead back to (`[auth] site_url`)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SITE_URL = "http://127.0.0.1:3000"


@dataclass(frozen=True)
class AuthSettings:
    confirm_email: bool = False  # like `supabase start` without enable_confirmations
    site_url: str = DEFAULT_SITE_URL

    @classmethod
    def load(cls, config_toml: Path, environ: Mapping[str, str] = os.environ) -> AuthSettings:
        try:
            config = tomllib.loads(Path(config_toml).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            config = {}
        auth = config.get("auth", {})
        confirm = bool(auth.get("email", {}).get("enable_confirmations", False))
        autoconfirm = environ.get("GOTRUE_MAILER_AUTOCONFIRM", "").strip().lower()
        if autoconfirm in ("true", "false"):
            confirm = autoconfirm == "false"
        return cls(confirm_email=confirm, site_url=str(auth.get("site_url") or DEFAULT_SITE_URL))
