"""Helpers for tests that run real `stagefy worker run` processes against the test stack, with a
local server speaking Gemini's generateContent API as the provider."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def png(color: tuple[int, int, int], size=(800, 600)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


class GeminiStandIn:
    """Answers generateContent from a script, one entry per request (the last one repeats):
    ("image", color) answers at once; ("hold", color) answers once `release` is set; (status, code)
    answers with that HTTP error in Gemini's shape."""

    def __init__(self, script: list[tuple]):
        self.script = list(script)
        self.requests = 0
        self.release = threading.Event()
        self.app = Starlette(
            routes=[Route("/v1/models/{model}:generateContent", self.generate, methods=["POST"])]
        )

    async def generate(self, request: Request):
        await request.body()
        self.requests += 1
        kind, value = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if kind == "hold":
            await asyncio.to_thread(self.release.wait, 120)
        if kind in ("hold", "image"):
            data = base64.b64encode(png(value)).decode()
            return JSONResponse(
                {
                    "candidates": [
                        {
                            "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": data}}]},
                            "finishReason": "STOP",
                        }
                    ]
                }
            )
        return JSONResponse(
            {"error": {"code": kind, "message": f"{value} (stand-in)", "status": value}}, kind
        )


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1, workers=()):
    """Poll `predicate()` until it returns something truthy; fail with `what` after `timeout` s,
    or at once (with its log) when one of `workers` has exited."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        for worker in workers:
            if worker.process.poll() is not None:
                raise AssertionError(f"the worker exited while waiting for {what}:\n{worker.log()}")
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class WorkerProcess:
    """`stagefy worker run ARGS` in its own process, its log in a file; with `users`, it claims only
    their jobs (`--user`: the test's, never another test's)."""

    def __init__(self, stack, home: Path, *args: str, env: dict | None = None, users=()):
        home.mkdir(parents=True, exist_ok=True)
        self.log_path = home / f"worker-{time.monotonic_ns()}.log"
        environment = {
            **os.environ,
            "STAGEFY_HOME": str(home),
            "SUPABASE_URL": stack.url,
            "SUPABASE_ANON_KEY": stack.anon_key,
            "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
            **(env or {}),
        }
        environment.pop("STAGEFY_PROFILE", None)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from stagefy_cli.entry import main; main()",
                "worker",
                "run",
                *args,
                *(option for user in users for option in ("--user", user.id)),
            ],
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._log.close()
