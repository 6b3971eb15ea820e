"""Where a profile's session (access and refresh tokens) lives between commands.

The OS keyring (service `stagefy`, one entry per profile) when a backend exists; every keyring call
is bounded by a short timeout, because a locked or absent D-Bus keyring must not hang the CLI. With
no usable backend, a 0600 file in the config dir, and a one-time warning that says where.
`STAGEFY_REQUIRE_KEYRING=1` refuses the file instead.

`SessionStore` implements supabase-py's storage hook (get_item/set_item/remove_item), so the client
itself reads the session at start-up and writes the rotated refresh token after every refresh; the
thin client (`gotrue.py`) reads and writes the same entry.

Once a session lives in the fallback file, it is read from there without asking the keyring (whose
import and backend discovery cost more than the rest of an everyday command); signing out removes
the file, and the next sign-in looks for a keyring again.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from stagefy_cli.backend import notices
from stagefy_cli.backend.paths import config_dir, write_private_file
from stagefy_cli.errors import StagefyError

SERVICE = "stagefy"
KEYRING_TIMEOUT_S = 3.0


class KeyringUnavailable(Exception):
    pass


def _bounded(fn, *args):
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout

    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(fn, *args).result(timeout=KEYRING_TIMEOUT_S)
    except FutureTimeout as exc:
        raise KeyringUnavailable("the keyring did not answer in time") from exc
    except Exception as exc:  # any backend error means "not usable here"
        raise KeyringUnavailable(str(exc)) from exc
    finally:
        pool.shutdown(wait=False)


def _keyring_usable() -> bool:
    import keyring
    from keyring.backends import fail

    try:
        backend = _bounded(keyring.get_keyring)
    except KeyringUnavailable:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    return getattr(backend, "priority", 1) > 0


def fallback_path(profile: str) -> Path:
    return config_dir() / "sessions" / f"{profile}.json"


def _warned_marker() -> Path:
    return config_dir() / "sessions" / ".file-store-warned"


class SessionStore:
    """All of a profile's auth items, kept as one JSON document in the keyring or the fallback file."""

    def __init__(self, profile: str):
        self.profile = profile
        require_keyring = os.environ.get("STAGEFY_REQUIRE_KEYRING") == "1"
        in_file = not require_keyring and fallback_path(profile).exists()
        self._use_keyring = not in_file and _keyring_usable()
        if not self._use_keyring and require_keyring:
            raise StagefyError(
                "no OS keyring is available and STAGEFY_REQUIRE_KEYRING=1 forbids the file fallback. "
                "Install a keyring backend or unset STAGEFY_REQUIRE_KEYRING."
            )
        self._items: dict[str, str] = self._read()

    @property
    def backend_name(self) -> str:
        return "keyring" if self._use_keyring else f"file {fallback_path(self.profile)}"

    def _read(self) -> dict[str, str]:
        raw = None
        if self._use_keyring:
            import keyring

            try:
                raw = _bounded(keyring.get_password, SERVICE, self.profile)
            except KeyringUnavailable:
                self._use_keyring = False
        if not self._use_keyring:
            path = fallback_path(self.profile)
            raw = path.read_text(encoding="utf-8") if path.exists() else None
        try:
            return json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return {}

    def _write(self) -> None:
        raw = json.dumps(self._items)
        if self._use_keyring:
            import keyring

            try:
                if self._items:
                    _bounded(keyring.set_password, SERVICE, self.profile, raw)
                else:
                    _delete_keyring_entry(self.profile)
                return
            except KeyringUnavailable:
                self._use_keyring = False
        path = fallback_path(self.profile)
        if not self._items:
            path.unlink(missing_ok=True)
            return
        self._warn_file_once(path)
        write_private_file(path, raw)

    @staticmethod
    def _warn_file_once(path: Path) -> None:
        marker = _warned_marker()
        if marker.exists():
            return
        notices.announce(
            f"Warning: no OS keyring available; your session is stored in {path} (readable only by you)."
        )
        write_private_file(marker, "")

    # supabase-py storage hook -------------------------------------------------------------
    def get_item(self, key: str) -> str | None:
        return self._items.get(key)

    def set_item(self, key: str, value: str) -> None:
        self._items[key] = value
        self._write()

    def remove_item(self, key: str) -> None:
        if self._items.pop(key, None) is not None:
            self._write()

    def clear(self) -> None:
        self._items = {}
        self._write()


def _delete_keyring_entry(profile: str) -> None:
    import keyring
    from keyring.errors import PasswordDeleteError

    def delete():
        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(SERVICE, profile)

    _bounded(delete)
