"""Profiles: which Supabase project the CLI talks to.

`config.toml` in the config dir holds named profiles and the active one:

    active_profile = "prod"
    [profiles.prod]
    url = "https://abcd.supabase.co"
    anon_key = "sb_publishable_..."

`anon_key` holds the project's public key: a publishable key (`sb_publishable_...`) or the legacy
JWT anon key; a secret or service_role key is refused (it bypasses row level security).
Precedence (Modal's order): the `--profile` flag > `STAGEFY_PROFILE` > `active_profile` > `local`.
`SUPABASE_URL` + `SUPABASE_PUBLISHABLE_KEY` (or the legacy `SUPABASE_ANON_KEY`) override the chosen
profile's URL and key. The `local` profile needs no entry: it points at the embedded stack, which is
started on first use.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import NamedTuple

from stagefy_cli.backend.api_keys import SERVICE_KINDS, key_kind
from stagefy_cli.backend.paths import config_dir, write_private_file
from stagefy_cli.errors import NotFound, UsageError

LOCAL = "local"
_selected_profile: str | None = None


def select_profile(name: str | None) -> None:
    """Record the global `--profile` flag for this process."""
    global _selected_profile
    _selected_profile = name


class Profile(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    name: str
    url: str | None
    anon_key: str | None

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL and self.url is None


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config() -> dict:
    path = config_path()
    if not path.exists():
        return {"profiles": {}}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    data.setdefault("profiles", {})
    return data


def save_config(data: dict) -> None:
    import tomli_w

    write_private_file(config_path(), tomli_w.dumps(data))


def active_profile_name() -> str:
    return (
        _selected_profile or os.environ.get("STAGEFY_PROFILE") or load_config().get("active_profile") or LOCAL
    )


def current_profile() -> Profile:
    name = active_profile_name()
    entry = load_config()["profiles"].get(name)
    if entry is None and name != LOCAL:
        raise NotFound(f"no profile named '{name}'. List them with: stagefy profiles list")
    entry = entry or {}
    url = os.environ.get("SUPABASE_URL") or entry.get("url")
    key = (
        os.environ.get("SUPABASE_PUBLISHABLE_KEY")
        or os.environ.get("SUPABASE_ANON_KEY")
        or entry.get("anon_key")
    )
    if bool(url) != bool(key):
        raise UsageError(
            "set both SUPABASE_URL and SUPABASE_PUBLISHABLE_KEY (or SUPABASE_ANON_KEY), or neither."
        )
    if key:
        check_public_key(key)
    return Profile(name=name, url=url, anon_key=key)


def check_public_key(key: str) -> None:
    """Refuses a secret or service_role key where the project's public key belongs: in a profile or
    an agent's environment it would hand every command the power to bypass row level security.
    (A key of no known kind is left to the server to judge.)"""
    kind = key_kind(key)
    if kind in SERVICE_KINDS:
        raise UsageError(
            f"that is a {kind} key, which bypasses row level security and must not be in a profile. "
            "Use the publishable key (sb_publishable_...) or the legacy anon key."
        )


def add_profile(name: str, url: str, anon_key: str, activate: bool) -> None:
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"'{url}' is not an http(s) URL. Example: https://abcd.supabase.co")
    check_public_key(anon_key)
    if name == LOCAL:
        raise UsageError("'local' is the embedded stack's profile; choose another name.")
    data = load_config()
    data["profiles"][name] = {"url": url.rstrip("/"), "anon_key": anon_key}
    if activate:  # without it the active profile stays what it was (`local` when none was chosen)
        data["active_profile"] = name
    save_config(data)


def use_profile(name: str) -> None:
    data = load_config()
    if name != LOCAL and name not in data["profiles"]:
        raise NotFound(f"no profile named '{name}'. List them with: stagefy profiles list")
    data["active_profile"] = name
    save_config(data)


def check_removable(name: str) -> None:
    """Refuse to remove `local` (always there) or a profile that does not exist."""
    if name == LOCAL:
        raise UsageError(
            "'local' is the embedded stack's profile and is always there. Switch to another with: "
            "stagefy profiles use NAME; delete the local stack's data with: stagefy local reset"
        )
    if name not in load_config()["profiles"]:
        raise NotFound(f"no profile named '{name}'. List them with: stagefy profiles list")


def remove_profile(name: str) -> None:
    check_removable(name)
    data = load_config()
    del data["profiles"][name]
    if data.get("active_profile") == name:
        data.pop("active_profile")
    save_config(data)


def list_profiles() -> list[dict]:
    data = load_config()
    active = active_profile_name()
    rows = [{"name": LOCAL, "url": "(embedded local stack)", "active": active == LOCAL}]
    rows += [
        {"name": name, "url": entry.get("url"), "active": name == active}
        for name, entry in sorted(data["profiles"].items())
    ]
    return rows
