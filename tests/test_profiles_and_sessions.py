"""Profiles, config precedence and where sessions are kept."""

from __future__ import annotations

import json
import stat

import keyring
import pytest
from keyring.backend import KeyringBackend
from stagefy_testing import run_cli

from stagefy_cli.backend import config, notices
from stagefy_cli.backend.session_store import SERVICE, SessionStore, fallback_path


def test_profiles_add_list_use_remove(isolated_home):
    assert (
        run_cli(
            ["profiles", "add", "prod", "--url", "https://abcd.supabase.co", "--anon-key", "k1"]
        ).exit_code
        == 0
    )
    assert (
        run_cli(
            [
                "profiles",
                "add",
                "staging",
                "--url",
                "https://efgh.supabase.co",
                "--anon-key",
                "k2",
                "--no-use",
            ]
        ).exit_code
        == 0
    )
    rows = run_cli(["profiles", "list", "--json"]).json()
    assert [(r["name"], r["active"]) for r in rows] == [("local", False), ("prod", True), ("staging", False)]
    assert run_cli(["profiles", "use", "staging"]).exit_code == 0
    assert config.current_profile().url == "https://efgh.supabase.co"
    mode = stat.S_IMODE((isolated_home / "config" / "config.toml").stat().st_mode)
    assert mode == 0o600
    refused = run_cli(["profiles", "remove", "staging"])
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert run_cli(["profiles", "remove", "staging", "--yes"]).exit_code == 0
    assert config.active_profile_name() == "local"


def test_profile_precedence_flag_env_active(monkeypatch):
    config.add_profile("prod", "https://abcd.supabase.co", "k1", activate=True)
    config.add_profile("dev", "https://dev.supabase.co", "k2", activate=False)
    assert config.current_profile().name == "prod"
    monkeypatch.setenv("STAGEFY_PROFILE", "dev")
    assert config.current_profile().name == "dev"
    config.select_profile("prod")
    try:
        assert config.current_profile().name == "prod"
    finally:
        config.select_profile(None)
    monkeypatch.setenv("SUPABASE_URL", "https://override.supabase.co")
    monkeypatch.setenv("SUPABASE_ANON_KEY", "k3")
    assert config.current_profile().url == "https://override.supabase.co"


def test_bad_profile_inputs_are_one_line_errors():
    result = run_cli(["profiles", "add", "x", "--url", "ftp://nope", "--anon-key", "k"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'ftp://nope' is not an http(s) URL")
    result = run_cli(["profiles", "use", "missing"])
    assert result.exit_code == 5
    assert result.stderr.strip() == "Error: no profile named 'missing'. List them with: stagefy profiles list"
    result = run_cli(["--profile", "missing", "credits", "balance"])
    assert result.exit_code == 5


def test_a_hand_edited_profile_without_url_and_key_is_one_line_error(isolated_home):
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('active_profile = "prod"\n\n[profiles.prod]\n', encoding="utf-8")
    result = run_cli(["projects", "list"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: profile 'prod' has no URL or no key in ")
    assert "stagefy profiles add prod --url URL --publishable-key KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_file_fallback_is_private_and_warns_once(monkeypatch):
    heard = []  # the backend's notices, which each CLI command shows with render.notice
    monkeypatch.setattr(notices, "announce", heard.append)
    store = SessionStore("prod")
    store.set_item("supabase.auth.token", '{"access_token": "a"}')
    path = fallback_path("prod")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(heard) == 1 and "no OS keyring available" in heard[0] and str(path) in heard[0]
    store.set_item("other", "x")
    SessionStore("dev").set_item("k", "v")
    assert len(heard) == 1
    assert SessionStore("prod").get_item("supabase.auth.token") == '{"access_token": "a"}'
    store.clear()
    assert not path.exists()


def test_require_keyring_refuses_the_file(monkeypatch):
    monkeypatch.setenv("STAGEFY_REQUIRE_KEYRING", "1")
    with pytest.raises(Exception, match="no OS keyring is available"):
        SessionStore("prod")


class MemoryKeyring(KeyringBackend):
    """A keyring backend (the `keyring` package's plug-in API) that keeps secrets in memory."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def test_keyring_backend_is_used_when_present(monkeypatch):
    heard = []
    monkeypatch.setattr(notices, "announce", heard.append)
    keyring.set_keyring(MemoryKeyring())
    store = SessionStore("prod")
    store.set_item("supabase.auth.token", "secret-session")
    assert json.loads(keyring.get_password(SERVICE, "prod")) == {"supabase.auth.token": "secret-session"}
    assert not fallback_path("prod").exists()
    assert heard == []
    store.clear()
    assert keyring.get_password(SERVICE, "prod") is None
