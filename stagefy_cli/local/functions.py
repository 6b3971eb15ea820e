"""Serve `supabase/functions/` the way `supabase functions serve` does, with no download.

Each function directory with an `index.ts` runs in its own Deno process (the binary of the `deno`
wheel) on a free port of 127.0.0.1, with only its secrets in the environment (like a hosted
function); the gateway routes `/functions/v1/<name>[/...]` to it with the `/<name>` prefix kept.
`--cached-only` makes Deno refuse any import it would have to fetch, so the functions run offline.
Each runs under `edge_runtime.ts`, which hands its handler the connection info supabase/edge-runtime
does (peer 0.0.0.0), so the caller's address reaches it only in the gateway's headers, as on hosted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from stagefy_cli.errors import StagefyError

START_TIMEOUT_S = 30.0
# What a function's process inherits besides its secrets: enough for Deno to find its cache.
PASSED_THROUGH = ("PATH", "HOME", "DENO_DIR", "TMPDIR", "XDG_CACHE_HOME")
EDGE_RUNTIME = Path(__file__).with_name("edge_runtime.ts")


def functions_dir() -> Path:
    """The functions shipped with the package (wheel) or the repository's `supabase/functions`."""
    packaged = resources.files("stagefy_cli") / "_supabase" / "functions"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "supabase" / "functions"


def function_names(directory: Path | None = None) -> list[str]:
    """Directories with an `index.ts`; `_shared` and dot-directories are not functions."""
    directory = directory or functions_dir()
    return sorted(
        p.name
        for p in directory.iterdir()
        if (p / "index.ts").is_file() and not p.name.startswith(("_", "."))
    )


def jwt_required(directory: Path | None = None) -> dict[str, bool]:
    """Per function, whether the gateway checks the caller's JWT first: `verify_jwt` of its
    `[functions.<name>]` table in `supabase/config.toml`, true unless it says otherwise (as
    `supabase functions serve` and `deploy` read it)."""
    import tomllib

    directory = directory or functions_dir()
    try:
        config = tomllib.loads((directory.parent / "config.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        config = {}
    settings = config.get("functions", {})
    return {name: bool(settings.get(name, {}).get("verify_jwt", True)) for name in function_names(directory)}


def read_env_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines (what `supabase functions serve` loads from `supabase/functions/.env`)."""
    values = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.strip().partition("=")
            if sep and name and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return values


def deno_binary() -> str:
    """The `deno` wheel's binary, or `STAGEFY_DENO` (scripts/test runs the payment tests again with
    the Deno of Supabase's edge runtime: scripts/edge-runtime-deno)."""
    if os.environ.get("STAGEFY_DENO"):
        return os.environ["STAGEFY_DENO"]
    from deno import find_deno_bin

    return find_deno_bin()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """For Popen's preexec_fn: a function's process ends with the process that started it, even if
    that one is killed (Linux's PR_SET_PDEATHSIG). Resolved before the fork, so the child only
    calls into libc (no import after fork)."""
    if sys.platform != "linux":
        return None
    import ctypes

    prctl = ctypes.CDLL(None).prctl
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class FunctionsRuntime:
    """Start every function of `directory` with `secrets`; `upstreams` maps a name to its URL."""

    def __init__(self, secrets: dict[str, str], directory: Path | None = None, log_path: Path | None = None):
        self.directory = directory or functions_dir()
        self.secrets = secrets
        self.log_path = log_path
        self.processes: dict[str, subprocess.Popen] = {}
        self.upstreams: dict[str, str] = {}

    def start(self) -> dict[str, str]:
        log = self.log_path.open("ab") if self.log_path else None
        preexec = _die_with_parent()
        try:
            for name in function_names(self.directory):
                port = _free_port()
                env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
                env |= {
                    **self.secrets,
                    "STAGEFY_FUNCTION_LISTEN": f"127.0.0.1:{port}",  # read by edge_runtime.ts
                    "DENO_NO_UPDATE_CHECK": "1",
                    "NO_COLOR": "1",
                }
                self.processes[name] = subprocess.Popen(
                    [
                        deno_binary(),
                        "run",
                        "--no-config",
                        "--cached-only",
                        "--no-prompt",
                        "--allow-net",
                        "--allow-env",
                        f"--allow-read={self.directory / name}",
                        str(EDGE_RUNTIME),
                        str(self.directory / name / "index.ts"),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT if log else None,
                    env=env,
                    preexec_fn=preexec,  # noqa: PLW1509
                )
                self.upstreams[name] = f"http://127.0.0.1:{port}"
        finally:
            if log:
                log.close()
        for name, url in self.upstreams.items():
            self._wait_ready(name, int(url.rsplit(":", 1)[1]))
        return self.upstreams

    def _wait_ready(self, name: str, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                self.stop()
                raise StagefyError(
                    f"the Edge Function {name} failed to start (exit {self.processes[name].returncode})."
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise StagefyError(f"the Edge Function {name} did not start within {START_TIMEOUT_S:.0f} s.")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> dict[str, str]:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def local_secrets(api_url: str, keys, environ: dict[str, str], env_file: Path | None = None):
    """The secrets the local stack gives its functions, and the PayFast sandbox it runs (or None).

    Like a hosted project: the project's URL and keys (legacy and new); then `env_file` (the local stack passes
    `supabase/functions/.env`); then the `PAYFAST_*` variables of `environ`. Without a merchant id
    among them the stack plays PayFast itself (`stagefy local payfast complete`), so a purchase can
    be finished offline."""
    from stagefy_cli.local.gateway.payfast_sandbox import PayFastSandbox

    secrets = {
        "SUPABASE_URL": api_url,
        "SUPABASE_ANON_KEY": keys.anon_key,
        "SUPABASE_SERVICE_ROLE_KEY": keys.service_role_key,
        # As the Supabase CLI and hosted projects set the new keys: JSON objects of named keys.
        "SUPABASE_PUBLISHABLE_KEYS": json.dumps({"default": keys.publishable_key}),
        "SUPABASE_SECRET_KEYS": json.dumps({"default": keys.secret_key}),
    }
    if env_file is not None:
        secrets |= read_env_file(env_file)
    secrets |= {k: v for k, v in environ.items() if k.startswith("PAYFAST_")}
    if secrets.get("PAYFAST_MERCHANT_ID"):
        return secrets, None
    sandbox = PayFastSandbox()
    pages = {k: secrets[k] for k in ("PAYFAST_RETURN_URL", "PAYFAST_CANCEL_URL") if secrets.get(k)}
    return secrets | sandbox.function_secrets(api_url) | pages, sandbox
