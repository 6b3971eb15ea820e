"""`stagefy local ...` as a user runs it: real subprocesses, a real background stack, STAGEFY_HOME."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest
import web
from stagefy_testing import free_port


@pytest.fixture
def home_env(tmp_path):
    env = {
        **os.environ,
        "STAGEFY_HOME": str(tmp_path / "home"),
        "STAGEFY_LOCAL_PORT": str(free_port()),
        "STAGEFY_LOCAL_WORKER": "0",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    for name in (
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "SUPABASE_PUBLISHABLE_KEY",
        "SUPABASE_SECRET_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_DB_URL",
        "STAGEFY_PROFILE",
    ):
        env.pop(name, None)
    yield env
    stagefy(env, "local", "reset", "--yes")


def stagefy(env, *args, input: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "stagefy_cli.entry", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=180,
    )


@pytest.mark.slow  # starts, stops and restarts the real local stack (about 47 s)
def test_first_use_starts_the_stack_and_lifecycle(home_env, tmp_path):
    # no profile configured: the CLI uses `local` and starts the stack, saying so
    first = stagefy(home_env, "credits", "balance")
    assert "Starting the local Stagefy stack" in first.stderr
    assert first.returncode == 4
    assert first.stderr.strip().endswith("Error: not signed in. Run: stagefy auth login")

    status = stagefy(home_env, "local", "status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert info["running"] is True
    assert info["api_url"] == f"http://127.0.0.1:{home_env['STAGEFY_LOCAL_PORT']}"
    assert info["anon_key"] and info["service_role_key"] and info["db_url"].startswith("postgresql://")
    assert info["publishable_key"].startswith("sb_publishable_") and info["secret_key"].startswith(
        "sb_secret_"
    )
    assert web.get(f"{info['api_url']}/health").json() == {"status": "ok"}
    # Both kinds work against the running stack: the secret key as the service role.
    buckets = web.get(f"{info['api_url']}/storage/v1/bucket", headers={"apikey": info["secret_key"]})
    assert "media" in [bucket["id"] for bucket in buckets.json()]

    keys = tmp_path / "home" / "data" / "local" / "secrets" / "keys.json"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.parent.stat().st_mode) == 0o700
    # PostgreSQL may run as another OS user (pgserver does, as root): the stack root stays traversable
    assert stat.S_IMODE((tmp_path / "home" / "data" / "local").stat().st_mode) & 0o011

    signup = stagefy(
        home_env,
        "auth",
        "signup",
        "--email",
        "thandi@example.com",
        "--name",
        "Thandi",
        "--password-stdin",
        input="pw-123456\n",
    )
    assert signup.returncode == 0, signup.stderr
    assert json.loads(stagefy(home_env, "credits", "balance", "--json").stdout)["credits"] == 50
    # The local profile speaks with the publishable key, as agents of a hosted project do.
    checks = {check["check"]: check for check in json.loads(stagefy(home_env, "doctor", "--json").stdout)}
    assert checks["keys"]["detail"].startswith("profile: publishable key"), checks["keys"]
    # PostgreSQL must still reach its own files after all those commands (a checkpoint rereads
    # global/pg_control; it used to fail once the CLI had locked the stack folder to 0700)
    import psycopg

    with psycopg.connect(info["db_url"], autocommit=True) as conn:
        conn.execute("checkpoint")

    # start again is a no-op; stop, then the data survives a restart
    assert "Already running" in stagefy(home_env, "local", "start").stderr
    assert stagefy(home_env, "local", "stop").returncode == 0
    stopped = stagefy(home_env, "local", "status", "--json")
    assert stopped.returncode == 1 and json.loads(stopped.stdout)["running"] is False
    # ... this time with its worker, as `stagefy local start` runs by default
    assert stagefy({**home_env, "STAGEFY_LOCAL_WORKER": "1"}, "local", "start").returncode == 0
    assert json.loads(stagefy(home_env, "profile", "show", "--json").stdout)["email"] == "thandi@example.com"
    # The doctor finds the local stack ready: its keys, database, function and settings are its own.
    doctor = stagefy(home_env, "doctor", "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert all(check["ok"] for check in json.loads(doctor.stdout))

    # reset wipes everything (asks first; refuses without a terminal)
    refused = stagefy(home_env, "local", "reset")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert stagefy(home_env, "local", "reset", "--yes").returncode == 0
    assert not (tmp_path / "home" / "data" / "local").exists()


def test_port_in_use_is_a_clear_error(home_env):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(home_env["STAGEFY_LOCAL_PORT"])))
        busy.listen()
        result = stagefy(home_env, "local", "start")
    assert result.returncode == 1
    port = int(home_env["STAGEFY_LOCAL_PORT"])
    assert "Errno" not in result.stderr and "\\n" not in result.stderr
    assert result.stderr.strip().splitlines()[1:] == [
        f"Error: port {port} is in use by another program. Choose another with: stagefy local start "
        f"--port {port + 1} (or set STAGEFY_LOCAL_PORT)."
    ]


def test_keys_written_before_the_new_kinds_get_them_once(tmp_path):
    """An install whose keys.json predates publishable and secret keys keeps its legacy keys and
    JWT secret, gains the new ones, and keeps those from then on."""
    from stagefy_cli.local.keys import generate, load_or_create

    path = tmp_path / "keys.json"
    old = generate()
    path.write_text(
        json.dumps(
            {"jwt_secret": old.jwt_secret, "anon_key": old.anon_key, "service_role_key": old.service_role_key}
        )
    )
    upgraded = load_or_create(path)
    assert (upgraded.jwt_secret, upgraded.anon_key, upgraded.service_role_key) == (
        old.jwt_secret,
        old.anon_key,
        old.service_role_key,
    )
    assert upgraded.publishable_key.startswith("sb_publishable_") and upgraded.secret_key.startswith(
        "sb_secret_"
    )
    assert load_or_create(path) == upgraded


@pytest.mark.slow  # starts and stops the real local stack (about 80 s on a busy machine)
def test_stop_releases_the_embedded_workers_jobs(tmp_path):
    """A job the stack's own worker is running when `local stop` comes is released to the queue, so
    the next start runs it at once, not after its lease (two minutes) lapses."""
    from stagefy_testing import ServerThread, make_photo
    from worker_support import GeminiStandIn

    stand_in = GeminiStandIn([("hold", (10, 160, 60))])
    with ServerThread(stand_in.app) as gemini:
        env = {
            **os.environ,
            "STAGEFY_HOME": str(tmp_path / "home"),
            "STAGEFY_LOCAL_PORT": str(free_port()),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "GEMINI_API_KEY": "k",
            "GEMINI_BASE_URL": gemini.url,
        }
        for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "STAGEFY_PROFILE", "STAGEFY_LOCAL_WORKER"):
            env.pop(name, None)
        try:
            signup = stagefy(
                env, "auth", "signup", "--email", "sam@example.com", "--name", "Sam", "--password-stdin",
                input="pw-123456\n",
            )  # fmt: skip
            assert signup.returncode == 0, signup.stderr
            photo = make_photo(tmp_path / "lounge.jpg")
            submitted = stagefy(
                env,
                "edit",
                str(photo),
                "--type",
                "declutter",
                "--provider",
                "nano_banana",
                "--no-wait",
                "--yes",
            )
            assert submitted.returncode == 8, submitted.stderr
            project = submitted.stdout.strip()
            deadline = time.monotonic() + 60
            while stand_in.requests == 0:  # the worker is in the provider's call
                assert time.monotonic() < deadline, "the local worker never called the provider"
                time.sleep(0.1)

            assert stagefy(env, "local", "stop").returncode == 0
            stand_in.script = [("image", (10, 160, 60))]
            stand_in.release.set()
            assert stagefy(env, "local", "start").returncode == 0
            watched = stagefy(
                env, "projects", "watch", project[:8], "--out", str(tmp_path), "--timeout", "60", "--json"
            )
            assert watched.returncode == 0, (watched.returncode, watched.stderr)
            [job] = json.loads(watched.stdout)["jobs"]
            assert (job["status"], job["attempts"]) == ("completed", 2)
        finally:
            stand_in.release.set()
            stagefy(env, "local", "reset", "--yes")
